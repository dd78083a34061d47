/**
 * Client transports: HTTP POST, one multiplexed WebSocket, and custom (in-process) ones.
 */
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import WebSocket from 'ws'
import { isVenusError, VenusError } from '../errors/index.js'
import { fromRpcError } from './errors.js'
import type { RpcCallOptions, RpcTransport } from './types.js'

/** Options shared by the network transports. */
export interface NetworkTransportOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | undefined
  /** Extra request headers (e.g. `X-VENUS-API-NAMESPACE`). */
  headers?: Record<string, string> | undefined
}

/** Options of {@link wsTransport}. */
export interface WsTransportOptions extends NetworkTransportOptions {
  /** Reconnect attempts per call before it fails with `RPC_TRANSPORT` (default 5). */
  reconnectAttempts?: number
  /** First reconnect delay in ms, doubled each attempt (default 100). */
  reconnectMinDelayMs?: number
  /** Longest reconnect delay in ms (default 5000). */
  reconnectMaxDelayMs?: number
  /** Time limit for opening the socket in ms (default 10000). */
  connectTimeoutMs?: number
  /**
   * Ping interval in ms; a socket that misses a pong for one interval is dropped, so calls and
   * channels on a half-open connection fail with `RPC_CLOSED` instead of hanging (default 30000, 0 = off).
   */
  pingIntervalMs?: number
}

function abortError(signal: AbortSignal): VenusError {
  const reason = signal.reason
  if (isVenusError(reason)) return reason
  return new VenusError('ABORTED', 'call aborted', { cause: reason })
}

function headersOf(opts: NetworkTransportOptions): Record<string, string> {
  const h: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.token !== undefined && opts.token !== '') h.authorization = `Bearer ${opts.token}`
  return h
}

let httpIds = 0

/**
 * A transport that sends each call as one HTTP POST. Channel methods are not available over
 * HTTP (as with go-jsonrpc).
 *
 * @example
 * ```ts
 * const client = createRpcClient(httpTransport('http://127.0.0.1:1234/rpc/v1', { token }))
 * ```
 */
export function httpTransport(url: string, opts: NetworkTransportOptions = {}): RpcTransport {
  const u = url.replace(/^ws(s?):/, 'http$1:')
  let parsed: URL
  try {
    parsed = new URL(u)
  } catch {
    throw new VenusError('INVALID_ARGUMENT', `'${url}' is not an http(s) URL`, { details: { url } })
  }
  const secure = parsed.protocol === 'https:'
  if (!secure && parsed.protocol !== 'http:') {
    throw new VenusError('INVALID_ARGUMENT', `'${url}' is not an http(s) URL`, { details: { url } })
  }
  // node:http with a keep-alive agent: several times the call rate of fetch() on loopback.
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true })
  const send = secure ? httpsRequest : httpRequest
  const headers = { 'content-type': 'application/json', ...headersOf(opts) }

  function post(
    body: string,
    signal: AbortSignal | undefined,
    retried = false,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const reqOpts: RequestOptions = {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      }
      if (signal !== undefined) reqOpts.signal = signal
      const req = send(parsed, reqOpts, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
        res.on('aborted', () => reject(new Error('response aborted')))
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        // The server may close an idle keep-alive socket just as we reuse it; nothing reached
        // the handler then, so one retry on a fresh socket is safe (the Node docs' pattern).
        if (!retried && req.reusedSocket && err.code === 'ECONNRESET' && !signal?.aborted) {
          post(body, signal, true).then(resolve, reject)
        } else reject(err)
      })
      req.end(body)
    })
  }

  return {
    async request(method, params, call: RpcCallOptions = {}) {
      const id = ++httpIds
      const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
      let res: { status: number; text: string }
      try {
        res = await post(body, call.signal)
      } catch (err) {
        if (call.signal?.aborted) throw abortError(call.signal)
        throw new VenusError('RPC_TRANSPORT', `cannot reach ${u}: ${(err as Error).message}`, {
          details: { url: u, method },
          cause: err,
        })
      }
      if (res.status === 401) {
        throw new VenusError('UNAUTHENTICATED', `${u} refused the token (HTTP 401)`, {
          details: { url: u, method },
        })
      }
      let parsedBody: unknown
      try {
        parsedBody = JSON.parse(res.text)
      } catch {
        throw new VenusError('RPC_TRANSPORT', `${u} answered HTTP ${res.status} without JSON`, {
          details: { url: u, method, status: res.status, body: res.text.slice(0, 200) },
        })
      }
      const obj = (typeof parsedBody === 'object' && parsedBody !== null ? parsedBody : {}) as Record<
        string,
        unknown
      >
      if (obj.error !== undefined && obj.error !== null) throw fromRpcError(obj.error, method)
      if (!('result' in obj)) {
        throw new VenusError('RPC_TRANSPORT', `${u} answered without result or error`, {
          details: { url: u, method, status: res.status },
        })
      }
      return obj.result
    },
    close() {
      agent.destroy()
    },
  }
}

interface Pending {
  method: string
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  /** Called synchronously with the result, before any later frame is read (channels). */
  onResult?: (result: unknown) => void
}

interface Channel {
  push(v: unknown): void
  end(err?: unknown): void
}

/**
 * A transport over one WebSocket: many calls share it by id, channel methods stream over it,
 * it reconnects with exponential backoff when a call needs it and the socket is gone. Calls in
 * flight when the socket drops fail with `RPC_CLOSED` (they may or may not have run); channel
 * iterators throw `RPC_CLOSED`, so callers resubscribe.
 *
 * @example
 * ```ts
 * const t = wsTransport('ws://127.0.0.1:1234/rpc/v1', { token })
 * const client = createRpcClient(t)
 * for await (const changes of client.subscribe('Filecoin.ChainNotify', [])) console.log(changes)
 * ```
 */
export function wsTransport(
  url: string,
  opts: WsTransportOptions = {},
): RpcTransport & { readonly connected: boolean; readonly connects: number } {
  const u = url.replace(/^http(s?):/, 'ws$1:')
  const attempts = opts.reconnectAttempts ?? 5
  const minDelay = opts.reconnectMinDelayMs ?? 100
  const maxDelay = opts.reconnectMaxDelayMs ?? 5000
  const connectTimeout = opts.connectTimeoutMs ?? 10_000
  const pingMs = opts.pingIntervalMs ?? 30_000
  const headers = headersOf(opts)
  let socket: WebSocket | undefined
  let opening: Promise<WebSocket> | undefined
  let nextId = 1
  let closed = false
  let connects = 0
  const pending = new Map<number, Pending>()
  const channels = new Map<number, Channel>()

  // A channel method called with request() instead of subscribe() answers with a channel id
  // and then streams; recent positive integer results are kept so such a stream can be
  // cancelled by its request id when its first value arrives, instead of flowing forever.
  const orphans = new Map<number, number>()
  function rememberNumber(result: number, reqId: number): void {
    orphans.set(result, reqId)
    if (orphans.size > 256) orphans.delete(orphans.keys().next().value as number)
  }
  function stopOrphan(chanId: number): void {
    const reqId = orphans.get(chanId)
    if (reqId === undefined) return
    orphans.delete(chanId)
    cancel(reqId)
  }

  function dropAll(reason: VenusError): void {
    orphans.clear()
    for (const p of pending.values()) p.reject(reason)
    pending.clear()
    for (const c of channels.values()) c.end(reason)
    channels.clear()
  }

  function onMessage(data: WebSocket.RawData): void {
    let msg: Record<string, unknown>
    try {
      msg = JSON.parse(String(data)) as Record<string, unknown>
    } catch {
      return
    }
    if (typeof msg !== 'object' || msg === null) return
    if (typeof msg.method === 'string') {
      const params = Array.isArray(msg.params) ? msg.params : []
      const chanId = params[0] as number
      const chan = channels.get(chanId)
      if (msg.method === 'xrpc.ch.val') {
        if (chan !== undefined) chan.push(params[1])
        else stopOrphan(chanId)
      } else if (msg.method === 'xrpc.ch.close') {
        orphans.delete(chanId)
        if (chan !== undefined) {
          channels.delete(chanId)
          chan.end()
        }
      }
      return
    }
    const id = msg.id as number
    const p = pending.get(id)
    if (p === undefined) return
    pending.delete(id)
    if (msg.error !== undefined && msg.error !== null) p.reject(fromRpcError(msg.error, p.method))
    else {
      const result = msg.result === undefined ? null : msg.result
      if (p.onResult !== undefined) p.onResult(result)
      else if (Number.isSafeInteger(result) && (result as number) > 0) rememberNumber(result as number, id)
      p.resolve(result)
    }
  }

  function openOnce(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(u, {
        headers,
        handshakeTimeout: connectTimeout,
        maxPayload: 256 * 1024 * 1024,
      })
      const fail = (err: unknown) => {
        ws.removeAllListeners()
        ws.on('error', () => {})
        ws.terminate()
        reject(err)
      }
      ws.once('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0
        res.resume()
        fail(
          status === 401
            ? new VenusError('UNAUTHENTICATED', `${u} refused the token (HTTP 401)`, { details: { url: u } })
            : new VenusError('RPC_TRANSPORT', `${u} refused the WebSocket upgrade (HTTP ${status})`, {
                details: { url: u, status },
              }),
        )
      })
      ws.once('error', (err) =>
        fail(
          new VenusError('RPC_TRANSPORT', `cannot reach ${u}: ${err.message}`, {
            details: { url: u },
            cause: err,
          }),
        ),
      )
      ws.once('open', () => {
        ws.removeAllListeners('error')
        ws.removeAllListeners('unexpected-response')
        ws.on('error', () => {})
        ws.on('message', onMessage)
        ws.once('close', () => {
          if (socket === ws) socket = undefined
          dropAll(new VenusError('RPC_CLOSED', `connection to ${u} closed`, { details: { url: u } }))
        })
        if (pingMs > 0) heartbeat(ws, pingMs)
        connects++
        resolve(ws)
      })
    })
  }

  async function connect(signal: AbortSignal | undefined): Promise<WebSocket> {
    if (socket !== undefined && socket.readyState === WebSocket.OPEN) return socket
    if (closed) throw new VenusError('RPC_CLOSED', 'transport is closed', { details: { url: u } })
    if (opening === undefined) {
      opening = (async () => {
        let delay = minDelay
        let last: unknown
        for (let i = 0; i <= attempts; i++) {
          if (closed) throw new VenusError('RPC_CLOSED', 'transport is closed', { details: { url: u } })
          try {
            const ws = await openOnce()
            if (closed) {
              ws.close()
              throw new VenusError('RPC_CLOSED', 'transport is closed', { details: { url: u } })
            }
            socket = ws
            return ws
          } catch (err) {
            last = err
            if (isVenusError(err, 'UNAUTHENTICATED') || i === attempts) break
            await new Promise((r) => setTimeout(r, delay))
            delay = Math.min(maxDelay, delay * 2)
          }
        }
        throw last
      })().finally(() => {
        opening = undefined
      })
    }
    if (signal === undefined) return opening
    return raceAbort(opening, signal)
  }

  function sendFrame(ws: WebSocket, msg: unknown): void {
    ws.send(JSON.stringify(msg))
  }

  function cancel(id: number): void {
    const ws = socket
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) {
      sendFrame(ws, { jsonrpc: '2.0', method: 'xrpc.cancel', params: [id] })
    }
  }

  async function start(
    method: string,
    params: unknown[],
    call: RpcCallOptions,
    onResult?: (id: number, r: unknown) => void,
  ): Promise<{ id: number; result: unknown }> {
    const signal = call.signal
    if (signal?.aborted) throw abortError(signal)
    const ws = await connect(signal)
    const id = nextId++
    const p = new Promise<unknown>((resolve, reject) => {
      const entry: Pending = { method, resolve, reject }
      if (onResult !== undefined) entry.onResult = (r) => onResult(id, r)
      pending.set(id, entry)
    })
    try {
      sendFrame(ws, { jsonrpc: '2.0', id, method, params })
    } catch (err) {
      pending.delete(id)
      throw new VenusError('RPC_TRANSPORT', `sending ${method} failed`, {
        details: { url: u, method },
        cause: err,
      })
    }
    if (signal === undefined) return { id, result: await p }
    const onAbort = () => {
      if (pending.delete(id)) cancel(id)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      return { id, result: await raceAbort(p, signal) }
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  return {
    get connected() {
      return socket !== undefined && socket.readyState === WebSocket.OPEN
    },
    get connects() {
      return connects
    },
    async request(method, params, call = {}) {
      return (await start(method, params, call)).result
    },
    subscribe(method, params, call = {}) {
      return {
        [Symbol.asyncIterator]() {
          const queue: unknown[] = []
          let done = false
          let failure: unknown
          let wake: (() => void) | undefined
          let reqId: number | undefined
          let chanId: number | undefined
          const notify = () => {
            const w = wake
            wake = undefined
            w?.()
          }
          const chan: Channel = {
            push(v) {
              queue.push(v)
              notify()
            },
            end(err) {
              done = true
              if (err !== undefined) failure = err
              notify()
            },
          }
          const finish = () => {
            if (chanId !== undefined && channels.get(chanId) === chan) {
              channels.delete(chanId)
              if (reqId !== undefined) cancel(reqId)
            }
            done = true
            notify()
          }
          const onAbort = () => {
            if (call.signal !== undefined) failure ??= abortError(call.signal)
            finish()
          }
          call.signal?.addEventListener('abort', onAbort, { once: true })
          const started = start(method, params, call, (id, r) => {
            reqId = id
            chanId = typeof r === 'number' ? r : Number(r)
            channels.set(chanId, chan)
          })
          started.catch(() => {})
          return {
            async next(): Promise<IteratorResult<unknown>> {
              try {
                await started
              } catch (err) {
                call.signal?.removeEventListener('abort', onAbort)
                throw err
              }
              for (;;) {
                if (queue.length > 0) return { done: false, value: queue.shift() }
                if (done) {
                  call.signal?.removeEventListener('abort', onAbort)
                  if (failure !== undefined) {
                    const f = failure
                    failure = undefined
                    throw f
                  }
                  return { done: true, value: undefined }
                }
                await new Promise<void>((r) => (wake = r))
              }
            },
            async return(): Promise<IteratorResult<unknown>> {
              call.signal?.removeEventListener('abort', onAbort)
              await started.catch(() => {})
              finish()
              queue.length = 0
              failure = undefined
              return { done: true, value: undefined }
            },
          }
        },
      }
    },
    async close() {
      closed = true
      const ws = socket
      socket = undefined
      dropAll(new VenusError('RPC_CLOSED', 'transport closed by the client', { details: { url: u } }))
      if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((res) => {
          ws.once('close', () => res())
          ws.close(1000)
          setTimeout(() => {
            ws.terminate()
            res()
          }, 1000).unref()
        })
      }
    },
  }
}

/**
 * Wraps in-process functions as a transport, e.g. a devnet or a method table in the same
 * process. `subscribe` is optional; without it channel methods are unsupported.
 *
 * @example
 * ```ts
 * const t = customTransport({ request: async (method, params) => table[method]!(params, ctx) })
 * ```
 */
export function customTransport(impl: RpcTransport): RpcTransport {
  const t: RpcTransport = {
    request: (method, params, opts) => impl.request(method, params, opts),
  }
  if (impl.subscribe !== undefined) {
    const sub = impl.subscribe.bind(impl)
    t.subscribe = (method, params, opts) => sub(method, params, opts)
  }
  if (impl.close !== undefined) {
    const close = impl.close.bind(impl)
    t.close = () => close()
  }
  return t
}

/**
 * Pings `ws` every `ms`; terminates it when a pong did not come back in time.
 *
 * @internal Shared by the client transport and the server; `ws` types stay out of the public API.
 */
export function heartbeat(ws: WebSocket, ms: number): void {
  let alive = true
  ws.on('pong', () => {
    alive = true
  })
  const timer = setInterval(() => {
    if (!alive) {
      ws.terminate()
      return
    }
    alive = false
    try {
      ws.ping()
    } catch {
      ws.terminate()
    }
  }, ms)
  timer.unref()
  ws.once('close', () => clearInterval(timer))
}

/**
 * Rejects with the abort reason as soon as `signal` aborts.
 *
 * @internal Used by the transports of this folder.
 */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise<T>((resolve, reject) => {
    const on = () => reject(abortError(signal))
    signal.addEventListener('abort', on, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', on)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', on)
        reject(e)
      },
    )
  })
}

/** Short alias of {@link httpTransport} (the shared API contract name). */
export const http: typeof httpTransport = httpTransport
/** Short alias of {@link wsTransport} (the shared API contract name). */
export const ws: typeof wsTransport = wsTransport
/** Short alias of {@link customTransport} (the shared API contract name). */
export const custom: typeof customTransport = customTransport
