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
  resolveWorkerPaths,
  silentLogger,
  VenusError,
  type VenusWorkerConfig,
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
import { type ExternalProcessor, externalProcessor } from './external.js'
import { SlotPool } from './limits.js'
import { controlDest } from './local-address.js'
import { ManagerMethodSupport } from './manager-support.js'
import { createWorkerMetrics, serveWorkerControl, type WorkerMetrics } from './metrics/index.js'
import { type AttachedStore, type FreeSpaceFn, openAttachedStores } from './persist.js'
import { pieceProxyFetcher } from './piece-fetch.js'
import { inlineProcessor, routeProcessors, type SealStage, type StageProcessor } from './processors.js'
import { type SealerClient, sealerClient } from './sealer-client.js'
import { type SealerLogger, SealingThread, type ThreadStepEvent } from './thread.js'
import { startWorkerPing } from './worker-ping.js'

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
  /** How paused threads resume on their own (see `SealingThreadOptions.autoResume`). */
  autoResume?: false | { maxMs?: number }
  /** `Venus.WorkerPing` period (`[v0.2]`; default 180 s, 0 = off). */
  pingIntervalMs?: number
  log?: SealerLogger
  onStep?: (e: ThreadStepEvent) => void
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

/** A running worker. */
export interface SealingWorker {
  readonly threads: readonly SealingThread[]
  readonly limits: SlotPool
  readonly attached: readonly AttachedStore[]
  /** URL of the control API once started (undefined when disabled). */
  readonly controlUrl: string | undefined
  /** The local control token once started (undefined with the control API off or custom auth). */
  readonly controlToken: string | undefined
  /** External processors by stage. */
  readonly external: Partial<Record<SealStage, ExternalProcessor>>
  /** Prometheus metrics, served at `/metrics` of the control API. */
  readonly metrics: WorkerMetrics
  start(): Promise<void>
  stop(): Promise<void>
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
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
  // Relative paths (the original's examples use them) are taken from the working directory now.
  const config = resolveWorkerPaths(options.config)
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
  const metrics = createWorkerMetrics({ threads: () => threads })
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

  const worker: SealingWorker = {
    threads,
    limits,
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
    async start() {
      const instance = options.instance ?? config.name ?? (await import('node:os')).hostname()
      const nameProblem = workerNameProblem(instance)
      if (nameProblem !== undefined) {
        throw new VenusError(
          'CONFIG_INVALID_VALUE',
          `[worker] name: the worker name ${JSON.stringify(instance.slice(0, 40))} ${nameProblem}${config.name === undefined && options.instance === undefined ? ' (it is the host name; set [worker] name)' : ''}`,
          { details: { key: 'worker.name' } },
        )
      }
      if (
        options.controlApi !== false &&
        options.controlAuth === 'off' &&
        !isLoopback(config.rpcServer.host)
      ) {
        throw new VenusError(
          'CONFIG_INVALID_VALUE',
          `control API auth can only be off on a loopback address; [worker.rpc_server] host is ${JSON.stringify(config.rpcServer.host)}`,
          { details: { key: 'worker.rpc_server.host' } },
        )
      }
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
            ...(options.autoResume === undefined ? {} : { autoResume: options.autoResume }),
            onStep: (e: ThreadStepEvent) => {
              metrics.onStep(e)
              options.onStep?.(e)
            },
          }),
        )
      })
      if (options.controlApi !== false) {
        let authorize: ControlAuthorize | undefined
        if (options.controlAuth === 'off') log.warn({}, 'control API auth is OFF (loopback only)')
        else if (options.controlAuth !== undefined) authorize = options.controlAuth
        else {
          const home = options.home
          controlToken =
            home === undefined ? newLocalControlToken() : await loadOrCreateLocalControlToken(home)
          keys = new ManagerKeyCache({
            fetch: sealer.workerControlKey?.bind(sealer),
            file:
              home === undefined ? undefined : managerKeyFile(home, managerHttpUrl(config.sectorManager.url)),
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
        stopPing = startWorkerPing({
          ping,
          intervalMs: pingMs,
          support,
          log,
          info: () => {
            const infos = threads.map((t) => t.info())
            return {
              Name: instance,
              Dest: controlDestination ?? '',
              Summary: {
                Threads: infos.length,
                Empty: infos.filter((i) => i.state === 'Empty' && !i.paused).length,
                Paused: infos.filter((i) => i.paused).length,
                Errors: infos.filter((i) => i.last_error !== null).length,
              },
            }
          },
        })
      }
      log.info({ threads: threads.length, instance, control: controlUrl }, 'worker started')
    },
    async stop() {
      stopPing?.()
      await Promise.all(threads.map((t) => t.stop()))
      await server?.close()
      await processor?.close?.()
      // A start that failed before the processor router existed leaves the children alone.
      if (processor === undefined) await Promise.all(Object.values(external).map((e) => e.close?.()))
      await rpcClose?.()
      // A key fetch still in flight must not write into the home after the worker stopped.
      await keys?.idle()
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
