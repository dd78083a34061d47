/**
 * The worker: sealing threads from the config, each running its plan, shared stage limits and
 * ext locks, the processors (worker-thread pool by default, external children where
 * configured), attached stores, the control API and the liveness ping.
 */
import { resolve } from 'node:path'
import {
  createRpcClient,
  http,
  type Logger,
  type ProofsBackend,
  resolveWorkerPaths,
  type Startable,
  silentLogger,
  TypedEmitter,
  VenusError,
  type WorkerConfig,
  workerConfig,
  workerNameProblem,
} from '@venus-cluster/core'
import {
  type ControlAuthorize,
  loadOrCreateLocalControlToken,
  localControlAuth,
  ManagerKeyCache,
  managerKeyFile,
  newLocalControlToken,
  workerManagerToken,
} from './auth/index.js'
import { workerControlMethods } from './control-api.js'
import type { WorkerEvents } from './events.js'
import { type ExternalProcessor, externalProcessor } from './external.js'
import { describeError } from './failure.js'
import { GpuSlots, inProcessGpuSlots, isGpuStage } from './gpu.js'
import { SlotPool } from './limits.js'
import { controlDest } from './local-address.js'
import { ManagerMethodSupport } from './manager-support.js'
import { createWorkerMetrics, serveWorkerControl, type WorkerMetrics } from './metrics/index.js'
import { type AttachedStore, type FreeSpaceFn, openAttachedStores } from './persist.js'
import { type PieceFetcher, pieceProxyFetcher } from './piece-fetch.js'
import { PlanRegistry, threadPlans } from './plans/index.js'
import { inlineProcessor, routeProcessors, type SealStage, type StageProcessor } from './processors.js'
import { diffWorkerConfig, type WorkerConfigDiff } from './reload.js'
import { type SealerClient, sealerClient } from './sealer-client.js'
import { SealingThread } from './thread.js'
import { startWorkerPing } from './worker-ping.js'

/** Options of {@link createSealingWorker}: the config, and what the worker is built from. */
export interface SealingWorkerOptions {
  /** The worker's configuration: from `workerConfig({...})` or `loadWorkerConfig(file)`. */
  config: WorkerConfig
  /** In-process backend: add-piece, CommD, clear-cache, and every stage without another processor. */
  proofs: ProofsBackend
  /** The manager client; default: HTTP JSON-RPC to `config.sectorManager`. */
  sealer?: SealerClient | undefined
  /** Processor for stages without external children (default: {@link inlineProcessor} of `proofs`). */
  processor?: StageProcessor | undefined
  /** The plans threads may run (default: the built-in ones, `sealer`). */
  plans?: PlanRegistry | undefined
  /** Command that starts this worker binary, for external children without `bin` (default: this process). */
  selfCommand?: string[] | undefined
  /** Serve the control API (default true) on `config.rpcServer`. */
  controlApi?: boolean | undefined
  /** Free bytes of an attached store (default: `statfs`); replaceable to simulate a full disk. */
  freeSpace?: FreeSpaceFn | undefined
  /**
   * Where deal pieces come from when `[sealing] enable_deals` is on (default: the manager's
   * `/piecestore/` proxy), e.g. a local piece directory of an embedder.
   */
  pieceFetcher?: PieceFetcher | undefined
  /** Where the worker logs (default: nowhere); a pino logger fits. */
  logger?: Logger | undefined
  /** Token sent to the manager; default `VENUS_SECTOR_MANAGER_TOKEN`, else the config's Authorization header. */
  managerToken?: string | undefined
  /**
   * Control API and `/metrics` auth. Default: decided on the worker alone — the local control
   * token grants read and write, and tokens the manager minted for this worker are checked
   * with the manager's public key, fetched once and cached (see `localControlAuth`). A function
   * to decide otherwise; `'off'` (explicit only, and only with a loopback `rpc_server.host`)
   * lets every local caller in.
   */
  controlAuth?: 'off' | ControlAuthorize | undefined
  /**
   * The worker home, where the local control token (`control.token`) and the manager's cached
   * control key live (the CLI passes `$VENUS_WORKER_HOME`, default `~/.venus-worker`). Without
   * it both stay in memory: the token is {@link SealingWorker.controlToken}, and a restart
   * during a manager outage accepts the local token only until the manager answers again.
   */
  home?: string | undefined
}

/** A worker: `start()` starts its threads and servers, `stop()` lets go of all of them. */
export interface SealingWorker extends Startable {
  /** The checked config it runs, with paths made absolute. */
  readonly config: WorkerConfig
  /** Steps, state changes, finished sectors, pauses and resumes of every thread. */
  readonly events: TypedEmitter<WorkerEvents>
  /** The threads, in config order (empty until started). */
  readonly threads: readonly SealingThread[]
  readonly limits: SlotPool
  /** The slots of the worker's GPUs (`[processors.gpu]`); `enabled` is false without GPUs. */
  readonly gpus: GpuSlots
  readonly attached: readonly AttachedStore[]
  /** URL of the control API once started (undefined when disabled). */
  readonly controlUrl: string | undefined
  /** The local control token once started (undefined with the control API off or custom auth). */
  readonly controlToken: string | undefined
  /** External processors by stage. */
  readonly external: Partial<Record<SealStage, ExternalProcessor>>
  /** Prometheus metrics, served at `/metrics` of the control API. */
  readonly metrics: WorkerMetrics
  /**
   * Applies a re-read config to the running worker: what can change live is applied, what needs
   * a restart is listed (see `diffWorkerConfig`). The running config is updated only where
   * applied. A config that does not check, or attached stores that do not open, change nothing.
   */
  reload(next: WorkerConfig): Promise<WorkerConfigDiff>
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** The HTTP URL of the manager's RPC (v0.1.1+ workers use HTTP POST). */
function managerHttpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://')
}

/** The stages an external processor can take (the others run in process or on the pool). */
const EXTERNAL_STAGES: readonly string[] = ['tree_d', 'pc1', 'pc2', 'c2', 'snap_encode', 'snap_prove']

/**
 * Builds a worker. The config is checked at once (bad values, plans the worker does not have,
 * with the file, line and key where the config came from a file); stores, the manager and the
 * control port are checked by `start()`.
 *
 * @throws VenusError `CONFIG_INVALID_VALUE` for a config it cannot run.
 * @example
 * ```ts
 * const worker = createSealingWorker({
 *   config: workerConfig({
 *     sectorManager: { addr: '/ip4/127.0.0.1/tcp/1789' },
 *     sealingThreads: [{ location: '/data/store1' }],
 *     attached: [{ name: 'ps1', location: '/mnt/persist1' }],
 *   }),
 *   proofs: mockProofs(),
 * })
 * worker.events.on('sector:done', (e) => console.log(`sector ${e.sector.number}: ${e.state}`))
 * await worker.start()
 * process.once('SIGTERM', () => void worker.stop())
 * ```
 */
export function createSealingWorker(options: SealingWorkerOptions): SealingWorker {
  // Relative paths (the original's examples use them) are taken from the working directory now.
  let config = resolveWorkerPaths(workerConfig(options.config))
  const plans = threadPlans(config, options.plans ?? new PlanRegistry())
  const log = options.logger ?? silentLogger
  const events = new TypedEmitter<WorkerEvents>({
    onListenerError: (err, type) =>
      log.warn({ err: describeError(err), event: type }, 'event listener failed'),
  })
  const limits = new SlotPool(config.processors.limit, { staggeredMs: config.processors.staggeredMs })
  const extLocks = new SlotPool(config.processors.extLocks)
  const gpus = new GpuSlots(config.processors.gpus)
  const threads: SealingThread[] = []
  const external: Partial<Record<SealStage, ExternalProcessor>> = {}
  // One array shared with every thread: a reload replaces its contents in place.
  const attached: AttachedStore[] = []
  let server: { close(): Promise<void> } | undefined
  const metrics = createWorkerMetrics({ threads: () => threads, gpus })
  events.on('thread:step', (e) => metrics.observeStep(e))
  const managerToken = workerManagerToken(config.sectorManager.headers, options.managerToken)
  let controlUrl: string | undefined
  /** `host:port` reported in WorkerPing: where the manager can reach the control API. */
  let controlDestination: string | undefined
  let processor: StageProcessor | undefined
  let rpcClose: (() => Promise<void>) | undefined
  let stopPing: (() => void) | undefined
  let controlToken: string | undefined
  let keys: ManagerKeyCache | undefined
  /** Optional methods the manager turned out not to know (the original manager). */
  const support = new ManagerMethodSupport()

  const seen = new Set<string>()
  for (const t of config.sealingThreads) {
    const loc = resolve(t.location)
    if (seen.has(loc)) {
      throw new VenusError(
        'CONFIG_INVALID_VALUE',
        `two sealing threads use the store ${loc}; each needs its own`,
        {
          details: { location: loc },
        },
      )
    }
    seen.add(loc)
  }

  async function startExternal(log: Logger): Promise<void> {
    const self = options.selfCommand ?? [process.execPath, process.argv[1] ?? '']
    const used = new Set<string>(plans.flatMap((p) => p.stages))
    for (const [stage, specs] of Object.entries(config.processors.external)) {
      if (specs === undefined || specs.length === 0) continue
      if (!EXTERNAL_STAGES.includes(stage) || !used.has(stage)) {
        log.warn(
          { stage },
          `[[processors.${stage}]]: no thread's plan runs this stage in an external processor; not started`,
        )
        continue
      }
      const s = stage as Exclude<SealStage, 'c1'>
      const devices = gpuDevicesFor(s)
      let turn = 0
      external[s] = externalProcessor({
        stage: s,
        locks: extLocks,
        gpus,
        log: (msg, fields) => log.warn({ ...fields }, msg),
        children: specs.map((c) => ({
          // A child not pinned to a GPU takes the next one that can hold the stage.
          gpu: c.gpu ?? (devices.length === 0 ? undefined : devices[turn++ % devices.length]),
          bin: c.bin ?? (self[0] as string),
          args: c.args ?? [...self.slice(1), 'processor', stage],
          env: {
            ...c.envs,
            ...(c.numaPreferred === undefined
              ? {}
              : { VENUS_WORKER_NUMA_PREFERRED: String(c.numaPreferred) }),
          },
          stableWaitMs: c.stableWaitMs,
          concurrent: c.concurrent,
          locks: c.locks,
          cgroup: c.cgroup,
        })),
      })
    }
    try {
      await Promise.all(Object.values(external).map((e) => e.ready))
    } catch (err) {
      await Promise.all(Object.values(external).map((e) => e.close?.()))
      throw err
    }
  }

  /** The GPUs a stage's unpinned children are spread over: none unless it is a GPU stage. */
  function gpuDevicesFor(stage: string): string[] {
    if (!isGpuStage(stage)) return []
    const need = config.processors.gpus.stageSlots[stage]
    return config.processors.gpus.devices.filter((d) => d.slots >= need).map((d) => d.id)
  }

  async function serveControl(instance: string, sealer: SealerClient): Promise<void> {
    let authorize: ControlAuthorize | undefined
    if (options.controlAuth === 'off') log.warn({}, 'control API auth is OFF (loopback only)')
    else if (options.controlAuth !== undefined) authorize = options.controlAuth
    else {
      const home = options.home
      controlToken = home === undefined ? newLocalControlToken() : await loadOrCreateLocalControlToken(home)
      keys = new ManagerKeyCache({
        fetch: sealer.workerControlKey?.bind(sealer),
        file: home === undefined ? undefined : managerKeyFile(home, managerHttpUrl(config.sectorManager.url)),
        support,
        log,
      })
      await keys.load()
      // Not awaited: a worker starts, and its local token works, while the manager is down.
      void keys.refresh()
      authorize = localControlAuth({
        instance,
        localToken: controlToken,
        keys,
        dest: () => controlDestination,
        log,
      })
    }
    const { host, port } = config.rpcServer
    const s = await serveWorkerControl({
      methods: workerControlMethods(threads),
      host,
      port,
      authorize,
      metrics,
    }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE'
        ? new VenusError(
            'CONFIG_INVALID_VALUE',
            `cannot serve the control API on ${host}:${port}: the address is in use (another worker running? set [worker.rpc_server] port)`,
            { details: { key: 'worker.rpc_server.port', host, port }, cause: err },
          )
        : err
    })
    server = s
    controlUrl = s.url
    controlDestination = await controlDest(host, s.port, config.sectorManager.url)
  }

  function startPing(instance: string, sealer: SealerClient): void {
    const ping = sealer.workerPing?.bind(sealer)
    if (config.pingIntervalMs <= 0 || ping === undefined) return
    stopPing = startWorkerPing({
      ping,
      intervalMs: config.pingIntervalMs,
      support,
      log,
      info: () => {
        const infos = threads.map((t) => t.info())
        return {
          name: instance,
          dest: controlDestination ?? '',
          summary: {
            threads: infos.length,
            empty: infos.filter((i) => i.state === 'Empty' && !i.paused).length,
            paused: infos.filter((i) => i.paused).length,
            errors: infos.filter((i) => i.lastError !== null).length,
          },
        }
      },
    })
  }

  async function start(): Promise<void> {
    const instance = config.name ?? (await import('node:os')).hostname()
    const nameProblem = workerNameProblem(instance)
    if (nameProblem !== undefined) {
      throw new VenusError(
        'CONFIG_INVALID_VALUE',
        `[worker] name: the worker name ${JSON.stringify(instance.slice(0, 40))} ${nameProblem}${config.name === undefined ? ' (it is the host name; set [worker] name)' : ''}`,
        { details: { key: 'worker.name' } },
      )
    }
    if (options.controlApi !== false && options.controlAuth === 'off' && !isLoopback(config.rpcServer.host)) {
      throw new VenusError(
        'CONFIG_INVALID_VALUE',
        `control API auth can only be off on a loopback address; [worker.rpc_server] host is ${JSON.stringify(config.rpcServer.host)}`,
        { details: { key: 'worker.rpc_server.host' } },
      )
    }
    attached.splice(0, attached.length, ...(await openAttachedStores(config.attached)))
    let sealer = options.sealer
    if (sealer === undefined) {
      const rpc = createRpcClient(
        http(managerHttpUrl(config.sectorManager.url), {
          headers: config.sectorManager.headers,
          token: managerToken,
        }),
      )
      rpcClose = () => rpc.close()
      sealer = sealerClient(rpc)
    }
    await startExternal(log)
    // Stages computed in this process hold their slots on every GPU the process sees.
    processor = routeProcessors(
      inProcessGpuSlots(options.processor ?? inlineProcessor(options.proofs), gpus),
      external,
    )
    const pieceFetcher = !config.sealing.enableDeals
      ? undefined
      : (options.pieceFetcher ??
        pieceProxyFetcher(config.sectorManager.url, config.sectorManager.pieceToken, managerToken))
    config.sealingThreads.forEach((t, index) => {
      threads.push(
        new SealingThread({
          index,
          location: t.location,
          plan: plans[index] as (typeof plans)[number],
          sealing: t.sealing,
          instance,
          sealer: sealer as SealerClient,
          processor: processor as StageProcessor,
          proofs: options.proofs,
          limits,
          gpus,
          attached,
          pieceFetcher,
          staticTreeD: config.processors.staticTreeD,
          freeSpace: options.freeSpace,
          resubmitWaitMs: config.resubmitWaitMs,
          recordSync: config.recordSync,
          autoResume: config.autoResume,
          log,
          events,
        }),
      )
    })
    if (options.controlApi !== false) await serveControl(instance, sealer)
    for (const [i, t] of threads.entries()) {
      if (i > 0 && config.threadStartStaggerMs > 0)
        await new Promise((r) => setTimeout(r, config.threadStartStaggerMs))
      await t.start()
    }
    startPing(instance, sealer)
    log.info({ threads: threads.length, instance, control: controlUrl }, 'worker started')
  }

  async function stop(): Promise<void> {
    stopPing?.()
    await Promise.all(threads.map((t) => t.stop()))
    await server?.close()
    await processor?.close?.()
    // A start that failed before the processor router existed leaves the children alone.
    if (processor === undefined) await Promise.all(Object.values(external).map((e) => e.close?.()))
    await rpcClose?.()
    // A key fetch still in flight must not write into the home after the worker stopped.
    await keys?.idle()
  }

  async function reload(input: WorkerConfig): Promise<WorkerConfigDiff> {
    const next = resolveWorkerPaths(workerConfig(input))
    threadPlans(next, options.plans ?? new PlanRegistry())
    const diff = diffWorkerConfig(config, next)
    if (diff.live.includes('attached')) {
      const opened = await openAttachedStores(next.attached)
      attached.splice(0, attached.length, ...opened)
    }
    if (diff.live.includes('processors.limit')) limits.setLimits(next.processors.limit)
    if (diff.live.includes('sealing') || diff.live.includes('sealing_thread.sealing')) {
      for (const [i, t] of threads.entries()) {
        const s = next.sealingThreads[i]?.sealing
        // A thread whose store moved is not this thread any more: that needs a restart.
        if (s !== undefined && next.sealingThreads[i]?.location === t.location)
          t.setSealing({ ...s, enableDeals: t.sealing.enableDeals })
      }
    }
    config = {
      ...config,
      sealing: { ...next.sealing, enableDeals: config.sealing.enableDeals },
      sealingThreads: config.sealingThreads.map((t, i) => {
        const n = next.sealingThreads[i]
        return n !== undefined && n.location === t.location && n.plan === t.plan
          ? { ...t, sealing: { ...n.sealing, enableDeals: t.sealing.enableDeals } }
          : t
      }),
      attached: next.attached,
      processors: { ...config.processors, limit: next.processors.limit },
    }
    log.info(
      diff,
      diff.restart.length > 0 ? 'config reloaded; some changes need a restart' : 'config reloaded',
    )
    return diff
  }

  return {
    get config() {
      return config
    },
    reload,
    events,
    threads,
    limits,
    gpus,
    get attached() {
      return attached
    },
    get controlUrl() {
      return controlUrl
    },
    get controlToken() {
      return controlToken
    },
    external,
    metrics,
    // A worker that cannot start must not keep its control port or its processor children: the
    // process would stay up, half-started, instead of exiting with the error.
    async start() {
      try {
        await start()
      } catch (err) {
        await stop().catch(() => {})
        throw err
      }
    },
    stop,
  }
}
