import {
  networkParams as coreNetworkParams,
  NETWORK_PARAMS,
  type NetworkKind,
  VenusError,
} from '@venus-cluster/core'
import type { ManagerNetworkParams } from './chain.js'

/** Networks the manager knows by name (core's network kinds). */
export type ManagerNetworkName = NetworkKind

const EPOCHS_PER_DAY = 2880
// What the manager needs beyond core's table: the lookbacks and expiration bounds it checks.
const base = {
  sealRandomnessLookback: 900,
  maxPreCommitRandomnessLookback: EPOCHS_PER_DAY + 900,
  interactivePoRepConfidence: 6,
  minSectorExpiration: 180 * EPOCHS_PER_DAY,
  maxSectorExpirationExtension: 1278 * EPOCHS_PER_DAY,
  sectorMaxLifetime: 5 * 365 * EPOCHS_PER_DAY,
  provingPeriod: EPOCHS_PER_DAY,
}

function preset(name: ManagerNetworkName): ManagerNetworkParams {
  const core = NETWORK_PARAMS[name]
  return {
    ...base,
    name,
    addressPrefix: core.addressPrefix,
    blockDelaySecs: core.blockDelaySecs,
    preCommitChallengeDelay: core.preCommitChallengeDelay,
    interactivePoRepConfidence: core.interactivePoRepConfidence,
    maxProveCommitDuration: 30 * EPOCHS_PER_DAY + core.preCommitChallengeDelay,
  }
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
  try {
    // core knows the kinds, the node's network names and the devnet ones; `cali` is ours.
    return coreNetworkParams(n === 'cali' ? 'calibnet' : n).kind
  } catch {
    throw new VenusError('NETWORK_UNKNOWN', `unknown network ${JSON.stringify(name)}`, {
      details: { network: name, known: ['mainnet', 'calibnet', 'butterfly', '2k'] },
    })
  }
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
  return preset(name)
}
