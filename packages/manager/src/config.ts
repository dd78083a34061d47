/**
 * The manager's configuration is core's {@link ManagerConfig}: `managerConfig(partial)` (from
 * `@venus-cluster/core`) builds it in code with the defaults of `MANAGER_CONFIG_DEFAULTS`, and
 * `loadManagerConfig` reads `sector-manager.cfg` in either layout into the same object. This module
 * adds what only the manager derives from it.
 *
 * @packageDocumentation
 */
import { isAbsolute, join } from 'node:path'
import { type ManagerConfig, type ManagerMinerConfig, managerMinerConfig } from '@venus-cluster/core'

/**
 * A miner with every default and `sender` as its precommit and prove-commit sender: the
 * shortest way to a working miner in code and tests.
 *
 * @example
 * ```ts
 * const m = defaultMinerConfig(1000, 't01000')
 * m.commitment.pre.batch.enabled = true
 * const config = managerConfig({ miners: [m] })
 * ```
 */
export function defaultMinerConfig(actor: number, sender: string): ManagerMinerConfig {
  return managerMinerConfig({ actor, commitment: { pre: { sender }, prove: { sender } } })
}

/**
 * The state database the config names, in the form `openManagerStore` takes: a `postgres://`
 * URL, a SQLite path (relative paths resolved under `home`), or undefined for the default
 * `<home>/manager.db`.
 *
 * @example
 * ```ts
 * const db = cliDb ?? managerDbFromConfig(config, home)
 * ```
 */
export function managerDbFromConfig(config: Pick<ManagerConfig, 'db'>, home: string): string | undefined {
  const db = config.db
  if (db.dsn === '') return undefined
  if (db.driver === 'postgres') return db.dsn
  return isAbsolute(db.dsn) ? db.dsn : join(home, db.dsn)
}

/**
 * The market's HTTP base from `Common.API.Market` (multiaddr or URL; ws/wss become http/https),
 * '' when unset. The piece store proxy redirects to `<base>/resource?resource-id=…`.
 *
 * @example
 * ```ts
 * marketHttpBase('/ip4/127.0.0.1/tcp/41235/ws') // 'http://127.0.0.1:41235'
 * ```
 */
export function marketHttpBase(api: string): string {
  if (api === '') return ''
  if (/^wss?:\/\//.test(api)) return new URL(api.replace(/^ws/, 'http')).origin
  if (/^https?:\/\//.test(api)) return new URL(api).origin
  const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)(?:\/(http|https|ws|wss))?\/?$/.exec(api)
  if (m === null) return ''
  const host = m[1] === 'ip6' ? `[${m[2]}]` : (m[2] as string)
  return `${m[4] === 'https' || m[4] === 'wss' ? 'https' : 'http'}://${host}:${m[3]}`
}
