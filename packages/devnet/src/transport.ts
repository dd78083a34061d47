/**
 * In-process access to a devnet's APIs, with the JSON round trip a real connection would do so
 * callers see exactly the wire shapes (strings for big numbers, base64 bytes, CID objects).
 */
import { VenusError } from '@venus-cluster/core'
import { controlMethods } from './control-api.js'
import type { Devnet } from './devnet.js'
import { type DevnetRpcMethod, lotusMethods } from './lotus-api.js'
import { messagerMethods } from './messager-api.js'

const tables = new WeakMap<Devnet, Record<string, DevnetRpcMethod>>()

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
export function devnetMethods(devnet: Devnet): Record<string, DevnetRpcMethod> {
  let t = tables.get(devnet)
  if (t === undefined) {
    t = { ...lotusMethods(devnet), ...messagerMethods(devnet), ...controlMethods(devnet) }
    tables.set(devnet, t)
  }
  return t
}

function wire<T>(v: T): T {
  return v === undefined ? (null as T) : (JSON.parse(JSON.stringify(v)) as T)
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v
}

/** A transport to a devnet in the same process (requests and channel subscriptions). */
export interface DevnetTransport {
  /** Calls a method; the result is what a JSON-RPC peer would receive. */
  request(method: string, params: unknown[], opts?: { signal?: AbortSignal }): Promise<unknown>
  /** Subscribes to a channel method (`Filecoin.ChainNotify`); ends when `signal` aborts. */
  subscribe(method: string, params: unknown[], opts?: { signal?: AbortSignal }): AsyncIterable<unknown>
  /** Nothing to release in process; present for the RpcTransport shape. */
  close(): void
}

/**
 * An in-process transport to a devnet; hand it to the core chain/messager clients through
 * their `custom` transport.
 *
 * @example
 * ```ts
 * const t = devnetTransport(devnet)
 * const head = await t.request('Filecoin.ChainHead', [])
 * for await (const changes of t.subscribe('Filecoin.ChainNotify', [], { signal })) console.log(changes)
 * ```
 */
export function devnetTransport(devnet: Devnet): DevnetTransport {
  const methods = devnetMethods(devnet)
  const find = (method: string): DevnetRpcMethod => {
    const m = methods[method]
    if (m === undefined)
      throw new VenusError('RPC_METHOD_NOT_FOUND', `method '${method}' not found`, { details: { method } })
    return m
  }
  return {
    async request(method, params, opts = {}) {
      const out = await find(method)(wire(params), {
        signal: opts.signal,
        permissions: ['read', 'write', 'sign', 'admin'],
      })
      if (isAsyncIterable(out)) {
        throw new VenusError('UNSUPPORTED', `${method} is a channel method; use subscribe`, {
          details: { method },
        })
      }
      return wire(out)
    },
    subscribe(method, params, opts = {}) {
      return {
        async *[Symbol.asyncIterator]() {
          const controller = new AbortController()
          const onAbort = () => controller.abort()
          opts.signal?.addEventListener('abort', onAbort, { once: true })
          try {
            const out = await find(method)(wire(params), {
              signal: controller.signal,
              permissions: ['read', 'write', 'sign', 'admin'],
              method,
              transport: 'inproc',
            })
            if (!isAsyncIterable(out))
              throw new VenusError('UNSUPPORTED', `${method} is not a channel method`, {
                details: { method },
              })
            for await (const v of out) yield wire(v)
          } finally {
            controller.abort()
            opts.signal?.removeEventListener('abort', onAbort)
          }
        },
      }
    },
    close() {},
  }
}

/**
 * A plain `call(method, params)` function over a devnet, for adapters that take one.
 *
 * @example
 * ```ts
 * const chain = createLotusChain(devnetCall(devnet))
 * ```
 */
export function devnetCall(devnet: Devnet): (method: string, params: unknown[]) => Promise<unknown> {
  const t = devnetTransport(devnet)
  return (method, params) => t.request(method, params)
}
