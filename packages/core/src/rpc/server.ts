/**
 * A go-jsonrpc compatible JSON-RPC 2.0 server: one path answers HTTP POST and WebSocket
 * upgrades, methods come from a plain table, channel methods stream over WebSocket. The HTTP
 * side is in server-http.ts, the WebSocket side in server-ws.ts, what both share (permissions,
 * envelope checks, running calls) in server-dispatch.ts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { VenusError } from '../errors/index.js'
import { createHttpServer, type HttpLimits } from '../http/server.js'
import { parseRequestTarget } from '../http/target.js'
import { createDispatch } from './server-dispatch.js'
import { createHttpHandler } from './server-http.js'
import { createSocketHandler, rawAnswer } from './server-ws.js'
import type { RpcErrorObject, RpcMethod, RpcPermission } from './types.js'

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
  const d = createDispatch(options)
  const paths = new Set(typeof options.path === 'string' ? [options.path] : (options.path ?? ['/rpc/v0']))
  const handleHttp = createHttpHandler(d, paths)
  const sockets = createSocketHandler(d)
  let standalone: Server | undefined
  const attached = new Set<Server>()

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
      sockets.handleUpgrade(req, socket, head)
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
    if (d.closing) return
    d.closing = true
    sockets.stopChannels()
    const settled = Promise.allSettled([...d.running])
    let timer: NodeJS.Timeout | undefined
    await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, d.limits.graceMs)))])
    clearTimeout(timer)
    d.serverAbort.abort(new VenusError('RPC_CLOSED', 'server closed'))
    await sockets.closeAll()
    for (const s of attached) {
      s.off('request', onRequest)
      s.off('upgrade', onUpgrade)
    }
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
      return sockets.connectionCount
    },
    get inFlight() {
      return d.running.size
    },
  }
}
