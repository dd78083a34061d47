/**
 * Wire shapes of the `Venus.*` sealer API, which the manager serves and the worker calls
 * (docs/manager.md lists the methods): the enumerations as the integers the Go manager and the
 * Rust worker put on the wire, and the PascalCase structures both sides exchange.
 */

/**
 * `SubmitResult` of `SubmitPreCommit`, `SubmitPersisted` and `SubmitProof`.
 *
 * @example
 * ```ts
 * if (res.Res === SubmitResult.Accepted || res.Res === SubmitResult.DuplicateSubmit) next()
 * ```
 */
export const SubmitResult = {
  Accepted: 1,
  DuplicateSubmit: 2,
  MismatchedSubmission: 3,
  Rejected: 4,
  FilesMissed: 5,
} as const

/**
 * `OnChainState` of `PollPreCommitState` and `PollProofState`.
 *
 * @example
 * ```ts
 * if (state.State === OnChainState.Landed) next()
 * ```
 */
export const OnChainState = {
  Pending: 1,
  Packed: 2,
  Landed: 3,
  NotFound: 4,
  Failed: 5,
  PermFailed: 6,
  ShouldAbort: 7,
} as const

/**
 * `abi.SectorID` as the `Venus.*` API carries it.
 *
 * @example
 * ```ts
 * const id: WireSectorId = { Miner: 1000, Number: 7 }
 * ```
 */
export interface WireSectorId {
  Miner: number
  Number: number
}

/** A sector number the manager handed out (`AllocateSector`): its id and seal proof type. */
export interface AllocatedSector {
  ID: WireSectorId
  ProofType: number
}

/** A ticket as the manager hands it out and stores it: base64 of 32 random bytes and its epoch. */
export interface WireTicket {
  Ticket: string
  Epoch: number
}

/** An interactive seed as the manager hands it out and stores it. */
export interface WireSeed {
  Seed: string
  Epoch: number
}

/** One piece of a sector (`AcquireDeals`): a deal piece (ID > 0) or a filler piece (ID 0). */
export interface WireDeal {
  ID: number
  PayloadSize: number
  Piece: { Size: number; Cid: { '/': string } }
  /** The deal proposal as the market gave it (opaque to the cluster). */
  Proposal?: unknown
}

/** A worker's liveness report (`WorkerInfo` of `Venus.WorkerPing`). */
export interface WireWorkerInfo {
  Name: string
  /** `ip:port` of the worker's control API. */
  Dest: string
  Summary: { Threads: number; Empty: number; Paused: number; Errors: number }
}

/** One entry of `Venus.WorkerPingInfoList`: the worker's last ping and when it came (Unix seconds). */
export interface WorkerPingInfo {
  Info: WireWorkerInfo
  LastPing: number
}
