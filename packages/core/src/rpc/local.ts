import { VenusError } from '../errors/index.js'
import { RPC_PERMISSIONS, type RpcMethod, type RpcPermission, type RpcTransport } from './types.js'

/** Options of {@link localTransport}. */
export interface LocalTransportOptions {
  /** Permissions the handlers see in their context (default all). */
  permissions?: readonly RpcPermission[]
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  )
}

/** JSON round trip, so in-process callers see exactly the wire shapes (no bigint, no undefined). */
function wire(v: unknown): unknown {
  if (v === undefined) return null
  try {
    return JSON.parse(JSON.stringify(v)) as unknown
  } catch (err) {
    throw new VenusError('RPC_INVALID_PARAMS', `value does not encode as JSON: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

/**
 * A transport that calls a method table in the same process, with a JSON round trip of
 * params and results and channel support, for tests and single-process setups.
 *
 * @example
 * ```ts
 * const chain = createChainClient(localTransport(devnetMethods(devnet)))
 * ```
 */
export function localTransport(
  methods: Record<string, RpcMethod>,
  opts: LocalTransportOptions = {},
): RpcTransport & Required<Pick<RpcTransport, 'subscribe'>> {
  const permissions = opts.permissions ?? RPC_PERMISSIONS
  const find = (method: string): RpcMethod => {
    const fn = Object.hasOwn(methods, method) ? methods[method] : undefined
    if (typeof fn !== 'function')
      throw new VenusError('RPC_METHOD_NOT_FOUND', `method '${method}' not found`, { details: { method } })
    return fn
  }
  return {
    async request(method, params, call = {}) {
      const ac = new AbortController()
      const on = () => ac.abort(call.signal?.reason)
      call.signal?.addEventListener('abort', on, { once: true })
      try {
        const out = await find(method)(wire(params) as unknown[], {
          signal: ac.signal,
          permissions,
          method,
          transport: 'inproc',
        })
        if (isAsyncIterable(out)) {
          await out[Symbol.asyncIterator]().return?.()
          throw new VenusError('UNSUPPORTED', `${method} is a channel method; use subscribe`, {
            details: { method },
          })
        }
        return wire(out)
      } finally {
        call.signal?.removeEventListener('abort', on)
      }
    },
    subscribe(method, params, call = {}) {
      return {
        async *[Symbol.asyncIterator]() {
          const ac = new AbortController()
          const on = () => ac.abort(call.signal?.reason)
          call.signal?.addEventListener('abort', on, { once: true })
          try {
            const out = await find(method)(wire(params) as unknown[], {
              signal: ac.signal,
              permissions,
              method,
              transport: 'inproc',
            })
            if (!isAsyncIterable(out))
              throw new VenusError('UNSUPPORTED', `${method} is not a channel method`, {
                details: { method },
              })
            for await (const v of out) {
              if (ac.signal.aborted) break
              yield wire(v)
            }
            if (call.signal?.aborted)
              throw new VenusError('ABORTED', `${method} aborted`, { details: { method } })
          } finally {
            ac.abort()
            call.signal?.removeEventListener('abort', on)
          }
        },
      }
    },
  }
}
