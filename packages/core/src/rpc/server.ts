/**
 * A go-jsonrpc compatible JSON-RPC 2.0 server: one path answers HTTP POST and WebSocket
 * upgrades, methods come from a plain table, channel methods stream over WebSocket.
 */
import { setMaxListeners } from 'node:events'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { VenusError } from '../errors/index.js'
import { answerPreflight, refuseBrowserRequest } from '../http/browser.js'
import { createHttpServer, type HttpLimits } from '../http/server.js'
import { parseRequestTarget } from '../http/target.js'
import { ByteBudget, readBody } from './body.js'
import { httpStatusForRpcCode, RpcErrorCode, toRpcError } from './errors.js'
import { DEFAULT_MAX_JSON_DEPTH, parseRpcJson } from './parse.js'
import { heartbeat } from './transports.js'
import {
  RPC_PERMISSIONS,
  type RpcContext,
  type RpcErrorObject,
  type RpcId,
  type RpcMethod,
  type RpcPermission,
} from './types.js'

/** Options of {@link createRpcServer}. */
export interface RpcServerOptions {
  /** The method table, keyed by full wire name (`Filecoin.ChainHead`). */
  methods: Record<string, RpcMethod>
  /** Path(s) served; default `/rpc/v0`. */
  path?: string | readonly string[]
  /**
   * Maps a token (`undefined` when the caller sent none) and the caller's address to its
   * permissions; throw to refuse with HTTP 401. Absent: every caller gets every permission (the
   * manager's own API has no auth).
   */
  authorize?: (
    token: string | undefined,
    request: { remoteAddress: string | undefined },
  ) => readonly RpcPermission[] | Promise<readonly RpcPermission[]>
  /** Permission each method needs (default `read`). */
  permissions?: Record<string, RpcPermission> | ((method: string) => RpcPermission)
  /**
   * Largest request body of any call in bytes (default 16 MiB; go-jsonrpc allows 100 MiB). Use
   * {@link RpcServerOptions.methodBodyBytes} to keep ordinary calls smaller.
   */
  maxBodyBytes?: number
  /**
   * Largest body a given method may arrive in, checked once the method is known (a batch is
   * measured whole); undefined = `maxBodyBytes`. Lets a server take large bodies only for the
   * few calls that need them.
   */
  methodBodyBytes?: ((method: string) => number | undefined) | undefined
  /**
   * Request-body bytes all HTTP requests may hold in memory at once, from the first byte read
   * until the call is answered (default 128 MiB). A body that does not fit is answered 503
   * (`RPC_BUSY`, `Retry-After: 1`); bodies up to 64 KiB are always admitted, so large ones
   * cannot starve ordinary calls. 0 = no bound.
   */
  maxBufferedBodyBytes?: number
  /** Largest WebSocket message in bytes (default the smaller of `maxBodyBytes` and 4 MiB). */
  maxMessageBytes?: number
  /** Deepest nesting of arrays/objects in a request (default 64); deeper is a -32700 parse error. */
  maxJsonDepth?: number
  /** Most calls in one JSON-RPC batch (default 100). */
  maxBatch?: number
  /** Calls (channels included) one WebSocket may have running at once (default 1024). */
  maxCallsPerSocket?: number
  /**
   * Accept the token as `?token=` as well as `Authorization: Bearer` (default true, as Lotus).
   * Servers of secrets turn it off: a token in a URL ends up in logs and browser history.
   */
  queryToken?: boolean
  /**
   * Refuse (415) a POST without an `Authorization` header whose `Content-Type` is not
   * `application/json` (default: true when `authorize` is set). Such a caller is let in by its
   * address or because auth is off, and a web page can send a text body without asking; a JSON
   * body from another origin needs a CORS preflight, which is refused. Requests from a foreign
   * origin (`Origin`, `Sec-Fetch-Site`) without the header are refused (403) on every server.
   */
  jsonOnlyWithoutToken?: boolean
  /** Timeouts and connection caps of the server {@link RpcServer.listen} starts. */
  http?: Partial<HttpLimits> | undefined
  /** Maps a thrown error to a JSON-RPC error; return undefined for the default mapping. */
  mapError?: (err: unknown, method: string) => RpcErrorObject | undefined
  /** How long {@link RpcServer.close} waits for running calls before cutting them (default 5 s). */
  closeGraceMs?: number
  /** Ping interval for WebSocket clients in ms; one that misses a pong is dropped and its calls aborted (default 30000, 0 = off). */
  pingIntervalMs?: number
  /** Values buffered per WebSocket before a channel waits for the socket to drain (default 4 MiB). */
  maxBufferedBytes?: number
}

/** A running JSON-RPC server; see {@link createRpcServer}. */
export interface RpcServer {
  /**
   * Serves the path on an existing http.Server (requests and upgrades on other paths are left
   * alone). `requests: false` takes only WebSocket upgrades, for a server whose own request
   * listener calls {@link RpcServer.handleHttp} (see `createHttpServer`).
   */
  attach(server: Server, opts?: { requests?: boolean }): void
  /** Starts a standalone http.Server; resolves with its URL (`http://host:port/rpc/v0`). */
  listen(opts?: {
    host?: string
    port?: number
  }): Promise<{ url: string; wsUrl: string; port: number; host: string }>
  /**
   * Answers an HTTP request directly (for frameworks); returns false when the path is not ours.
   * A target that cannot be routed (`/a/../rpc/v0`, a `#fragment`) is answered 400 here.
   */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean
  /**
   * Graceful close: refuses new calls, closes channels (`xrpc.ch.close`), waits up to
   * `closeGraceMs` for running calls, then closes sockets and the standalone server.
   */
  close(): Promise<void>
  /** Open WebSocket connections. */
  readonly connectionCount: number
  /** Calls currently running (HTTP and WebSocket). */
  readonly inFlight: number
}

interface WireRequest {
  jsonrpc?: unknown
  id?: unknown
  method?: unknown
  params?: unknown
}

const MiB = 1024 * 1024
const DEFAULT_MAX_BODY = 16 * MiB

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  )
}

function validId(id: unknown): id is RpcId | null {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
}

type TokenOf =
  | { token: string | undefined; header: boolean; refused?: undefined }
  | { refused: string; token?: undefined; header?: undefined }

function tokenOf(req: IncomingMessage, query: boolean): TokenOf {
  const header = req.headers.authorization
  if (header !== undefined && header !== '') {
    if (!header.startsWith('Bearer ')) return { refused: 'the Authorization header must be "Bearer <token>"' }
    return { token: header.slice(7).trim(), header: true }
  }
  const q = new URLSearchParams(parseRequestTarget(req.url).ok ? queryOf(req.url) : '').get('token')
  if (q === null) return { token: undefined, header: false }
  if (!query) return { refused: 'tokens are not accepted in the URL: send Authorization: Bearer <token>' }
  return { token: q, header: false }
}

function queryOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1
  return q === -1 ? '' : (url as string).slice(q + 1)
}

/**
 * Creates a go-jsonrpc compatible server for a method table.
 *
 * @example
 * ```ts
 * const server = createRpcServer({
 *   path: '/rpc/v1',
 *   methods: { 'Filecoin.Version': () => ({ Version: '1.0' }) },
 *   authorize: async (token) => (token === secret ? ['read', 'write'] : ['read']),
 *   permissions: { 'Filecoin.MpoolPush': 'write' },
 * })
 * const { url } = await server.listen({ host: '127.0.0.1', port: 0 })
 * ```
 */
export function createRpcServer(options: RpcServerOptions): RpcServer {
  const methods = options.methods
  const paths = new Set(typeof options.path === 'string' ? [options.path] : (options.path ?? ['/rpc/v0']))
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  const bodyBudget = new ByteBudget(options.maxBufferedBodyBytes ?? 128 * MiB)
  const maxMessage = options.maxMessageBytes ?? Math.min(maxBody, 4 * MiB)
  const maxDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH
  const maxBatch = options.maxBatch ?? 100
  const maxCallsPerSocket = options.maxCallsPerSocket ?? 1024
  const queryToken = options.queryToken ?? true
  const jsonOnly = options.jsonOnlyWithoutToken ?? options.authorize !== undefined
  const graceMs = options.closeGraceMs ?? 5000
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024
  const pingMs = options.pingIntervalMs ?? 30_000
  const serverAbort = new AbortController()
  // Every running call links to these signals; the default cap of 10 listeners would warn.
  setMaxListeners(0, serverAbort.signal)
  const running = new Set<Promise<unknown>>()
  const sockets = new Set<WebSocket>()
  const channelStops = new Set<() => void>()
  let closing = false
  let standalone: Server | undefined
  const attached = new Set<Server>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessage })

  const required = (method: string): RpcPermission => {
    const p = options.permissions
    if (p === undefined) return 'read'
    if (typeof p === 'function') return p(method)
    return p[method] ?? 'read'
  }

  /** The caller's permissions, or why it is refused (HTTP status and text). */
  async function permissionsFor(
    req: IncomingMessage,
    upgrade: boolean,
  ): Promise<{ perms: readonly RpcPermission[] } | { status: number; message: string }> {
    const t = tokenOf(req, queryToken)
    if (t.refused !== undefined) return { status: 401, message: t.refused }
    // Without an Authorization header the caller is let in by where it is (or auth is off):
    // a web page must not be able to borrow that.
    if (!t.header) {
      const refusal = refuseBrowserRequest(req, { json: jsonOnly && !upgrade })
      if (refusal !== undefined) return refusal
    }
    if (options.authorize === undefined) return { perms: RPC_PERMISSIONS }
    try {
      return { perms: await options.authorize(t.token, { remoteAddress: req.socket.remoteAddress }) }
    } catch {
      return { status: 401, message: 'unauthorized' }
    }
  }

  /** The body limit of `method`. */
  function bodyLimit(method: string): number {
    return Math.min(maxBody, options.methodBodyBytes?.(method) ?? maxBody)
  }

  function errorFor(err: unknown, method: string): RpcErrorObject {
    return options.mapError?.(err, method) ?? toRpcError(err)
  }

  function track<T>(p: Promise<T>): Promise<T> {
    running.add(p)
    void p.finally(() => running.delete(p)).catch(() => {})
    return p
  }

  /** Checks the envelope; returns an error response or the method to run. */
  function resolve(
    req: unknown,
    perms: readonly RpcPermission[],
    size: number,
  ):
    | { ok: false; id: RpcId | null; notify: boolean; error: RpcErrorObject }
    | { ok: true; id: RpcId | null; notify: boolean; name: string; fn: RpcMethod; params: unknown[] } {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      return {
        ok: false,
        id: null,
        notify: false,
        error: { code: RpcErrorCode.InvalidRequest, message: 'request must be a JSON object' },
      }
    }
    const r = req as WireRequest
    const notify = !('id' in r)
    const id = validId(r.id) ? r.id : null
    if (!notify && !validId(r.id)) {
      return {
        ok: false,
        id: null,
        notify: false,
        error: { code: RpcErrorCode.InvalidRequest, message: 'id must be a number, string or null' },
      }
    }
    if (typeof r.method !== 'string' || r.method === '') {
      return {
        ok: false,
        id,
        notify,
        error: { code: RpcErrorCode.InvalidRequest, message: 'method must be a non-empty string' },
      }
    }
    if (r.jsonrpc !== undefined && r.jsonrpc !== '2.0') {
      return {
        ok: false,
        id,
        notify,
        error: { code: RpcErrorCode.InvalidRequest, message: 'jsonrpc must be "2.0"' },
      }
    }
    const params = r.params === undefined || r.params === null ? [] : r.params
    if (!Array.isArray(params)) {
      return {
        ok: false,
        id,
        notify,
        error: {
          code: RpcErrorCode.InvalidParams,
          message: `params of '${r.method}' must be a positional array`,
        },
      }
    }
    const fn = Object.hasOwn(methods, r.method) ? methods[r.method] : undefined
    if (typeof fn !== 'function') {
      return {
        ok: false,
        id,
        notify,
        error: { code: RpcErrorCode.MethodNotFound, message: `method '${r.method}' not found` },
      }
    }
    const limit = bodyLimit(r.method)
    if (size > limit) {
      const err = new VenusError(
        'RPC_BODY_TOO_LARGE',
        `'${r.method}' takes requests of at most ${limit} bytes, got ${size}`,
        { details: { method: r.method, maxBodyBytes: limit, bytes: size } },
      )
      return { ok: false, id, notify, error: toRpcError(err) }
    }
    const need = required(r.method)
    if (!perms.includes(need)) {
      const err = new VenusError(
        'PERMISSION_DENIED',
        `missing permission to invoke '${r.method}' (need '${need}')`,
        {
          details: { method: r.method, need },
        },
      )
      return { ok: false, id, notify, error: errorFor(err, r.method) }
    }
    return { ok: true, id, notify, name: r.method, fn, params }
  }

  function errorResponse(id: RpcId | null, error: RpcErrorObject): Record<string, unknown> {
    return { jsonrpc: '2.0', id, error }
  }

  // ---------------------------------------------------------------- HTTP

  async function runHttpOne(
    req: unknown,
    perms: readonly RpcPermission[],
    signal: AbortSignal,
    size: number,
  ): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const r = resolve(req, perms, size)
    if (!r.ok) {
      return {
        status:
          (r.error.data as { code?: unknown } | undefined)?.code === 'RPC_BODY_TOO_LARGE'
            ? 413
            : httpStatusForRpcCode(r.error.code),
        body: r.notify ? undefined : errorResponse(r.id, r.error),
      }
    }
    const ctx: RpcContext = { signal, permissions: perms, method: r.name, transport: 'http' }
    try {
      const out = await r.fn(r.params, ctx)
      if (isAsyncIterable(out)) {
        // Channels need a socket to stream on; release whatever the handler set up.
        await (out as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.()
        const error = {
          code: RpcErrorCode.MethodNotFound,
          message: `method '${r.name}' not supported in this mode (no out channel support)`,
        }
        return { status: 500, body: r.notify ? undefined : errorResponse(r.id, error) }
      }
      return {
        status: 200,
        body: r.notify ? undefined : { jsonrpc: '2.0', id: r.id, result: out === undefined ? null : out },
      }
    } catch (err) {
      const error = errorFor(err, r.name)
      return {
        status: httpStatusForRpcCode(error.code),
        body: r.notify ? undefined : errorResponse(r.id, error),
      }
    }
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent || res.destroyed) return
    let text: string
    try {
      text = body === undefined ? '' : JSON.stringify(body)
    } catch (err) {
      status = 500
      text = JSON.stringify(
        errorResponse(null, {
          code: RpcErrorCode.Internal,
          message: `result does not encode as JSON: ${(err as Error).message}`,
        }),
      )
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  function refuse(
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) {
    const text = `JSON-RPC: ${message}\n`
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    res.end(text)
  }

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, 'POST')
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' })
      res.end('JSON-RPC: use POST or a WebSocket upgrade\n')
      return
    }
    if (closing) {
      send(res, 503, errorResponse(null, { code: RpcErrorCode.Internal, message: 'server is closing' }))
      return
    }
    const who = await permissionsFor(req, false)
    if (!('perms' in who)) {
      // The body is left unread: close the connection after the answer.
      refuse(res, who.status, who.message, {
        connection: 'close',
        ...(who.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
      })
      return
    }
    const perms = who.perms
    const body = await readBody(req, maxBody, bodyBudget)
    if (!body.ok) {
      if (body.reason === 'aborted') return // the client went away
      const err =
        body.reason === 'too-large'
          ? new VenusError('RPC_BODY_TOO_LARGE', `request bigger than maximum ${maxBody} allowed`, {
              details: { maxBodyBytes: maxBody },
            })
          : new VenusError('RPC_BUSY', 'server busy: too many request bytes in hand, retry in a second', {
              details: { maxBufferedBodyBytes: bodyBudget.limit },
            })
      res.setHeader('connection', 'close')
      if (body.reason === 'busy') res.setHeader('retry-after', '1')
      send(res, body.reason === 'too-large' ? 413 : 503, errorResponse(null, toRpcError(err)))
      return
    }
    try {
      await answerBody(res, body.text, body.bytes, perms)
    } finally {
      // The body's bytes stay in the budget until its call is answered.
      body.release()
    }
  }

  async function answerBody(
    res: ServerResponse,
    text: string,
    bytes: number,
    perms: readonly RpcPermission[],
  ): Promise<void> {
    if (/^\s*$/.test(text)) {
      send(res, 500, errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'Invalid request' }))
      return
    }
    const parsedOrError = parseRpcJson(text, maxDepth)
    if (!parsedOrError.ok) {
      send(res, 500, errorResponse(null, parsedOrError.error))
      return
    }
    const parsed = parsedOrError.value
    if (Array.isArray(parsed) && parsed.length > maxBatch) {
      send(res, 500, errorResponse(null, batchTooLarge(parsed.length)))
      return
    }
    const ac = new AbortController()
    const onClose = () => {
      if (!res.writableFinished) ac.abort(new VenusError('RPC_CLOSED', 'client disconnected'))
    }
    res.on('close', onClose)
    const unlink = linkAbort(serverAbort.signal, ac)
    try {
      if (Array.isArray(parsed)) {
        if (parsed.length === 0) {
          send(res, 500, errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'empty batch' }))
          return
        }
        const answers = await track(
          Promise.all(parsed.map((one) => runHttpOne(one, perms, ac.signal, bytes))),
        )
        const bodies = answers.flatMap((a) => (a.body === undefined ? [] : [a.body]))
        if (bodies.length === 0) send(res, 200, undefined)
        else send(res, 200, bodies)
        return
      }
      const answer = await track(runHttpOne(parsed, perms, ac.signal, bytes))
      send(res, answer.status, answer.body)
    } finally {
      unlink()
      res.off('close', onClose)
    }
  }

  function batchTooLarge(n: number): RpcErrorObject {
    return {
      code: RpcErrorCode.InvalidRequest,
      message: `batch of ${n} calls is over the limit of ${maxBatch}`,
    }
  }

  function handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const target = parseRequestTarget(req.url)
    if (!target.ok) {
      refuse(res, target.status, `bad request: ${target.message}`, { connection: 'close' })
      return true
    }
    if (!paths.has(target.path)) return false
    serveHttp(req, res).catch((err: unknown) => {
      send(
        res,
        500,
        errorResponse(null, { code: RpcErrorCode.Internal, message: String((err as Error)?.message ?? err) }),
      )
    })
    return true
  }

  // ---------------------------------------------------------------- WebSocket

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    if (closing) {
      socket.end(rawAnswer(503, 'server is closing'))
      return
    }
    permissionsFor(req, true).then(
      (who) => {
        if (!('perms' in who)) {
          socket.end(rawAnswer(who.status, who.message))
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, who.perms))
      },
      () => socket.destroy(),
    )
  }

  function serveSocket(ws: WebSocket, perms: readonly RpcPermission[]): void {
    sockets.add(ws)
    if (pingMs > 0) heartbeat(ws, pingMs)
    const calls = new Map<string, AbortController>()
    const connAbort = new AbortController()
    setMaxListeners(0, connAbort.signal)
    const unlinkServer = linkAbort(serverAbort.signal, connAbort)
    let nextChan = 1
    let running = 0
    const keyOf = (id: unknown) => `${typeof id}:${String(id)}`

    const write = (msg: unknown): Promise<void> =>
      new Promise((res) => {
        if (ws.readyState !== ws.OPEN) return res()
        let text: string
        try {
          text = JSON.stringify(msg)
        } catch (err) {
          const id = (msg as { id?: unknown }).id ?? null
          text = JSON.stringify(
            errorResponse(id as RpcId | null, {
              code: RpcErrorCode.Internal,
              message: `result does not encode as JSON: ${(err as Error).message}`,
            }),
          )
        }
        ws.send(text, () => res())
      })

    const drain = async (signal: AbortSignal): Promise<void> => {
      while (ws.bufferedAmount > maxBuffered && ws.readyState === ws.OPEN && !signal.aborted) {
        await new Promise((r) => setTimeout(r, 5))
      }
    }

    async function runChannel(
      iterable: AsyncIterable<unknown>,
      id: RpcId | null,
      ac: AbortController,
    ): Promise<void> {
      const chanId = nextChan++
      const it = iterable[Symbol.asyncIterator]()
      const stop = () => ac.abort(new VenusError('RPC_CLOSED', 'server closing'))
      channelStops.add(stop)
      const stopped = new Promise<IteratorResult<unknown>>((res) => {
        if (ac.signal.aborted) res({ done: true, value: undefined })
        ac.signal.addEventListener('abort', () => res({ done: true, value: undefined }), { once: true })
      })
      await write({ jsonrpc: '2.0', id, result: chanId })
      try {
        while (!ac.signal.aborted) {
          const next = await Promise.race([it.next(), stopped])
          if (next.done) break
          await drain(ac.signal)
          await write({
            jsonrpc: '2.0',
            method: 'xrpc.ch.val',
            params: [chanId, next.value === undefined ? null : next.value],
          })
        }
      } catch {
        // A failing producer just ends its channel, as a closed Go channel does.
      } finally {
        channelStops.delete(stop)
        void Promise.resolve(it.return?.()).catch(() => {})
        await write({ jsonrpc: '2.0', method: 'xrpc.ch.close', params: [chanId] })
      }
    }

    async function runCall(req: unknown, size: number): Promise<void> {
      const r = resolve(req, perms, size)
      if (!r.ok) {
        if (!r.notify) await write(errorResponse(r.id, r.error))
        return
      }
      const ac = new AbortController()
      const unlink = linkAbort(connAbort.signal, ac)
      const key = keyOf(r.id)
      if (!r.notify) calls.set(key, ac)
      try {
        const ctx: RpcContext = { signal: ac.signal, permissions: perms, method: r.name, transport: 'ws' }
        let out: unknown
        try {
          out = await r.fn(r.params, ctx)
        } catch (err) {
          if (!r.notify) await write(errorResponse(r.id, errorFor(err, r.name)))
          return
        }
        if (isAsyncIterable(out)) {
          if (r.notify) {
            await (out as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.()
            return
          }
          await runChannel(out, r.id, ac)
          return
        }
        if (!r.notify) await write({ jsonrpc: '2.0', id: r.id, result: out === undefined ? null : out })
      } finally {
        if (calls.get(key) === ac) calls.delete(key)
        unlink()
      }
    }

    function onControl(req: WireRequest): boolean {
      if (req.method !== 'xrpc.cancel') return false
      const p = Array.isArray(req.params) ? req.params : []
      const ac = calls.get(keyOf(p[0]))
      ac?.abort(new VenusError('ABORTED', 'cancelled by the client'))
      return true
    }

    ws.on('message', (data, isBinary) => {
      if (closing) return
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data)
      const size = Buffer.byteLength(text)
      const parsedOrError = parseRpcJson(text, maxDepth)
      if (!parsedOrError.ok) {
        void write(errorResponse(null, parsedOrError.error))
        return
      }
      const parsed = parsedOrError.value
      const batch = Array.isArray(parsed) ? parsed : [parsed]
      if (batch.length === 0) {
        void write(errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'empty batch' }))
        return
      }
      if (batch.length > maxBatch) {
        void write(errorResponse(null, batchTooLarge(batch.length)))
        return
      }
      for (const one of batch) {
        if (typeof one === 'object' && one !== null && !Array.isArray(one) && onControl(one as WireRequest))
          continue
        if (running > maxCallsPerSocket - 1) {
          const id = validId((one as WireRequest | null)?.id)
            ? ((one as WireRequest).id as RpcId | null)
            : null
          const err = new VenusError(
            'RPC_BUSY',
            `too many calls running on this connection (limit ${maxCallsPerSocket}); wait for some to finish`,
            { details: { maxCallsPerSocket } },
          )
          if (typeof one === 'object' && one !== null && 'id' in one)
            void write(errorResponse(id, toRpcError(err)))
          continue
        }
        running++
        void track(runCall(one, size))
          .catch(() => {})
          .finally(() => running--)
      }
    })
    ws.on('error', () => {})
    ws.on('close', () => {
      sockets.delete(ws)
      connAbort.abort(new VenusError('RPC_CLOSED', 'client disconnected'))
      unlinkServer()
    })
  }

  // ---------------------------------------------------------------- lifecycle

  // Other paths are the host server's business; answer them only when nobody else listens.
  function onRequest(this: Server, req: IncomingMessage, res: ServerResponse): void {
    const alone = this.listenerCount('request') <= 1
    // Beside other listeners an unroutable target is theirs to answer too: answering it here
    // as well would write a second response. Alone, handleHttp answers it (400).
    if (!alone && !parseRequestTarget(req.url).ok) return
    if (handleHttp(req, res)) return
    if (alone) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found\n')
    }
  }
  function onUpgrade(this: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = parseRequestTarget(req.url)
    if (target.ok && paths.has(target.path)) {
      handleUpgrade(req, socket, head)
      return
    }
    // Another upgrade listener may own other paths; alone, answer so the socket is not held.
    if (this.listenerCount('upgrade') <= 1) {
      socket.on('error', () => {})
      socket.end(target.ok ? rawAnswer(404, 'not found') : rawAnswer(400, `bad request: ${target.message}`))
    }
  }

  function attach(server: Server, opts: { requests?: boolean } = {}): void {
    attached.add(server)
    if (server !== standalone && opts.requests !== false) server.on('request', onRequest)
    server.on('upgrade', onUpgrade)
  }

  async function listen(opts: { host?: string; port?: number } = {}) {
    if (standalone !== undefined) throw new VenusError('ALREADY_EXISTS', 'RPC server is listening already')
    const host = opts.host ?? '127.0.0.1'
    const server = createHttpServer({ routes: [handleHttp], limits: options.http })
    standalone = server
    attach(server)
    await new Promise<void>((res, rej) => {
      server.once('error', rej)
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', rej)
        res()
      })
    })
    const port = (server.address() as AddressInfo).port
    const h = host.includes(':') ? `[${host}]` : host
    const path = [...paths][0] ?? '/rpc/v0'
    return { url: `http://${h}:${port}${path}`, wsUrl: `ws://${h}:${port}${path}`, port, host }
  }

  async function close(): Promise<void> {
    if (closing) return
    closing = true
    for (const stop of [...channelStops]) stop()
    const settled = Promise.allSettled([...running])
    let timer: NodeJS.Timeout | undefined
    await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, graceMs)))])
    clearTimeout(timer)
    serverAbort.abort(new VenusError('RPC_CLOSED', 'server closed'))
    for (const ws of sockets) ws.close(1001, 'server closing')
    await new Promise((r) => setTimeout(r, 0))
    for (const ws of sockets) ws.terminate()
    for (const s of attached) {
      s.off('request', onRequest)
      s.off('upgrade', onUpgrade)
    }
    wss.close()
    if (standalone !== undefined) {
      const s = standalone
      const done = new Promise<void>((res) => s.close(() => res()))
      // Running calls are over (or cut) by now, so open keep-alive sockets carry nothing.
      s.closeAllConnections()
      await done
    }
  }

  return {
    attach,
    listen,
    handleHttp,
    close,
    get connectionCount() {
      return sockets.size
    },
    get inFlight() {
      return running.size
    },
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
}

/** A whole HTTP/1.1 answer written straight to a socket (upgrade requests have no response object). */
function rawAnswer(status: number, message: string): string {
  const text = `${message}\n`
  const auth = status === 401 ? 'www-authenticate: Bearer\r\n' : ''
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nconnection: close\r\n${auth}` +
    `content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
  )
}

/** Aborts `child` when `parent` aborts; returns the unlink function. */
function linkAbort(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason)
    return () => {}
  }
  const on = () => child.abort(parent.reason)
  parent.addEventListener('abort', on, { once: true })
  return () => parent.removeEventListener('abort', on)
}
