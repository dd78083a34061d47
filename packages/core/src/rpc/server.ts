/**
 * A go-jsonrpc compatible JSON-RPC 2.0 server: one path answers HTTP POST and WebSocket
 * upgrades, methods come from a plain table, channel methods stream over WebSocket.
 */
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { VenusError } from '../errors/index.js'
import { httpStatusForRpcCode, RpcErrorCode, toRpcError } from './errors.js'
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
  /** Largest request body / WebSocket frame in bytes (default 100 MiB, as go-jsonrpc). */
  maxBodyBytes?: number
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
  /** Serves the path on an existing http.Server (requests and upgrades on other paths are left alone). */
  attach(server: Server): void
  /** Starts a standalone http.Server; resolves with its URL (`http://host:port/rpc/v0`). */
  listen(opts?: {
    host?: string
    port?: number
  }): Promise<{ url: string; wsUrl: string; port: number; host: string }>
  /** Answers an HTTP request directly (for frameworks); returns false when the path is not ours. */
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

const DEFAULT_MAX_BODY = 100 * 1024 * 1024

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

function tokenOf(req: IncomingMessage): { token: string | undefined; bad: boolean } {
  const header = req.headers.authorization
  if (header !== undefined && header !== '') {
    if (!header.startsWith('Bearer ')) return { token: undefined, bad: true }
    return { token: header.slice(7).trim(), bad: false }
  }
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('token')
  return { token: q ?? undefined, bad: false }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
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
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBody })

  const required = (method: string): RpcPermission => {
    const p = options.permissions
    if (p === undefined) return 'read'
    if (typeof p === 'function') return p(method)
    return p[method] ?? 'read'
  }

  async function permissionsFor(req: IncomingMessage): Promise<readonly RpcPermission[] | undefined> {
    const { token, bad } = tokenOf(req)
    if (bad) return undefined
    if (options.authorize === undefined) return RPC_PERMISSIONS
    try {
      return await options.authorize(token, { remoteAddress: req.socket.remoteAddress })
    } catch {
      return undefined
    }
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
  ): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const r = resolve(req, perms)
    if (!r.ok) {
      return {
        status: httpStatusForRpcCode(r.error.code),
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

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' })
      res.end('JSON-RPC: use POST or a WebSocket upgrade\n')
      return
    }
    if (closing) {
      send(res, 503, errorResponse(null, { code: RpcErrorCode.Internal, message: 'server is closing' }))
      return
    }
    const perms = await permissionsFor(req)
    if (perms === undefined) {
      res.writeHead(401, { 'content-type': 'text/plain' })
      res.end('JSON-RPC: unauthorized\n')
      req.resume()
      return
    }
    const declared = Number(req.headers['content-length'] ?? 0)
    const tooLarge = () => {
      const err = new VenusError('RPC_BODY_TOO_LARGE', `request bigger than maximum ${maxBody} allowed`, {
        details: { maxBodyBytes: maxBody },
      })
      res.setHeader('connection', 'close')
      send(res, 413, errorResponse(null, toRpcError(err)))
      req.resume()
    }
    if (declared > maxBody) return tooLarge()
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length
        if (size > maxBody) {
          over = true
          break
        }
        chunks.push(chunk as Buffer)
      }
    } catch {
      return // the client went away
    }
    if (over) return tooLarge()
    const text = Buffer.concat(chunks).toString('utf8')
    if (text.trim() === '') {
      send(res, 500, errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'Invalid request' }))
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      send(
        res,
        500,
        errorResponse(null, { code: RpcErrorCode.Parse, message: `parse error: ${(err as Error).message}` }),
      )
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
        const answers = await track(Promise.all(parsed.map((one) => runHttpOne(one, perms, ac.signal))))
        const bodies = answers.flatMap((a) => (a.body === undefined ? [] : [a.body]))
        if (bodies.length === 0) send(res, 200, undefined)
        else send(res, 200, bodies)
        return
      }
      const answer = await track(runHttpOne(parsed, perms, ac.signal))
      send(res, answer.status, answer.body)
    } finally {
      unlink()
      res.off('close', onClose)
    }
  }

  function handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    if (!paths.has(pathOf(req))) return false
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
    if (!paths.has(pathOf(req))) return
    socket.on('error', () => {})
    if (closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
      return
    }
    permissionsFor(req).then(
      (perms) => {
        if (perms === undefined) {
          socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, perms))
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

    async function runCall(req: unknown): Promise<void> {
      const r = resolve(req, perms)
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
      let parsed: unknown
      try {
        parsed = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data))
      } catch (err) {
        void write(
          errorResponse(null, {
            code: RpcErrorCode.Parse,
            message: `parse error: ${(err as Error).message}`,
          }),
        )
        return
      }
      const batch = Array.isArray(parsed) ? parsed : [parsed]
      if (batch.length === 0) {
        void write(errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'empty batch' }))
        return
      }
      for (const one of batch) {
        if (typeof one === 'object' && one !== null && !Array.isArray(one) && onControl(one as WireRequest))
          continue
        void track(runCall(one)).catch(() => {})
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
    if (handleHttp(req, res)) return
    if (this.listenerCount('request') <= 1) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found\n')
    }
  }
  function onUpgrade(this: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (paths.has(pathOf(req))) handleUpgrade(req, socket, head)
    else if (this.listenerCount('upgrade') <= 1) {
      socket.on('error', () => {})
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
    }
  }

  function attach(server: Server): void {
    attached.add(server)
    if (server !== standalone) server.on('request', onRequest)
    server.on('upgrade', onUpgrade)
  }

  async function listen(opts: { host?: string; port?: number } = {}) {
    if (standalone !== undefined) throw new VenusError('ALREADY_EXISTS', 'RPC server is listening already')
    const host = opts.host ?? '127.0.0.1'
    const server = createServer(onRequest)
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
