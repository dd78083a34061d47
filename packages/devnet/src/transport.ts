/**
 * In-process access to a devnet's APIs: its method tables, and a transport over them.
 */
import { localTransport, type RpcMethod, type RpcTransport } from '@venus-cluster/core'
import { controlMethods } from './control-api.js'
import type { Devnet } from './devnet.js'
import { lotusMethods } from './lotus-api.js'
import { messagerMethods } from './messager-api.js'

const tables = new WeakMap<Devnet, Record<string, RpcMethod>>()

/**
 * The `Filecoin.*`, `Message.*` and `Devnet.*` method tables of a devnet, built once per devnet (the
 * messager keeps its queue in the table).
 *
 * @example
 * ```ts
 * const methods = devnetMethods(devnet)
 * createRpcServer({ methods })
 * ```
 */
export function devnetMethods(devnet: Devnet): Record<string, RpcMethod> {
  let t = tables.get(devnet)
  if (t === undefined) {
    t = { ...lotusMethods(devnet), ...messagerMethods(devnet), ...controlMethods(devnet) }
    tables.set(devnet, t)
  }
  return t
}

/**
 * An in-process transport to a devnet: core's `localTransport` over its method tables, with
 * every permission. Hand it to core's chain and messager clients as any other transport; like
 * them, it round-trips JSON so callers see exactly the wire shapes.
 *
 * @example
 * ```ts
 * const chain = createChainClient(devnetTransport(devnet))
 * const messager = createMessagerClient(devnetTransport(devnet))
 * for await (const changes of chain.chainNotify({ signal })) console.log(changes)
 * ```
 */
export function devnetTransport(devnet: Devnet): RpcTransport & Required<Pick<RpcTransport, 'subscribe'>> {
  return localTransport(devnetMethods(devnet))
}
