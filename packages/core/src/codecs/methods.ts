/**
 * Actor method numbers the cluster sends (miner actor of builtin-actors v18, power actor).
 *
 * @example
 * ```ts
 * MinerMethod.PreCommitSectorBatch2 // 28
 * ```
 */
export const MinerMethod = {
  ChangeWorkerAddress: 3,
  SubmitWindowedPoSt: 5,
  /** Removed at network version 22: never sent. */
  PreCommitSector: 6,
  /** Removed at network version 23: never sent. */
  ProveCommitSector: 7,
  TerminateSectors: 9,
  DeclareFaults: 10,
  DeclareFaultsRecovered: 11,
  WithdrawBalance: 16,
  /** Removes terminated sectors from partitions of a deadline and packs the live ones. */
  CompactPartitions: 19,
  CompactSectorNumbers: 20,
  ConfirmChangeWorkerAddress: 21,
  RepayDebt: 22,
  ChangeOwnerAddress: 23,
  /** Removed at network version 22: never sent. */
  PreCommitSectorBatch: 25,
  /** Removed at network version 27: never sent. */
  ProveCommitAggregate: 26,
  PreCommitSectorBatch2: 28,
  /** Owner proposes, beneficiary and nominee confirm (FIP-0029). */
  ChangeBeneficiary: 30,
  GetBeneficiary: 31,
  ExtendSectorExpiration2: 32,
  ProveCommitSectors3: 34,
  ProveReplicaUpdates3: 35,
  ProveCommitSectorsNI: 36,
} as const

/** Method 0 of every actor: a plain value transfer. */
export const METHOD_SEND = 0

/** Power actor methods. */
export const PowerMethod = { CreateMiner: 2 } as const

/**
 * Exit codes of message receipts: the system's (below 16) and the builtin actors' common ones.
 *
 * @example
 * ```ts
 * if (receipt.ExitCode === ExitCode.ErrInsufficientFunds) retryWithMoreFunds()
 * ```
 */
export const ExitCode = {
  Ok: 0,
  SysErrSenderInvalid: 1,
  SysErrSenderStateInvalid: 2,
  SysErrInvalidReceiver: 5,
  SysErrInsufficientFunds: 6,
  SysErrOutOfGas: 7,
  ErrIllegalArgument: 16,
  ErrNotFound: 17,
  ErrForbidden: 18,
  ErrInsufficientFunds: 19,
  ErrIllegalState: 20,
  ErrSerialization: 21,
  ErrUnhandledMessage: 22,
} as const

/** Singleton actor ID addresses (numeric ids). */
export const SingletonActor = {
  System: 0,
  Init: 1,
  Reward: 2,
  Cron: 3,
  Power: 4,
  Market: 5,
  VerifiedRegistry: 6,
  DataCap: 7,
  EAM: 10,
  BurntFunds: 99,
} as const

/** Network version from which each legacy miner method is gone. */
const REMOVED_AT: Readonly<Record<number, number>> = { 6: 22, 7: 23, 8: 27, 25: 22, 26: 27, 27: 27, 29: 22 }

/**
 * Whether a miner method may be sent at a network version; methods the network removed must
 * never be sent.
 *
 * @example
 * ```ts
 * isMinerMethodLive(MinerMethod.ProveCommitAggregate, 27) // false
 * ```
 */
export function isMinerMethodLive(method: number, networkVersion: number): boolean {
  const removed = REMOVED_AT[method]
  return removed === undefined || networkVersion < removed
}
