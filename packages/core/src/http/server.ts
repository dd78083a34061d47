/**
 * Limits every HTTP server of venus-cluster runs with, and a server whose one request listener
 * answers every request: routes are tried in order, a target that cannot be routed gets 400,
 * anything no route takes gets 404, a route that throws gets 500.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http'
import type { Socket } from 'node:net'
import { parseRequestTarget } from './target.js'

/** Time and connection limits of an HTTP server; see {@link DEFAULT_HTTP_LIMITS}. */
export interface HttpLimits {
  /** Time from a connection's first byte (or its previous request) to the end of the headers. */
  headersTimeoutMs: number
  /** Time a client has to send one whole request, body included. */
  requestTimeoutMs: number
  /** How long a kept-alive connection waits idle for its next request. */
  keepAliveTimeoutMs: number
  /**
   * How long a connection may carry no bytes either way while a request is in hand (a client
   * that stops reading its answer); then it is closed. Not applied to WebSockets (pinged). 0 = off.
   */
  idleTimeoutMs: number
  /** How often expired connections are looked for (fixed when the server is created). */
  checkIntervalMs: number
  /** Header lines read per request; more are dropped. */
  maxHeadersCount: number
  /** Open connections (WebSockets included); further ones are closed at once. 0 = no cap. */
  maxConnections: number
  /** Open connections from one remote address; further ones are closed at once. 0 = no cap. */
  maxConnectionsPerAddress: number
}

/**
 * Defaults: 20 s for the headers (a slow-headers client holds a socket at most that long, plus
 * one check interval), 120 s for a whole request (a 32 MiB body over a 4 Mbit/s link), 60 s idle
 * keep-alive (longer than the pause between a worker's calls, so its connections are reused),
 * 10 min without a byte while a request is in hand (no call takes that long; a client that stops
 * reading its answer would otherwise hold it forever), 2048 connections in all and 512 from one
 * address (a worker opens a handful).
 */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 60_000,
  idleTimeoutMs: 600_000,
  checkIntervalMs: 2_000,
  maxHeadersCount: 100,
  maxConnections: 2048,
  maxConnectionsPerAddress: 512,
})

/**
 * The limits with `overrides` applied; throws `RangeError` naming a bad one.
 *
 * @example
 * ```ts
 * httpLimits({ headersTimeoutMs: 5_000 }).keepAliveTimeoutMs // 60000
 * ```
 */
export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  const out = { ...DEFAULT_HTTP_LIMITS }
  for (const [k, v] of Object.entries(overrides) as [keyof HttpLimits, number | undefined][]) {
    if (v === undefined) continue
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`HTTP limit ${k} must be an integer ≥ 0, got ${v}`)
    out[k] = v
  }
  if (out.headersTimeoutMs > out.requestTimeoutMs && out.requestTimeoutMs > 0)
    throw new RangeError('HTTP limit headersTimeoutMs must not exceed requestTimeoutMs')
  return out
}

const HARDENED = Symbol.for('venus-cluster.http.hardened')

/**
 * The `http.createServer` options that carry the limits (some are only read at creation).
 *
 * @example
 * ```ts
 * const server = hardenHttpServer(createServer(httpServerOptions(limits), handler), limits)
 * ```
 */
export function httpServerOptions(limits: Partial<HttpLimits> = {}): ServerOptions {
  const l = httpLimits(limits)
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: l.checkIntervalMs,
  }
}

/**
 * Applies `limits` (defaults for the rest) to a server: timeouts, header count, connection caps,
 * and an answer to `CONNECT` (405) instead of a silently dropped socket. The check interval is
 * only set when the server is made with {@link httpServerOptions} (Node reads it at creation).
 * Idempotent per server.
 *
 * @example
 * ```ts
 * const server = hardenHttpServer(createServer(httpServerOptions()), { headersTimeoutMs: 10_000 })
 * ```
 */
export function hardenHttpServer<S extends Server>(server: S, limits: Partial<HttpLimits> = {}): S {
  const l = httpLimits(limits)
  server.headersTimeout = l.headersTimeoutMs
  server.requestTimeout = l.requestTimeoutMs
  server.keepAliveTimeout = l.keepAliveTimeoutMs
  // With no 'timeout' listener Node destroys the socket; upgraded sockets lose the listener.
  server.timeout = l.idleTimeoutMs
  server.maxHeadersCount = l.maxHeadersCount
  server.maxConnections = l.maxConnections === 0 ? Number.POSITIVE_INFINITY : l.maxConnections
  const tagged = server as S & { [HARDENED]?: { perAddress: number } }
  if (tagged[HARDENED] !== undefined) {
    tagged[HARDENED].perAddress = l.maxConnectionsPerAddress
    return server
  }
  const state = { perAddress: l.maxConnectionsPerAddress }
  tagged[HARDENED] = state
  const open = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? ''
    const n = (open.get(addr) ?? 0) + 1
    if (state.perAddress > 0 && n > state.perAddress) {
      socket.destroy()
      return
    }
    open.set(addr, n)
    socket.once('close', () => {
      const left = (open.get(addr) ?? 1) - 1
      if (left <= 0) open.delete(addr)
      else open.set(addr, left)
    })
  })
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => {})
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
  })
  return server
}

/**
 * A route: answers the request and returns true, or returns false untouched so the next route
 * may take it. By the time a route runs, `req.url` is a checked origin-form target (see
 * {@link parseRequestTarget}), so `new URL(req.url, base).pathname` is the raw path.
 */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

/**
 * The one request listener of a server made of routes. Every request is answered: 400 for a
 * target that cannot be routed (`/a/../b`, `#frag`, `*` except for `OPTIONS`), the first route
 * that takes it, else 404; a route that throws gets 500.
 *
 * @example
 * ```ts
 * server.on('request', routeRequests([dashboard, (req, res) => rpc.handleHttp(req, res)]))
 * ```
 */
export function routeRequests(
  routes: readonly HttpRoute[],
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.url === '*' && req.method === 'OPTIONS') {
      res.writeHead(204, { 'content-length': '0' })
      res.end()
      return
    }
    const target = parseRequestTarget(req.url)
    if (!target.ok) {
      // The body (if any) is not read: close so the next request does not start inside it.
      plain(res, target.status, `bad request: ${target.message}\n`, { connection: 'close' })
      return
    }
    req.url = target.originForm
    try {
      for (const route of routes) if (route(req, res)) return
    } catch (err) {
      plain(res, 500, `internal error: ${String((err as Error)?.message ?? err).slice(0, 500)}\n`)
      return
    }
    plain(res, 404, 'not found\n')
  }
}

/** Options of {@link createHttpServer}. */
export interface CreateHttpServerOptions {
  /** Tried in order for every request; see {@link routeRequests}. */
  routes: readonly HttpRoute[]
  /** Limits; defaults in {@link DEFAULT_HTTP_LIMITS}. */
  limits?: Partial<HttpLimits> | undefined
}

/**
 * An `http.Server` with the limits applied and one listener that answers every request from
 * `routes`. Upgrades (WebSocket) are left to whoever attaches to the server's `upgrade` event.
 *
 * @example
 * ```ts
 * const rpc = createRpcServer({ methods })
 * const server = createHttpServer({ routes: [metrics, (req, res) => rpc.handleHttp(req, res)] })
 * rpc.attach(server, { requests: false })
 * server.listen(1789)
 * ```
 */
export function createHttpServer(opts: CreateHttpServerOptions): Server {
  const server = createServer(httpServerOptions(opts.limits), routeRequests(opts.routes))
  return hardenHttpServer(server, opts.limits)
}
