import { MINER_POLICY } from '@venus-cluster/core'

/**
 * Network parameters of a devnet. Epoch-denominated actor constants are the same on every
 * Filecoin network (core's `MINER_POLICY`); only the 2k-specific values (challenge delay 10,
 * small sector sizes, tiny consensus minimum) differ from mainnet.
 */
export interface DevnetParams {
  /** `StateNetworkName`. */
  networkName: string
  /** `StateNetworkVersion`. */
  networkVersion: number
  /** Address prefix printed by the node: `t` for test networks. */
  addressPrefix: 'f' | 't'
  /** Nominal block delay reported by `StateGetNetworkParams` (seconds). */
  blockDelaySecs: number
  /** Unix seconds of epoch 0. */
  genesisTimestamp: number
  preCommitChallengeDelay: number
  /** Max epochs between a sector's ticket and its pre-commit inclusion (1 day + finality). */
  maxPreCommitRandomnessLookback: number
  /** MaxProveCommitDuration without the challenge delay (30 days). */
  maxProveCommitDurationBase: number
  /** Minimum sector lifetime after the prove-commit deadline (180 days). */
  minSectorExpiration: number
  /** Longest a sector may live from activation, extensions included (five years of 365 days). */
  sectorMaxLifetime: number
  /** Max sector expiration after the pre-commit epoch (1278 days). */
  maxSectorExpirationExtension: number
  /** 5 years: max expiration beyond the activation deadline at pre-commit. */
  maxPreCommitLifetime: number
  wpostPeriodDeadlines: number
  wpostProvingPeriod: number
  wpostChallengeWindow: number
  wpostChallengeLookback: number
  faultDeclarationCutoff: number
  wpostMaxChainCommitAge: number
  postedPartitionsMax: number
  chainFinality: number
  /** Epochs between `ChangeWorkerAddress` and the earliest `ConfirmChangeWorkerAddress` (policy: finality). */
  workerKeyChangeDelay: number
  /** Gas limit of one block. */
  blockGasLimit: number
  /** Base fee of the genesis tipset (attoFIL). */
  initialBaseFee: bigint
  /** Lotus `MinimumBaseFee`. */
  minimumBaseFee: bigint
  /** Pre-commit deposit per byte of sector size (attoFIL). */
  preCommitDepositPerByte: bigint
  /** Initial pledge per byte of sector size (attoFIL). */
  initialPledgePerByte: bigint
  /** Penalty per faulty sector each time its deadline passes unproven (attoFIL). */
  faultFeePerSector: bigint
  /** Penalty per sector on TerminateSectors (attoFIL). */
  terminationFeePerSector: bigint
  /** Deposit a new miner must receive through CreateMiner (attoFIL). */
  minerCreationDeposit: bigint
  /** Balance of the genesis faucet account (attoFIL). */
  faucetBalance: bigint
  /** Sector sizes the devnet accepts, in bytes. */
  allowedSectorSizes: number[]
  eip155ChainId: number
}

const FIL = 10n ** 18n

/**
 * Parameters of a Lotus `2k` devnet, the defaults of `createDevnet`.
 *
 * @example
 * ```ts
 * const params = { ...devnetParams2k(), preCommitChallengeDelay: 5 }
 * ```
 */
export function devnetParams2k(): DevnetParams {
  return {
    networkName: 'localnet-devnet',
    networkVersion: 28,
    addressPrefix: 't',
    blockDelaySecs: 4,
    genesisTimestamp: 1_700_000_000,
    preCommitChallengeDelay: 10,
    maxPreCommitRandomnessLookback: MINER_POLICY.maxPreCommitRandomnessLookback,
    maxProveCommitDurationBase: MINER_POLICY.maxProveCommitDurationBase,
    minSectorExpiration: MINER_POLICY.minSectorExpiration,
    sectorMaxLifetime: MINER_POLICY.sectorMaxLifetime,
    maxSectorExpirationExtension: MINER_POLICY.maxSectorExpirationExtension,
    maxPreCommitLifetime: 5_259_485,
    wpostPeriodDeadlines: 48,
    wpostProvingPeriod: MINER_POLICY.wpostProvingPeriod,
    wpostChallengeWindow: 60,
    wpostChallengeLookback: 20,
    faultDeclarationCutoff: 70,
    wpostMaxChainCommitAge: 60,
    postedPartitionsMax: 3,
    chainFinality: MINER_POLICY.chainFinality,
    workerKeyChangeDelay: 900,
    blockGasLimit: 10_000_000_000,
    initialBaseFee: 100n,
    minimumBaseFee: 100n,
    preCommitDepositPerByte: 1_000_000n,
    initialPledgePerByte: 10_000_000n,
    faultFeePerSector: 1_000_000_000n,
    terminationFeePerSector: 10_000_000_000n,
    minerCreationDeposit: FIL / 100n,
    faucetBalance: 1_000_000_000n * FIL,
    allowedSectorSizes: [2048, 8 << 20],
    eip155ChainId: 31415926,
  }
}

/** Epochs allowed between pre-commit and prove-commit inclusion for V1_1 seal proofs. */
export function maxProveCommitDuration(p: DevnetParams): number {
  return p.maxProveCommitDurationBase + p.preCommitChallengeDelay
}

/**
 * 2k parameters with a short proving period: 48 deadlines of `challengeWindow` epochs, lookback
 * and fault cutoff scaled down with it. For PoSt tests that run whole proving periods quickly.
 *
 * @example
 * ```ts
 * createDevnet({ seed: 1, proofs, params: devnetParamsShortPeriod(6) }) // period = 288 epochs
 * ```
 */
export function devnetParamsShortPeriod(challengeWindow = 6): DevnetParams {
  const p = devnetParams2k()
  return {
    ...p,
    wpostChallengeWindow: challengeWindow,
    wpostProvingPeriod: challengeWindow * p.wpostPeriodDeadlines,
    wpostChallengeLookback: Math.max(1, Math.floor(challengeWindow / 3)),
    faultDeclarationCutoff: Math.max(2, Math.floor((challengeWindow * 7) / 6)),
    wpostMaxChainCommitAge: challengeWindow,
  }
}
