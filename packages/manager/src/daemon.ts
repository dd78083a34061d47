/**
 * The manager daemon: store + chain + messager + {@link SectorManager} + the `Venus.*` endpoint
 * at `/rpc/v0`, with SIGUSR1 reloading live config values, and `/healthz` / `/readyz`.
 *
 * Start-up either completes or fails whole: the chain node is waited for (a bounded time), the
 * miners and senders are checked against it, and any failure closes what was opened (database,
 * port) before the error reaches the caller, so a daemon that cannot start never half-serves.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type RpcMethod, toRpcError, VenusError } from '@venus-cluster/core'
import {
  type ControlTokenSigner,
  parseTrustedNetworks,
  type RequestAuth,
  requireToken,
  type TokenAuthority,
  withTrustedNetworks,
} from '@venus-cluster/core/auth'
import { createHttpServer } from '@venus-cluster/core/http'
import { createRpcServer, type RpcServer } from '@venus-cluster/core/rpc'
import { createSealerApi } from './api.js'
import {
  authMethods,
  controlTokenMethods,
  managerControlKey,
  managerTokenAuthority,
  venusMethodPermission,
  withTokenlessHint,
} from './auth/index.js'
import type { ManagerChain, ManagerMessager } from './chain.js'
import { type ManagerConfig, managerDbFromConfig } from './config.js'
import { createManagerHttpRoutes } from './dashboard/index.js'
import type { ManagerMarket } from './deals.js'
import { createHealthMonitor, type HealthMonitor, registerHealthMetrics } from './health.js'
import { healthHttpHandler } from './health-http.js'
import { type ManagerLimits, managerLimits, venusRpcOptions } from './limits.js'
import { type ManagerLogger, SectorManager, type SectorManagerOptions } from './manager.js'
import {
  createManagerMetrics,
  instrumentVenusMethods,
  type ManagerMetrics,
  SectorHistory,
} from './metrics/index.js'
import { managerPieceStoreHandler } from './piece-store.js'
import { checkChainAtStart, checkMessagerAtStart, type SenderCheck } from './startup.js'
import { openPostgresStore } from './store/postgres.js'
import { openSqliteStore } from './store/sqlite.js'
import type { ManagerStore } from './store/types.js'

/** Options of {@link startManagerDaemon}. */
export interface ManagerDaemonOptions {
  home: string
  /** `:1789`, `127.0.0.1:1789`, or `host:0` for any free port. Default `:1789`. */
  listen?: string | undefined
  /**
   * Where state lives: a `postgres://` URL (several managers sharing one state) or a SQLite
   * file path. Default `<home>/manager.db`.
   */
  db?: string | undefined
  /** SQLite durability (see `SqliteStoreOptions.synchronous`); default `full`. */
  synchronous?: 'full' | 'normal' | undefined
  config: ManagerConfig
  chain: ManagerChain
  messager: ManagerMessager
  proofs?: SectorManagerOptions['proofs']
  logger?: ManagerLogger | undefined
  /** Re-reads the config on SIGUSR1; without it SIGUSR1 is not handled. */
  reloadConfig?: (() => Promise<ManagerConfig>) | undefined
  tickMs?: number | undefined
  /** See `SectorManagerOptions.unclaimedTimeoutMs` (default 30 min). */
  unclaimedTimeoutMs?: number | undefined
  /** Where deal sectors get deals (miners with `deal.enabled`); without it every sector is CC. */
  market?: ManagerMarket | undefined
  /**
   * API auth: default on with the home's `token.secret` (created on first run, 0600) and an
   * admin token written to `<home>/token`; a {@link TokenAuthority} to use another secret;
   * `'off'` (explicit only) lets every caller do everything.
   */
  auth?: 'off' | TokenAuthority | undefined
  /**
   * CIDR blocks whose callers may send no token and still read, write and sign — the calls a
   * sealing worker makes — for workers that cannot send one (the original Rust venus-worker).
   * Admin calls and callers elsewhere still need a token; a token sent is always verified.
   * Ignored when auth is off.
   */
  trustedNetworks?: readonly string[] | undefined
  /** More methods on the same endpoint, e.g. the poster's `Venus.ComputeWinningPoSt`. */
  extraMethods?: Record<string, RpcMethod> | undefined
  /**
   * Signs the short-lived tokens for workers' control APIs; default the home's
   * `worker-control.key` (Ed25519, created on first run, 0600).
   */
  controlKey?: ControlTokenSigner | undefined
  /** Bounds of the worker registry (see `SectorManagerOptions.workers`). */
  workers?: SectorManagerOptions['workers']
  /**
   * How long the start waits for a chain node that does not answer, in ms (default 60 000;
   * 0 = one try). Then, or at once for failures waiting cannot fix (a refused token, a wrong
   * network, a miner or sender the chain does not know), the start fails and frees what it opened.
   */
  startTimeoutMs?: number | undefined
  /** More senders to check at start, besides every miner's commit senders (e.g. PoSt senders). */
  senders?: readonly SenderCheck[] | undefined
  /** Aborts a start in progress (e.g. SIGTERM while waiting for the chain). */
  signal?: AbortSignal | undefined
  /** Health probe period in ms (default 10 000). */
  healthIntervalMs?: number | undefined
  /** See `HealthMonitorOptions.staleHeadSeconds`. */
  staleHeadSeconds?: number | undefined
  /** Bounds of requests and stored report texts, and HTTP timeouts (defaults: `MANAGER_LIMITS`). */
  limits?: Partial<ManagerLimits> | undefined
}

/** A running daemon. */
export interface ManagerDaemon {
  manager: SectorManager
  server: Server
  /** The bound port. */
  port: number
  /** `http://host:port/rpc/v0`. */
  url: string
  /** The token authority, undefined when auth is off. */
  auth: TokenAuthority | undefined
  /** Prometheus registry and feeds (the poster reports PoSt results through `recordPost`). */
  metrics: ManagerMetrics
  /** Per-sector event history shown by the dashboard. */
  history: SectorHistory
  /** Chain, messager and database health (`/readyz`, the dashboard banner, the gauges). */
  health: HealthMonitor
  /** Re-reads the config now (what SIGUSR1 does). */
  reload(): Promise<void>
  stop(): Promise<void>
}

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

/**
 * Opens the store named by `db` (PostgreSQL URL or SQLite path).
 *
 * @example
 * ```ts
 * const store = await openManagerStore('postgres://vsm@db/vsm', home)
 * ```
 */
export async function openManagerStore(
  db: string | undefined,
  home: string,
  synchronous: 'full' | 'normal' = 'full',
): Promise<ManagerStore> {
  if (db?.startsWith('postgres://') || db?.startsWith('postgresql://'))
    return openPostgresStore({ connectionString: db })
  return openSqliteStore({ path: db ?? join(home, 'manager.db'), synchronous })
}

/**
 * Starts the daemon and resolves once it listens.
 *
 * @example
 * ```ts
 * const d = await startManagerDaemon({ home, config, chain, messager, listen: '127.0.0.1:1789' })
 * await d.stop()
 * ```
 */
export async function startManagerDaemon(opts: ManagerDaemonOptions): Promise<ManagerDaemon> {
  // Parsed first: a bad entry must stop the start before anything is opened.
  const trusted =
    opts.trustedNetworks && opts.trustedNetworks.length > 0
      ? parseTrustedNetworks(opts.trustedNetworks)
      : undefined
  const { host, port } = parseListen(opts.listen ?? ':1789')
  const limits = managerLimits(opts.limits)
  const store = await openManagerStore(
    opts.db ?? managerDbFromConfig(opts.config, opts.home),
    opts.home,
    opts.synchronous,
  )
  // Everything opened so far, closed in reverse when a later step fails.
  const opened: (() => Promise<unknown>)[] = [() => store.close()]
  try {
    return await startOnStore(opts, store, opened, trusted, host, port, limits)
  } catch (err) {
    for (const close of opened.reverse()) await close().catch(() => {})
    throw err
  }
}

async function startOnStore(
  opts: ManagerDaemonOptions,
  store: ManagerStore,
  opened: (() => Promise<unknown>)[],
  trusted: ReturnType<typeof parseTrustedNetworks> | undefined,
  host: string,
  port: number,
  limits: ManagerLimits,
): Promise<ManagerDaemon> {
  await checkChainAtStart({
    chain: opts.chain,
    miners: opts.config.miners,
    senders: opts.senders,
    timeoutMs: opts.startTimeoutMs,
    signal: opts.signal,
    log: opts.logger,
  })
  await checkMessagerAtStart(opts.messager, opts.logger)
  const manager = new SectorManager({
    store,
    chain: opts.chain,
    messager: opts.messager,
    config: opts.config,
    proofs: opts.proofs,
    logger: opts.logger,
    tickMs: opts.tickMs,
    market: opts.market,
    unclaimedTimeoutMs: opts.unclaimedTimeoutMs,
    workers: opts.workers,
  })
  opened.push(() => manager.stop())
  await manager.start()
  const auth = opts.auth === 'off' ? undefined : (opts.auth ?? (await managerTokenAuthority(opts.home)))
  if (auth === undefined)
    opts.logger?.warn({}, 'API auth is OFF: every caller may read, write, sign and admin')
  const requestAuth: RequestAuth | undefined =
    auth === undefined
      ? undefined
      : withTokenlessHint(trusted !== undefined ? withTrustedNetworks(auth, trusted) : auth, (msg, o) =>
          opts.logger?.warn(o, msg),
        )
  const controlKey = opts.controlKey ?? (await managerControlKey(opts.home))
  if (requestAuth?.tokenless !== undefined)
    opts.logger?.warn(
      { trustedNetworks: trusted?.cidrs },
      'callers without a token from the trusted networks may read, write and sign',
    )
  const metrics = createManagerMetrics({ manager })
  const health = createHealthMonitor({
    chain: opts.chain,
    messager: opts.messager,
    store,
    intervalMs: opts.healthIntervalMs,
    staleHeadSeconds: opts.staleHeadSeconds,
    log: opts.logger,
  })
  registerHealthMetrics(metrics.registry, health)
  opened.push(() => health.stop())
  await health.start()
  const history = new SectorHistory()
  const routes = createManagerHttpRoutes({
    manager,
    metrics,
    history,
    auth: requestAuth,
    health: () => health.current(),
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
        ...controlTokenMethods(manager.workers, controlKey),
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
  const closeServer = async () => {
    await endpoint.close()
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  }
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
  opened.push(closeServer)
  const bound = (server.address() as AddressInfo).port
  const reload = async () => {
    if (!opts.reloadConfig) return
    manager.setConfig(await opts.reloadConfig())
    opts.logger?.info({}, 'config reloaded')
  }
  const onUsr1 = () => {
    reload().catch((err) => opts.logger?.error({ err }, 'config reload failed; the old config stays'))
  }
  if (opts.reloadConfig) process.on('SIGUSR1', onUsr1)
  return {
    manager,
    server,
    port: bound,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/rpc/v0`,
    auth,
    metrics,
    history,
    health,
    reload,
    async stop() {
      process.off('SIGUSR1', onUsr1)
      await health.stop()
      await closeServer()
      await manager.stop()
      await store.close()
    },
  }
}
