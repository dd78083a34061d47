import { isVenusError, VenusError } from '../errors/index.js'
import { raceAbort } from './transports.js'
import type { RpcCallOptions, RpcTransport } from './types.js'

/** Options of {@link createRpcClient}. */
export interface RpcClientOptions {
  /** Default per-call time limit in ms (default 0 = none; channels never time out once open). */
  timeoutMs?: number
}

/** A JSON-RPC client over a transport; see {@link createRpcClient}. */
export interface RpcClient {
  /** Calls a method and resolves with its result; failures are `VenusError`s. */
  call<T = unknown>(method: string, params?: unknown[], opts?: RpcCallOptions): Promise<T>
  /** Subscribes to a channel method; iterate to receive values, `break` or abort to cancel. */
  subscribe<T = unknown>(method: string, params?: unknown[], opts?: RpcCallOptions): AsyncIterable<T>
  /** The transport underneath. */
  readonly transport: RpcTransport
  /** Closes the transport. */
  close(): Promise<void>
}

/**
 * Creates a JSON-RPC client. Timeouts become `RPC_TIMEOUT`, aborts `ABORTED`, server errors
 * the `VenusError` the server threw (or `RPC_SERVER` with the server's message and
 * `details.rpcCode` for non-venus servers).
 *
 * @example
 * ```ts
 * const client = createRpcClient(wsTransport('ws://127.0.0.1:1234/rpc/v1', { token }), { timeoutMs: 30_000 })
 * const head = await client.call('Filecoin.ChainHead', [])
 * ```
 */
export function createRpcClient(transport: RpcTransport, options: RpcClientOptions = {}): RpcClient {
  const defaultTimeout = options.timeoutMs ?? 0

  async function call<T>(method: string, params: unknown[] = [], opts: RpcCallOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? defaultTimeout
    const outer = opts.signal
    if (outer?.aborted)
      throw new VenusError('ABORTED', `${method} aborted`, { details: { method }, cause: outer.reason })
    if (timeoutMs <= 0 && outer === undefined) return (await transport.request(method, params, {})) as T
    const ac = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const onOuter = () =>
      ac.abort(new VenusError('ABORTED', `${method} aborted`, { details: { method }, cause: outer?.reason }))
    outer?.addEventListener('abort', onOuter, { once: true })
    if (timeoutMs > 0) {
      timer = setTimeout(
        () =>
          ac.abort(
            new VenusError('RPC_TIMEOUT', `${method} ran past ${timeoutMs} ms`, {
              details: { method, timeoutMs },
            }),
          ),
        timeoutMs,
      )
    }
    try {
      // Racing also bounds custom transports that ignore the signal.
      return (await raceAbort(transport.request(method, params, { signal: ac.signal }), ac.signal)) as T
    } catch (err) {
      if (ac.signal.aborted && isVenusError(ac.signal.reason)) throw ac.signal.reason
      throw err
    } finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuter)
    }
  }

  function subscribe<T>(method: string, params: unknown[] = [], opts: RpcCallOptions = {}): AsyncIterable<T> {
    const sub = transport.subscribe
    if (sub === undefined) {
      return {
        [Symbol.asyncIterator]() {
          return {
            next: () =>
              Promise.reject(
                new VenusError(
                  'UNSUPPORTED',
                  `${method} is a channel method; this transport has no channels (use WebSocket)`,
                  {
                    details: { method },
                  },
                ),
              ),
          }
        },
      }
    }
    return sub.call(transport, method, params, opts) as AsyncIterable<T>
  }

  return {
    call,
    subscribe,
    transport,
    async close() {
      await transport.close?.()
    },
  }
}
