/**
 * The manager node's HTTP side: one listener for `Venus.*` at `/rpc/v0` (HTTP POST and
 * WebSocket), the dashboard and `/metrics`, `/healthz` and `/readyz`, and `/piecestore/`; with
 * token auth (trusted networks may go without a token for the calls a worker makes).
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Logger, type RpcMethod, toRpcError, VenusError } from '@venus-cluster/core'
import {
  type ControlTokenSigner,
  type RequestAuth,
  requireToken,
  type TokenAuthority,
  type TrustedNetworks,
  withTrustedNetworks,
} from '@venus-cluster/core/auth'
import { createHttpServer } from '@venus-cluster/core/http'
import { createRpcServer, type RpcServer } from '@venus-cluster/core/rpc'
import { createSealerApi } from './api/index.js'
import { createWdPoStApi } from './api/wdpost-api.js'
import { authMethods, controlTokenMethods, venusMethodPermission, withTokenlessHint } from './auth/index.js'
import { createManagerHttpRoutes } from './dashboard/index.js'
import type { HealthMonitor } from './health.js'
import { healthHttpHandler } from './health-http.js'
import { type ManagerLimits, venusRpcOptions } from './limits.js'
import type { SectorManager } from './manager.js'
import { instrumentVenusMethods, type ManagerMetrics, type SectorHistory } from './metrics/index.js'
import { managerPieceStoreHandler } from './piece-store.js'

/** Parses `--listen`: `:1789`, `host:port`, `[v6]:port`. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen.trim())
  const port = Number(m?.[3])
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VenusError(
      'CLI_USAGE',
      `--listen must look like ":1789" or "127.0.0.1:1789", got ${JSON.stringify(listen)}`,
    )
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port }
}

/** What {@link serveManagerHttp} serves. */
export interface ManagerHttpOptions {
  manager: SectorManager
  host: string
  port: number
  /** The token authority; undefined = auth off. */
  auth: TokenAuthority | undefined
  /** The token checks of requests (see {@link requestAuthOf}); undefined = auth off. */
  requestAuth: RequestAuth | undefined
  controlKey: ControlTokenSigner
  metrics: ManagerMetrics
  /** Whether `/metrics` is served (the dashboard works either way). */
  serveMetrics: boolean
  history: SectorHistory
  health: HealthMonitor
  limits: ManagerLimits
  extraMethods: Record<string, RpcMethod> | undefined
  /** Tries of a PoSt job (`Venus.WdPoStAllJobs` shows it). */
  postJobMaxTry?: number | undefined
}

/**
 * The token checks of requests: the authority's, with the trusted networks' tokenless access
 * and the hint for tokenless callers elsewhere. Logs what an operator must know about both.
 */
export function requestAuthOf(
  auth: TokenAuthority | undefined,
  trusted: TrustedNetworks | undefined,
  log: Logger,
): RequestAuth | undefined {
  if (auth === undefined) log.warn({}, 'API auth is OFF: every caller may read, write, sign and admin')
  const requestAuth: RequestAuth | undefined =
    auth === undefined
      ? undefined
      : withTokenlessHint(trusted !== undefined ? withTrustedNetworks(auth, trusted) : auth, (msg, o) =>
          log.warn(o, msg),
        )
  if (requestAuth?.tokenless !== undefined)
    log.warn(
      { trustedNetworks: trusted?.cidrs },
      'callers without a token from the trusted networks may read, write and sign',
    )
  return requestAuth
}

/** The listening HTTP side. */
export interface ManagerHttp {
  server: Server
  port: number
  url: string
  close(): Promise<void>
}

/**
 * Builds the routes and the `Venus.*` endpoint and listens; rejects with `ALREADY_EXISTS` when the
 * address is in use.
 */
export async function serveManagerHttp(opts: ManagerHttpOptions): Promise<ManagerHttp> {
  const { auth, requestAuth, manager, metrics, history, health, limits } = opts
  const routes = createManagerHttpRoutes({
    manager,
    metrics,
    history,
    auth: requestAuth,
    health: () => health.current(),
    serveMetrics: opts.serveMetrics,
  })
  const healthRoutes = healthHttpHandler(health)
  const pieceStore = managerPieceStoreHandler(manager, requestAuth)
  // One listener answers every request (400 for a target it cannot route, 404 for no route).
  const server = createHttpServer({
    routes: [healthRoutes, routes, pieceStore, (req, res) => endpoint.handleHttp(req, res)],
    limits: limits.http,
  })
  const endpoint: RpcServer = createRpcServer({
    ...venusRpcOptions(limits),
    methods: instrumentVenusMethods(
      {
        ...createSealerApi(manager, { limits }),
        ...(auth ? authMethods(auth) : {}),
        ...controlTokenMethods(manager.workers, opts.controlKey),
        // PoSt workers may talk to any manager: the jobs are in the (shared) store.
        ...createWdPoStApi(manager.store, { maxTry: opts.postJobMaxTry }),
        ...opts.extraMethods,
      },
      metrics,
      history,
    ),
    path: '/rpc/v0',
    permissions: venusMethodPermission,
    ...(requestAuth ? { authorize: requireToken(requestAuth) } : {}),
    // v0.3 workers abort a sector on 11001 and retry on anything else.
    mapError: (err) =>
      err instanceof VenusError && err.code === 'SECTOR_NOT_FOUND'
        ? {
            ...toRpcError(err),
            code: 11001,
            message: `error code 11001: sector state not found: ${err.message}`,
          }
        : undefined,
  })
  endpoint.attach(server, { requests: false })
  const close = async () => {
    await endpoint.close()
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  }
  const { host, port } = opts
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new VenusError(
            err.code === 'EADDRINUSE' ? 'ALREADY_EXISTS' : 'INTERNAL',
            `cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the address is in use (another manager running?)' : err.message}`,
            { details: { host, port, errno: err.code }, cause: err },
          ),
        ),
      )
      server.listen(port, host, () => resolve())
    })
  } catch (err) {
    await endpoint.close().catch(() => {})
    throw err
  }
  const bound = (server.address() as AddressInfo).port
  return {
    server,
    port: bound,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/rpc/v0`,
    close,
  }
}
