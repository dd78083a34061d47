/**
 * The worker: sealing threads from the config, shared stage limits and ext locks, the
 * processors (worker-thread pool by default, external children where configured), attached
 * stores and the control API.
 */
import {
  createRpcClient,
  createRpcServer,
  http,
  type ProofsBackend,
  type RpcServer,
  type VenusWorkerConfig,
} from '@venus-cluster/core'
import { workerControlMethods } from './control-api.js'
import { type ExternalProcessor, externalProcessor } from './external.js'
import { SlotPool } from './limits.js'
import { pieceProxyFetcher } from './piece-fetch.js'
import { type AttachedStore, type FreeSpaceFn, openAttachedStores } from './persist.js'
import { inlineProcessor, routeProcessors, type SealStage, type StageProcessor } from './processors.js'
import { type SealerClient, sealerClient } from './sealer-client.js'
import { type SealerLogger, SealingThread, type ThreadStepEvent, silentLogger } from './thread.js'

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
  log?: SealerLogger
  onStep?: (e: ThreadStepEvent) => void
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
    ...(options.stageStaggerMs === undefined ? {} : { staggeredMs: options.stageStaggerMs as Record<string, number> }),
  })
  const extLocks = new SlotPool(config.processors.extLocks)
  const threads: SealingThread[] = []
  const external: Partial<Record<SealStage, ExternalProcessor>> = {}
  let attached: AttachedStore[] = []
  let server: RpcServer | undefined
  let controlUrl: string | undefined
  let processor: StageProcessor | undefined
  let rpcClose: (() => Promise<void>) | undefined

  return {
    threads,
    limits,
    get attached() {
      return attached
    },
    get controlUrl() {
      return controlUrl
    },
    external,
    async start() {
      attached = await openAttachedStores(config.attached)
      let sealer = options.sealer
      if (sealer === undefined) {
        const rpc = createRpcClient(http(managerHttpUrl(config.sectorManager.url)))
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
              ...(s.numaPreferred === undefined ? {} : { VENUS_WORKER_NUMA_PREFERRED: String(s.numaPreferred) }),
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
        ? pieceProxyFetcher(config.sectorManager.url, config.sectorManager.pieceToken)
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
            ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
          }),
        )
      })
      if (options.controlApi !== false) {
        server = createRpcServer({ methods: workerControlMethods(threads), path: ['/', '/rpc/v0'] })
        const l = await server.listen({ host: config.rpcServer.host, port: config.rpcServer.port })
        controlUrl = `http://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}/`
      }
      const stagger = options.threadStartStaggerMs ?? 0
      for (const [i, t] of threads.entries()) {
        if (i > 0 && stagger > 0) await new Promise((r) => setTimeout(r, stagger))
        t.start()
      }
      log.info({ threads: threads.length, instance, control: controlUrl }, 'worker started')
    },
    async stop() {
      await Promise.all(threads.map((t) => t.stop()))
      await server?.close()
      await processor?.close?.()
      await rpcClose?.()
    },
  }
}
