/**
 * `createManagerNode`: what `venus-sector-manager daemon run` runs, as one {@link Startable} —
 * the store, the {@link SectorManager}, the `Venus.*` endpoint at `/rpc/v0` with the dashboard,
 * metrics, health and the piece store on the same listener, the market, SIGUSR1 config reloads,
 * and any services plugged in through `services` (the WindowPoSt poster, WinningPoSt, …).
 *
 * Start-up either completes or fails whole: the chain node is waited for (a bounded time), the
 * miners and senders are checked against it, and any failure closes what was opened (database,
 * port, services) before the error reaches the caller, so a node that cannot start never
 * half-serves.
 */
import type { Server } from 'node:http'
import {
  type Logger,
  type ManagerConfig,
  type ManagerConfigInit,
  managerConfig,
  type RpcMethod,
  type Startable,
  silentLogger,
  startAll,
  stopAll,
  VenusError,
} from '@venus-cluster/core'
import { type ControlTokenSigner, parseTrustedNetworks, type TokenAuthority } from '@venus-cluster/core/auth'
import { managerControlKey, managerTokenAuthority } from './auth/index.js'
import type { ManagerChain, ManagerMessager } from './chain.js'
import { managerDbFromConfig } from './config.js'
import { createVenusMarket, type ManagerMarket } from './deals/index.js'
import { createHealthMonitor, type HealthMonitor, registerHealthMetrics } from './health.js'
import { type ManagerLimits, managerLimits } from './limits.js'
import { SectorManager, type SectorManagerOptions } from './manager.js'
import { MarketUnsealService } from './market-unseal/index.js'
import { createManagerMetrics, type ManagerMetrics, SectorHistory } from './metrics/index.js'
import { parseListen, requestAuthOf, serveManagerHttp } from './node-http.js'
import { checkChainAtStart, checkMessagerAtStart, type SenderCheck } from './startup.js'
import { openManagerStore } from './store/open.js'
import type { ManagerStore } from './store/types.js'
import { TelemetrySampler } from './telemetry/index.js'

/**
 * A service the node starts once the manager serves (and stops first): given the running node,
 * it returns the service to start. The poster plugs in this way, without the manager knowing it.
 */
export type ManagerServiceFactory = (node: ManagerNode) => Startable | Promise<Startable>

/** Options of {@link createManagerNode}. */
export interface ManagerNodeOptions {
  /** The manager's home: its database (by default), token secret and worker-control key. */
  home: string
  /** The configuration: a full one (e.g. from `loadManagerConfig`), or the parts that differ from the defaults. */
  config: ManagerConfig | ManagerConfigInit
  chain: ManagerChain
  messager: ManagerMessager
  /** `:1789`, `127.0.0.1:1789`, or `host:0` for any free port. Default `:1789`. */
  listen?: string | undefined
  /**
   * Where state lives, over the config's `db`: a `postgres://` URL (several managers sharing one
   * state) or a SQLite file path. Default from the config, else `<home>/manager.db`.
   */
  db?: string | undefined
  /** SQLite durability (see `SqliteStoreOptions.synchronous`); default `full`. */
  synchronous?: 'full' | 'normal' | undefined
  /** An open store to use instead of opening `db` (the node does not close it). */
  store?: ManagerStore | undefined
  proofs?: SectorManagerOptions['proofs']
  logger?: Logger | undefined
  /** Re-reads the config on SIGUSR1; without it SIGUSR1 is not handled. */
  reloadConfig?: (() => Promise<ManagerConfig | ManagerConfigInit>) | undefined
  tickMs?: number | undefined
  /** See `SectorManagerOptions.unclaimedTimeoutMs` (default 30 min). */
  unclaimedTimeoutMs?: number | undefined
  /**
   * Where deal sectors get deals (miners with `deal.enabled`). Default: venus-market at the
   * config's `market.api` when it names one (closed with the node), else none (every sector is CC).
   */
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
   * Ignored when auth is off. Default: the config's `trustedNetworks`.
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
  /** Rebuild and unseal tasks: bounds and the auto-rebuild policy (see `SectorManagerOptions.repair`). */
  repair?: SectorManagerOptions['repair']
  /** Snap-up batching, lifetime and finality per miner (see `SectorManagerOptions.snapUpPolicy`). */
  snapUpPolicy?: SectorManagerOptions['snapUpPolicy']
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
  /** Prometheus: `/metrics` and Node.js process metrics (default true; the dashboard works either way). */
  metrics?: boolean | undefined
  /**
   * The dashboard's trends sampled into the database (see `TelemetrySampler`): every
   * `intervalMs` (default 60 s), kept `retentionMs` (default 30 days); `false` = none.
   */
  telemetry?: { intervalMs?: number | undefined; retentionMs?: number | undefined } | false | undefined
  /** Services started after the manager serves, in order, and stopped before it, in reverse. */
  services?: readonly ManagerServiceFactory[] | undefined
  /** Tries of a PoSt worker job that `Venus.WdPoStAllJobs` reports (default 2; see `createPostJobQueue`). */
  postJobMaxTry?: number | undefined
}

/** A manager node: before `start()` only its options; once started, everything it runs. */
export interface ManagerNode extends Startable {
  readonly home: string
  /** The live configuration (a reload swaps it). */
  readonly config: ManagerConfig
  readonly logger: Logger
  readonly chain: ManagerChain
  readonly messager: ManagerMessager
  readonly proofs: SectorManagerOptions['proofs']
  /** Whether the node runs (between a completed `start()` and `stop()`). */
  readonly running: boolean
  readonly store: ManagerStore
  readonly manager: SectorManager
  readonly server: Server
  /** The bound port. */
  readonly port: number
  /** `http://host:port/rpc/v0`. */
  readonly url: string
  /** The token authority, undefined when auth is off. */
  readonly auth: TokenAuthority | undefined
  /** Prometheus registry and feeds (the poster reports PoSt results through `recordPost`). */
  readonly metrics: ManagerMetrics
  /** Per-sector event history shown by the dashboard. */
  readonly history: SectorHistory
  /** Chain, messager and database health (`/readyz`, the dashboard banner, the gauges). */
  readonly health: HealthMonitor
  /** The services from `services`, started. */
  readonly services: readonly Startable[]
  /** Re-reads the config now (what SIGUSR1 does). */
  reload(): Promise<void>
}

/** The node's fields that exist once it is started. */
const RUNNING_KEYS = [
  'store',
  'manager',
  'server',
  'port',
  'url',
  'auth',
  'metrics',
  'history',
  'health',
  'services',
] as const satisfies readonly (keyof Running & keyof ManagerNode)[]

/** What a started node holds. */
interface Running {
  store: ManagerStore
  manager: SectorManager
  server: Server
  port: number
  url: string
  auth: TokenAuthority | undefined
  metrics: ManagerMetrics
  history: SectorHistory
  health: HealthMonitor
  services: Startable[]
  /** Everything to close, in start order (closed in reverse). */
  parts: Startable[]
}

/**
 * Creates a manager node; `start()` resolves once it listens (and its services run).
 *
 * @example
 * ```ts
 * const node = createManagerNode({
 *   home, chain, messager, listen: '127.0.0.1:1789',
 *   config: { miners: [defaultMinerConfig(1000, 't01000')] },
 *   services: [(node) => windowPoStService({ node, ... })],
 * })
 * await node.start()
 * console.log(node.url)
 * await node.stop()
 * ```
 */
export function createManagerNode(opts: ManagerNodeOptions): ManagerNode {
  const log = opts.logger ?? silentLogger
  let config = managerConfig(opts.config)
  let running: Running | undefined
  let starting: Promise<void> | undefined
  let stopping: Promise<void> | undefined

  const need = <K extends keyof Running>(key: K): Running[K] => {
    if (running === undefined)
      throw new VenusError(
        'NOT_STARTED',
        `the manager node is not started: ${key} exists once start() resolves`,
      )
    return running[key]
  }

  const reload = async () => {
    if (!opts.reloadConfig) return
    const next = managerConfig(await opts.reloadConfig())
    config = next
    running?.manager.setConfig(next)
    log.info({}, 'config reloaded')
  }
  const onUsr1 = () => {
    reload().catch((err) => log.error({ err }, 'config reload failed; the old config stays'))
  }

  async function start(): Promise<void> {
    // Parsed first: a bad entry must stop the start before anything is opened.
    const networks = opts.trustedNetworks ?? config.trustedNetworks
    const trusted = networks.length > 0 ? parseTrustedNetworks(networks) : undefined
    const { host, port } = parseListen(opts.listen ?? ':1789')
    const limits = managerLimits(opts.limits)
    const store =
      opts.store ??
      (await openManagerStore(opts.db ?? managerDbFromConfig(config, opts.home), opts.home, opts.synchronous))
    // Everything opened so far, closed in reverse when a later step fails.
    const parts: Startable[] = []
    if (opts.store === undefined) parts.push({ start: async () => {}, stop: () => store.close() })
    try {
      // Deals come from venus-market when the config names one (and no market was given).
      const own =
        opts.market === undefined && config.market.api !== ''
          ? createVenusMarket({
              api: config.market.api,
              ...(config.market.token ? { token: config.market.token } : {}),
            })
          : undefined
      if (own !== undefined) parts.push({ start: async () => {}, stop: () => own.close() })
      const market = opts.market ?? own
      await checkChainAtStart({
        chain: opts.chain,
        miners: config.miners,
        senders: opts.senders,
        timeoutMs: opts.startTimeoutMs,
        signal: opts.signal,
        log,
      })
      await checkMessagerAtStart(opts.messager, log)
      const manager = new SectorManager({
        store,
        chain: opts.chain,
        messager: opts.messager,
        config,
        proofs: opts.proofs,
        logger: log,
        tickMs: opts.tickMs,
        market,
        unclaimedTimeoutMs: opts.unclaimedTimeoutMs,
        workers: opts.workers,
        repair: opts.repair,
        snapUpPolicy: opts.snapUpPolicy,
      })
      parts.push(manager)
      await manager.start()
      const auth = opts.auth === 'off' ? undefined : (opts.auth ?? (await managerTokenAuthority(opts.home)))
      const requestAuth = requestAuthOf(auth, trusted, log)
      const controlKey = opts.controlKey ?? (await managerControlKey(opts.home))
      const metrics = createManagerMetrics({ manager, processMetrics: opts.metrics !== false })
      const health = createHealthMonitor({
        chain: opts.chain,
        messager: opts.messager,
        store,
        intervalMs: opts.healthIntervalMs,
        staleHeadSeconds: opts.staleHeadSeconds,
        log,
      })
      registerHealthMetrics(metrics.registry, health)
      parts.push(health)
      await health.start()
      const history = new SectorHistory()
      if (opts.telemetry !== false) {
        const sampler = new TelemetrySampler({ manager, ...opts.telemetry })
        parts.push(sampler)
        await sampler.start()
      }
      const http = await serveManagerHttp({
        manager,
        host,
        port,
        auth,
        requestAuth,
        controlKey,
        metrics,
        serveMetrics: opts.metrics !== false,
        history,
        health,
        limits,
        extraMethods: opts.extraMethods,
        postJobMaxTry: opts.postJobMaxTry,
      })
      parts.push({ start: async () => {}, stop: http.close })
      // The market's unseal requests, once the API serves (workers take the tasks through it).
      if (config.unseal.listenMarketEvents) {
        const unseal = new MarketUnsealService({ context: manager.context, repair: manager.repair })
        parts.push(unseal)
        await unseal.start()
      }
      running = { ...http, store, manager, auth, metrics, history, health, services: [], parts }
      const services: Startable[] = []
      for (const factory of opts.services ?? []) services.push(await factory(node))
      await startAll(services)
      running.services = services
      parts.push({ start: async () => {}, stop: () => stopAll(services) })
    } catch (err) {
      await stopAll(parts).catch(() => {})
      running = undefined
      throw err
    }
    if (opts.reloadConfig) process.on('SIGUSR1', onUsr1)
  }

  const base = {
    home: opts.home,
    get config() {
      return config
    },
    logger: log,
    chain: opts.chain,
    messager: opts.messager,
    proofs: opts.proofs,
    get running() {
      return running !== undefined
    },
    reload,
    async start() {
      if (running !== undefined) return
      starting ??= start().finally(() => {
        starting = undefined
      })
      await starting
    },
    async stop() {
      await starting?.catch(() => {})
      const r = running
      if (r === undefined) return
      // Services still see the running node while they stop; the node is gone once all stopped.
      stopping ??= (async () => {
        process.off('SIGUSR1', onUsr1)
        try {
          await stopAll(r.parts)
        } finally {
          running = undefined
        }
      })().finally(() => {
        stopping = undefined
      })
      await stopping
    },
  }
  // What exists once started: read from the running parts, NOT_STARTED before.
  for (const key of RUNNING_KEYS) Object.defineProperty(base, key, { get: () => need(key), enumerable: true })
  const node = base as typeof base & Pick<ManagerNode, (typeof RUNNING_KEYS)[number]>
  return node
}

/**
 * Creates a manager node and starts it: {@link createManagerNode}, then `start()`. A start that
 * fails has closed what it opened.
 *
 * @example
 * ```ts
 * const node = await startManagerNode({ home, chain, messager, config, listen: '127.0.0.1:0' })
 * await node.stop()
 * ```
 */
export async function startManagerNode(opts: ManagerNodeOptions): Promise<ManagerNode> {
  const node = createManagerNode(opts)
  await node.start()
  return node
}
