import { createRpcClient, httpTransport } from '@venus-cluster/core'
import type { JsonRpcCall } from './lotus-adapter.js'

/**
 * A JSON-RPC call function over HTTP POST (for the chain node, the messager and the daemon),
 * on core's RPC client.
 *
 * @example
 * ```ts
 * const call = httpJsonRpc('http://127.0.0.1:1234/rpc/v1', token)
 * await call('Filecoin.ChainHead', [])
 * ```
 */
export function httpJsonRpc(url: string, token?: string): JsonRpcCall {
  const client = createRpcClient(httpTransport(url, token ? { token } : {}))
  return (method, params) => client.call(method, params)
}
