import { createRpcClient, httpTransport } from '@venus-cluster/core'
import type { JsonRpcCall } from './lotus-adapter.js'

/** Options of {@link httpJsonRpc}. */
export interface HttpJsonRpcOptions {
  /**
   * Time limit of one call in ms (default 0 = none). Give one for peers that may hang: a node that
   * accepts the connection and never answers must not hold a caller, or a stopping process, forever.
   */
  timeoutMs?: number | undefined
}

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
export function httpJsonRpc(url: string, token?: string, opts: HttpJsonRpcOptions = {}): JsonRpcCall {
  const client = createRpcClient(httpTransport(url, token ? { token } : {}), {
    timeoutMs: opts.timeoutMs ?? 0,
  })
  return (method, params, o) => client.call(method, params, o?.signal ? { signal: o.signal } : {})
}
