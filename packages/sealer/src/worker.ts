/**
 * The worker: sealing threads from the config, shared stage limits and ext locks, the
 * processors (worker-thread pool by default, external children where configured), attached
 * stores and the control API.
 */
import { resolve } from 'node:path'
import {
  createRpcClient,
  http,
  type ProofsBackend,
  VenusError,
  type VenusWorkerConfig,
} from '@venus-cluster/core'
import { type ControlAuthorize, managerVerifiedAuth, workerManagerToken } from './auth/index.js'
import { workerControlMethods } from './control-api.js'
import { type ExternalProcessor, externalProcessor } from './external.js'
import { SlotPool } from './limits.js'
import { controlDest } from './local-address.js'
import { createWorkerMetrics, serveWorkerControl, type WorkerMetrics } from './metrics/index.js'
import { type AttachedStore, type FreeSpaceFn, openAttachedStores } from './persist.js'
import { pieceProxyFetcher } from './piece-fetch.js'
import { inlineProcessor, routeProcessors, type SealStage, type StageProcessor } from './processors.js'
import { type SealerClient, sealerClient } from './sealer-client.js'
import { type SealerLogger, SealingThread, silentLogger, type ThreadStepEvent } from './thread.js'

/** Options of {@link createSealingWorker}. */
export interface SealingWorkerOptions {
  config: VenusWorkerConfig
  /** In-process backend: add-piece, CommD, clear-cache, and every stage without another processor. */
  proofs: ProofsBackend
  /** The manager client; default: HTTP JSON-RPC to `config.sectorManager`. */
  sealer?: SealerClient
  /** Processor for stages without external children (default: {@link inlineProcessor} of `proofs`). */
  processor?: StageProcessor
  /** Command that starts this worker binary, for external children without `bin` (default: this process). */
  selfCommand?: string[]
  /** Instance name; default `config.name`, else `os.hostname()`. */
  instance?: string
  /** Serve the control API (default true) on `config.rpcServer`. */
  controlApi?: boolean
  /** Milliseconds between the starts of consecutive sealing threads (default 0). */
  threadStartStaggerMs?: number
  /** Minimum spacing between starts of a stage (`[processors.limitation.staggered]`). */
  stageStaggerMs?: Partial<Record<SealStage, number>>
  freeSpace?: FreeSpaceFn
  resubmitWaitMs?: number
  /** fsync the sector record on every step (default true). */
  recordSync?: boolean
  /** `Venus.WorkerPing` period (`[v0.2]`; default 180 s, 0 = off). */
  pingIntervalMs?: number
  log?: SealerLogger
  onStep?: (e: ThreadStepEvent) => void
  /** Token sent to the manager; default `VENUS_SECTOR_MANAGER_TOKEN`, else the config's Authorization header. */
  managerToken?: string | undefined
  /**
   * Control API and `/metrics` auth: default asks the manager (`Venus.AuthVerify`) what a token
   * allows; a function to decide locally; `'off'` (explicit only) to let everyone in.
   */
  controlAuth?: 'off' | ControlAuthorize | undefined
}

/** A running worker. */
export interface SealingWorker {
  readonly threads: readonly SealingThread[]
  readonly limits: SlotPool
  readonly attached: readonly AttachedStore[]
  /** URL of the control API once started (undefined when disabled). */
  readonly controlUrl: string | undefined
  /** External processors by stage. */
  readonly external: Partial<Record<SealStage, ExternalProcessor>>
  /** Prometheus metrics, served at `/metrics` of the control API. */
  readonly metrics: WorkerMetrics
  start(): Promise<void>
  stop(): Promise<void>
}

/** The HTTP URL of the manager's RPC (v0.1.1+ workers use HTTP POST). */
function managerHttpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://')
}

/**
 * Builds a worker from a parsed `venus-worker.toml`.
 *
 * @example
 * ```ts
 * const worker = createSealingWorker({ config: await loadWorkerConfig('worker.toml'), proofs: mockProofs() })
 * await worker.start()
 * process.on('SIGTERM', () => worker.stop())
 * ```
 */
export function createSealingWorker(options: SealingWorkerOptions): SealingWorker {
  const { config } = options
  const log = options.log ?? silentLogger
  const limits = new SlotPool(config.processors.limit, {
    ...(options.stageStaggerMs === undefined
      ? {}
      : { staggeredMs: options.stageStaggerMs as Record<string, number> }),
  })
  const extLocks = new SlotPool(config.processors.extLocks)
  const threads: SealingThread[] = []
  const external: Partial<Record<SealStage, ExternalProcessor>> = {}
  let attached: AttachedStore[] = []
  let server: { close(): Promise<void> } | undefined
  let authClose: (() => Promise<void>) | undefined
  const metrics = createWorkerMetrics({ threads: () => threads })
  const managerToken = workerManagerToken(config.sectorManager.headers, options.managerToken)
  let controlUrl: string | undefined
  /** `host:port` reported in WorkerPing: where the manager can reach the control API. */
  let controlDestination: string | undefined
  let processor: StageProcessor | undefined
  let rpcClose: (() => Promise<void>) | undefined
  let pingTimer: NodeJS.Timeout | undefined

  const worker: SealingWorker = {
    threads,
    limits,
    get attached() {
      return attached
    },
    get controlUrl() {
      return controlUrl
    },
    external,
    metrics,
    async start() {
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
        if (t.plan !== 'sealer') {
          throw new VenusError(
            'UNSUPPORTED',
            `sealing thread ${loc}: plan "${t.plan}" is not supported; use "sealer"`,
          )
        }
      }
      attached = await openAttachedStores(config.attached)
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
      const self = options.selfCommand ?? [process.execPath, process.argv[1] ?? '']
      for (const [stage, specs] of Object.entries(config.processors.external)) {
        if (specs === undefined || specs.length === 0) continue
        if (stage !== 'tree_d' && stage !== 'pc1' && stage !== 'pc2' && stage !== 'c2') continue
        const ext = externalProcessor({
          stage,
          locks: extLocks,
          log: (msg, fields) => log.warn({ ...fields }, msg),
          children: specs.map((s) => ({
            bin: s.bin ?? (self[0] as string),
            args: s.args ?? [...self.slice(1), 'processor', stage],
            env: {
              ...s.envs,
              ...(s.numaPreferred === undefined
                ? {}
                : { VENUS_WORKER_NUMA_PREFERRED: String(s.numaPreferred) }),
            },
            stableWaitMs: s.stableWaitMs,
            concurrent: s.concurrent,
            locks: s.locks,
            cgroup: s.cgroup,
          })),
        })
        external[stage] = ext
      }
      try {
        await Promise.all(Object.values(external).map((e) => e.ready))
      } catch (err) {
        await Promise.all(Object.values(external).map((e) => e.close?.()))
        throw err
      }
      processor = routeProcessors(options.processor ?? inlineProcessor(options.proofs), external)
      const instance = options.instance ?? config.name ?? (await import('node:os')).hostname()
      const pieceFetcher = config.sealing.enableDeals
        ? pieceProxyFetcher(config.sectorManager.url, config.sectorManager.pieceToken, managerToken)
        : undefined
      config.sealingThreads.forEach((t, index) => {
        threads.push(
          new SealingThread({
            index,
            location: t.location,
            sealing: t.sealing,
            instance,
            sealer: sealer as SealerClient,
            processor: processor as StageProcessor,
            proofs: options.proofs,
            limits,
            attached,
            pieceFetcher,
            staticTreeD: config.processors.staticTreeD,
            log,
            ...(options.freeSpace === undefined ? {} : { freeSpace: options.freeSpace }),
            ...(options.resubmitWaitMs === undefined ? {} : { resubmitWaitMs: options.resubmitWaitMs }),
            ...(options.recordSync === undefined ? {} : { recordSync: options.recordSync }),
            onStep: (e: ThreadStepEvent) => {
              metrics.onStep(e)
              options.onStep?.(e)
            },
          }),
        )
      })
      if (options.controlApi !== false) {
        let authorize: ControlAuthorize | undefined
        if (options.controlAuth === 'off') log.warn({}, 'control API auth is OFF')
        else if (options.controlAuth !== undefined) authorize = options.controlAuth
        else {
          const verified = managerVerifiedAuth({
            url: managerHttpUrl(config.sectorManager.url),
            token: managerToken,
            onManagerAuthOff: () => log.warn({}, 'the manager runs without auth; so does the control API'),
          })
          authorize = verified
          authClose = verified.close
        }
        const s = await serveWorkerControl({
          methods: workerControlMethods(threads),
          host: config.rpcServer.host,
          port: config.rpcServer.port,
          authorize,
          metrics,
        }).catch((err: NodeJS.ErrnoException) => {
          const where = `${config.rpcServer.host}:${config.rpcServer.port}`
          throw err.code === 'EADDRINUSE'
            ? new VenusError(
                'CONFIG_INVALID_VALUE',
                `cannot serve the control API on ${where}: the address is in use (another worker running? set [worker.rpc_server] port)`,
                {
                  details: {
                    key: 'worker.rpc_server.port',
                    host: config.rpcServer.host,
                    port: config.rpcServer.port,
                  },
                  cause: err,
                },
              )
            : err
        })
        server = s
        controlUrl = s.url
        controlDestination = await controlDest(config.rpcServer.host, s.port, config.sectorManager.url)
      }
      const stagger = options.threadStartStaggerMs ?? 0
      for (const [i, t] of threads.entries()) {
        if (i > 0 && stagger > 0) await new Promise((r) => setTimeout(r, stagger))
        t.start()
      }
      const pingMs = options.pingIntervalMs ?? 180_000
      const ping = sealer.workerPing?.bind(sealer)
      if (pingMs > 0 && ping !== undefined) {
        const send = () => {
          const infos = threads.map((t) => t.info())
          const dest = controlDestination ?? ''
          ping({
            Name: instance,
            Dest: dest,
            Summary: {
              Threads: infos.length,
              Empty: infos.filter((i) => i.state === 'Empty' && !i.paused).length,
              Paused: infos.filter((i) => i.paused).length,
              Errors: infos.filter((i) => i.last_error !== null).length,
            },
          }).catch((err) => log.debug({ err: String(err) }, 'WorkerPing failed'))
        }
        send()
        pingTimer = setInterval(send, pingMs)
        pingTimer.unref()
      }
      log.info({ threads: threads.length, instance, control: controlUrl }, 'worker started')
    },
    async stop() {
      clearInterval(pingTimer)
      await Promise.all(threads.map((t) => t.stop()))
      await server?.close()
      await authClose?.()
      await processor?.close?.()
      // A start that failed before the processor router existed leaves the children alone.
      if (processor === undefined) await Promise.all(Object.values(external).map((e) => e.close?.()))
      await rpcClose?.()
    },
  }
  // A worker that cannot start must not keep its control port or its processor children: the
  // process would stay up, half-started, instead of exiting with the error.
  const startOnce = worker.start.bind(worker)
  worker.start = async () => {
    try {
      await startOnce()
    } catch (err) {
      await worker.stop().catch(() => {})
      throw err
    }
  }
  return worker
}
