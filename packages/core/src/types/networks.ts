import { VenusError } from '../errors/index.js'
import { MINER_POLICY } from './policy.js'
import { RegisteredSealProof } from './proof-types.js'

/** Names of the networks the cluster knows parameters for. */
export type NetworkKind = 'mainnet' | 'calibnet' | 'butterfly' | '2k'

/**
 * Per-network chain parameters. Epoch constants are in epochs; the miner actor's policy bounds
 * are the same everywhere ({@link MINER_POLICY}) and are repeated here so that one object holds
 * every constant a service checks.
 */
export interface NetworkParams {
  readonly kind: NetworkKind
  /** `StateNetworkName`; undefined for 2k devnets, whose name is chosen at genesis. */
  readonly networkName: string | undefined
  readonly addressPrefix: 'f' | 't'
  /** Seconds between epochs. */
  readonly blockDelaySecs: number
  readonly preCommitChallengeDelay: number
  /** Sector sizes new sectors may use, in bytes. */
  readonly sectorSizes: readonly number[]
  /** Seal proof ids (V1_1 and SyntheticPoRep) accepted for new sectors. */
  readonly allowedSealProofs: readonly number[]
  /** Consensus minimum miner power, bytes. */
  readonly consensusMinerMinPower: number
  /** Minimum verified allocation size, bytes. */
  readonly minVerifiedAllocation: number
  readonly eip155ChainId: number
  /** Unix seconds; undefined where it has to be read with `StateGetNetworkParams`. */
  readonly genesisTimestamp: number | undefined
  readonly finality: number
  readonly interactivePoRepConfidence: number
  readonly messageConfidence: number
  /** Epochs behind the head at which a precommit's ticket is drawn (`ChainFinality`). */
  readonly sealRandomnessLookback: number
  /** Oldest acceptable ticket of a precommit: one day plus finality. */
  readonly maxPreCommitRandomnessLookback: number
  /** Most epochs between a precommit and its prove-commit: 30 days plus the challenge delay. */
  readonly maxProveCommitDuration: number
  /** Shortest sector lifetime after its prove-commit deadline. */
  readonly minSectorExpiration: number
  /** Latest expiration of a sector, counted from the current epoch. */
  readonly maxSectorExpirationExtension: number
  /** Longest a sector may live from activation, extensions included. */
  readonly sectorMaxLifetime: number
  /** `WPoStProvingPeriod`. */
  readonly provingPeriod: number
}

const S = RegisteredSealProof
const seal = (sizes: readonly number[]): number[] => {
  const bySize: Record<number, [number, number]> = {
    2048: [S.StackedDrg2KiBV1_1, S.StackedDrg2KiBV1_1_Feat_SyntheticPoRep],
    [8 << 20]: [S.StackedDrg8MiBV1_1, S.StackedDrg8MiBV1_1_Feat_SyntheticPoRep],
    [512 << 20]: [S.StackedDrg512MiBV1_1, S.StackedDrg512MiBV1_1_Feat_SyntheticPoRep],
    [32 * 2 ** 30]: [S.StackedDrg32GiBV1_1, S.StackedDrg32GiBV1_1_Feat_SyntheticPoRep],
    [64 * 2 ** 30]: [S.StackedDrg64GiBV1_1, S.StackedDrg64GiBV1_1_Feat_SyntheticPoRep],
  }
  return sizes.flatMap((s) => bySize[s] ?? [])
}

const common = {
  finality: MINER_POLICY.chainFinality,
  interactivePoRepConfidence: 6,
  messageConfidence: 5,
  sealRandomnessLookback: MINER_POLICY.chainFinality,
  maxPreCommitRandomnessLookback: MINER_POLICY.maxPreCommitRandomnessLookback,
  minSectorExpiration: MINER_POLICY.minSectorExpiration,
  maxSectorExpirationExtension: MINER_POLICY.maxSectorExpirationExtension,
  sectorMaxLifetime: MINER_POLICY.sectorMaxLifetime,
  provingPeriod: MINER_POLICY.wpostProvingPeriod,
} as const
const proveCommit = (preCommitChallengeDelay: number) => ({
  preCommitChallengeDelay,
  maxProveCommitDuration: MINER_POLICY.maxProveCommitDurationBase + preCommitChallengeDelay,
})
const GiB = 2 ** 30

/**
 * Chain parameters of mainnet, calibnet, butterfly and Lotus 2k devnets.
 *
 * @example
 * ```ts
 * NETWORK_PARAMS['2k'].blockDelaySecs // 4
 * ```
 */
export const NETWORK_PARAMS: Readonly<Record<NetworkKind, NetworkParams>> = {
  mainnet: {
    kind: 'mainnet',
    networkName: 'testnetnet',
    addressPrefix: 'f',
    blockDelaySecs: 30,
    ...proveCommit(150),
    sectorSizes: [32 * GiB, 64 * GiB],
    allowedSealProofs: seal([32 * GiB, 64 * GiB]),
    consensusMinerMinPower: 10 * 2 ** 40,
    minVerifiedAllocation: 2 ** 20,
    eip155ChainId: 314,
    genesisTimestamp: 1598306400,
    ...common,
  },
  calibnet: {
    kind: 'calibnet',
    networkName: 'calibrationnet',
    addressPrefix: 't',
    blockDelaySecs: 30,
    ...proveCommit(150),
    sectorSizes: [32 * GiB, 64 * GiB],
    allowedSealProofs: seal([32 * GiB, 64 * GiB]),
    consensusMinerMinPower: 32 * GiB,
    minVerifiedAllocation: 2 ** 20,
    eip155ChainId: 314159,
    genesisTimestamp: undefined,
    ...common,
  },
  butterfly: {
    kind: 'butterfly',
    networkName: 'butterflynet',
    addressPrefix: 't',
    blockDelaySecs: 30,
    ...proveCommit(150),
    sectorSizes: [512 << 20, 32 * GiB, 64 * GiB],
    allowedSealProofs: seal([512 << 20, 32 * GiB, 64 * GiB]),
    consensusMinerMinPower: 2 * GiB,
    minVerifiedAllocation: 2 ** 20,
    eip155ChainId: 3141592,
    genesisTimestamp: undefined,
    ...common,
  },
  '2k': {
    kind: '2k',
    networkName: undefined,
    addressPrefix: 't',
    blockDelaySecs: 4,
    ...proveCommit(10),
    sectorSizes: [2048, 8 << 20],
    allowedSealProofs: seal([2048, 8 << 20]),
    consensusMinerMinPower: 2048,
    minVerifiedAllocation: 256,
    eip155ChainId: 31415926,
    genesisTimestamp: undefined,
    ...common,
  },
}

/**
 * Looks up network parameters by kind (`mainnet`, `calibnet`, `butterfly`, `2k`/`devnet`) or by
 * `StateNetworkName` (`testnetnet`, `calibrationnet`, `butterflynet`, `localnet-…` → 2k).
 *
 * @example
 * ```ts
 * networkParams('calibrationnet').preCommitChallengeDelay // 150
 * ```
 */
export function networkParams(name: string): NetworkParams {
  const n = name.trim().toLowerCase()
  if (n === 'devnet' || n.startsWith('localnet')) return NETWORK_PARAMS['2k']
  for (const p of Object.values(NETWORK_PARAMS)) {
    if (p.kind === n || p.networkName === n) return p
  }
  throw new VenusError('INVALID_ARGUMENT', `unknown network ${JSON.stringify(name)}`, {
    details: { network: name, known: [...Object.keys(NETWORK_PARAMS), 'devnet', 'localnet-*'] },
  })
}

/**
 * Parses a network name as operators type it (`--net`): a kind (`mainnet`, `calibnet`,
 * `butterfly`, `2k`), a node's `StateNetworkName` (`calibrationnet`, `butterflynet`,
 * `localnet-…`), or the aliases `cali`, `devnet` and `localnet`.
 *
 * @example
 * ```ts
 * parseNetworkName('cali') // 'calibnet'
 * ```
 */
export function parseNetworkName(name: string): NetworkKind {
  const n = name.trim().toLowerCase()
  try {
    return networkParams(n === 'cali' ? 'calibnet' : n).kind
  } catch {
    throw new VenusError('NETWORK_UNKNOWN', `unknown network ${JSON.stringify(name)}`, {
      details: { network: name, known: ['mainnet', 'calibnet', 'butterfly', '2k'] },
    })
  }
}

/**
 * The network a node serves, from its `StateNetworkName` answer: `mainnet` (`testnetnet`),
 * `calibnet`, `butterfly`; any other name is a local devnet (`2k`).
 *
 * @example
 * ```ts
 * detectNetwork('localnet-devnet') // '2k'
 * ```
 */
export function detectNetwork(nodeNetworkName: string): NetworkKind {
  try {
    return parseNetworkName(nodeNetworkName)
  } catch {
    return '2k'
  }
}
