import { VenusError } from '@venus-cluster/core'
import type { ManagerNetworkParams } from './chain.js'

/** Networks the manager knows by name. */
export type ManagerNetworkName = 'mainnet' | 'calibnet' | 'butterfly' | '2k'

const EPOCHS_PER_DAY = 2880
const base = {
  sealRandomnessLookback: 900,
  maxPreCommitRandomnessLookback: EPOCHS_PER_DAY + 900,
  interactivePoRepConfidence: 6,
  minSectorExpiration: 180 * EPOCHS_PER_DAY,
  maxSectorExpirationExtension: 1278 * EPOCHS_PER_DAY,
  provingPeriod: EPOCHS_PER_DAY,
  maxProveCommitDuration: 30 * EPOCHS_PER_DAY + 150,
}

const PRESETS: Record<ManagerNetworkName, ManagerNetworkParams> = {
  mainnet: { ...base, name: 'mainnet', addressPrefix: 'f', blockDelaySecs: 30, preCommitChallengeDelay: 150 },
  calibnet: {
    ...base,
    name: 'calibnet',
    addressPrefix: 't',
    blockDelaySecs: 30,
    preCommitChallengeDelay: 150,
  },
  butterfly: {
    ...base,
    name: 'butterfly',
    addressPrefix: 't',
    blockDelaySecs: 30,
    preCommitChallengeDelay: 150,
  },
  '2k': {
    ...base,
    name: '2k',
    addressPrefix: 't',
    blockDelaySecs: 4,
    preCommitChallengeDelay: 10,
    maxProveCommitDuration: 30 * EPOCHS_PER_DAY + 10,
  },
}

/**
 * Parses a `--net` value: `mainnet`, `calibnet` (`cali`, `calibrationnet`), `butterfly`
 * (`butterflynet`), `2k` (`devnet`, `localnet`).
 *
 * @example
 * ```ts
 * parseNetworkName('cali') // 'calibnet'
 * ```
 */
export function parseNetworkName(name: string): ManagerNetworkName {
  const n = name.trim().toLowerCase()
  if (n === 'mainnet') return 'mainnet'
  if (n === 'calibnet' || n === 'cali' || n === 'calibrationnet') return 'calibnet'
  if (n === 'butterfly' || n === 'butterflynet') return 'butterfly'
  if (n === '2k' || n === 'devnet' || n === 'localnet' || n.startsWith('localnet-')) return '2k'
  throw new VenusError('NETWORK_UNKNOWN', `unknown network ${JSON.stringify(name)}`, {
    details: { network: name, known: ['mainnet', 'calibnet', 'butterfly', '2k'] },
  })
}

/**
 * The network a node serves, from its `StateNetworkName` answer (`mainnet`,
 * `calibrationnet`, `butterflynet`, anything else is a local devnet).
 *
 * @example
 * ```ts
 * detectNetwork('localnet-devnet') // '2k'
 * ```
 */
export function detectNetwork(nodeNetworkName: string): ManagerNetworkName {
  try {
    return parseNetworkName(nodeNetworkName)
  } catch {
    return '2k'
  }
}

/**
 * The manager's constants for a network.
 *
 * @example
 * ```ts
 * networkParams('mainnet').preCommitChallengeDelay // 150
 * ```
 */
export function networkParams(name: ManagerNetworkName): ManagerNetworkParams {
  return { ...PRESETS[name] }
}
