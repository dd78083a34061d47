import { VenusError } from '../errors/index.js'
import { RegisteredSealProof } from './proof-types.js'

/** Names of the networks the cluster knows parameters for. */
export type NetworkKind = 'mainnet' | 'calibnet' | 'butterfly' | '2k'

/** Per-network chain parameters (spec filecoin-chain.md §5). Epoch constants are in epochs. */
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

const common = { finality: 900, interactivePoRepConfidence: 6, messageConfidence: 5 } as const
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
    preCommitChallengeDelay: 150,
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
    preCommitChallengeDelay: 150,
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
    preCommitChallengeDelay: 150,
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
    preCommitChallengeDelay: 10,
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
