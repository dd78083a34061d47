/**
 * The demo cluster: a devnet served on loopback, one sector manager daemon talking to it over
 * HTTP JSON-RPC, and sealing workers talking to the manager over HTTP JSON-RPC — the same wire
 * paths as separate processes, in one process so Ctrl-C can stop every part in order.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type ChainClient,
  createChainClient,
  createMessagerClient,
  httpTransport,
  type Logger,
  type MessagerClient,
  type ProofsBackend,
  parseWorkerConfig,
  prepareFileStore,
  prepareSealingStore,
  sealProofForSectorSize,
  sealProofInfo,
  VenusError,
} from '@venus-cluster/core'
import {
  createDevnet,
  type Devnet,
  devnetParamsShortPeriod,
  devnetTransport,
  type ServedDevnet,
  serveDevnet,
} from '@venus-cluster/devnet'
import {
  createManagerChain,
  createManagerMessager,
  defaultMinerConfig,
  type ManagerNode,
  startManagerNode,
} from '@venus-cluster/manager'
import {
  dirLocator,
  onAnyWindowPoStEvent,
  postResultListener,
  type WindowPoStEvent,
  type WindowPoStService,
  windowPoStService,
} from '@venus-cluster/poster'
import { createSealingWorker, type SealingWorker, type ThreadStepEvent } from '@venus-cluster/sealer'
import { type DemoVerifiedPieces, onboardVerifiedPieces } from './verified.js'

/** Options of {@link startDemoCluster}. */
export interface DemoClusterOptions {
  /** Scratch directory: stores, configs and the manager database live here. */
  home: string
  proofs: ProofsBackend
  sectorSize: number
  /** Sectors to seal: the miner's numbering window is closed after this many. */
  sectors: number
  workers: number
  blockTimeMs: number
  /** Epochs between pre-commit and seed (the 2k network's 10 shortened for the demo). */
  challengeDelay: number
  onStep?: (worker: number, e: ThreadStepEvent) => void
  /**
   * Run the WindowPoSt poster, on a devnet with short challenge windows of this many epochs
   * (48 deadlines each); undefined = no poster, the 2k network's 60-epoch windows.
   */
  postChallengeWindow?: number | undefined
  /** Worker and manager logs (default: none; the demo shows progress instead). */
  log?: Logger | undefined
  /**
   * Batch both commit kinds: all sectors in one `PreCommitSectorBatch2` and one
   * `ProveCommitSectors3` (aggregated from 4 sectors), sent once every sector waits or after
   * `maxWaitMs` at the latest. Off: one message per sector, the original's default.
   */
  batch?: { maxWaitMs: number } | undefined
  /**
   * Sectors (of `sectors`) that each carry one verified piece filling them, onboarded as a
   * direct piece claiming a client's allocation (Fil+ DDO); 0 or undefined = all CC.
   */
  verified?: number | undefined
  /**
   * Sectors to snap up once sealed (SnapDeals): the miner takes direct pieces, the manager
   * sends one `ProveReplicaUpdates3` for all of them, and {@link DemoCluster.startSnapWorker}
   * starts the worker whose `snapup` threads encode and prove them; 0 or undefined = none.
   */
  snap?: number | undefined
  /** Milliseconds between the dashboard's trend samples (default: one per two block times, at least 100). */
  sampleMs?: number | undefined
}

/** A running demo cluster. */
export interface DemoCluster {
  devnet: Devnet
  served: ServedDevnet
  manager: ManagerNode
  workers: SealingWorker[]
  miner: { id: number; address: string; owner: string }
  /** The devnet's Lotus API (`/rpc/v1`) over HTTP, as any full node's. */
  chain: ChainClient
  /** The devnet's messager API (`/rpc/v0`) over HTTP, as venus-messager's. */
  messager: MessagerClient
  /** The WindowPoSt poster (with `postChallengeWindow`) and every event it reported. */
  poster: WindowPoStService | undefined
  postEvents: WindowPoStEvent[]
  /** The verified pieces given to sealing (with `verified`). */
  verified: DemoVerifiedPieces | undefined
  /** Where direct pieces' files go (named by piece CID; the manager's piece store). */
  pieceDir: string
  /** The persist store every worker writes sealed sectors (and new replicas) to. */
  persist: string
  /**
   * Starts one more worker whose `threads` sealing threads run the `snapup` plan (with `snap`),
   * stopped with the cluster; `onStep` hears its threads' steps (the sealing `onStep` does not).
   */
  startSnapWorker(
    threads: number,
    onStep?: ((worker: number, e: ThreadStepEvent) => void) | undefined,
  ): Promise<SealingWorker>
  /** Stops the block timer: the caller then mines epochs itself (`devnet.mine`). */
  pauseBlocks(): void
  /** Stops workers, manager and devnet, in that order; safe to call twice. */
  stop(): Promise<void>
}

/** The `venus-worker.toml` text of one demo worker. */
export function demoWorkerConfigText(opts: {
  name: string
  managerUrl: string
  stores: string[]
  persist: string
  /** `[sealing] enable_deals`: threads take pieces (market deals, direct pieces). */
  deals?: boolean | undefined
  /** `[[sealing_thread]] plan` of every thread (default: the `sealer` plan). */
  plan?: string | undefined
}): string {
  return `[worker]
name = "${opts.name}"

[sector_manager.rpc_client]
addr = "${opts.managerUrl}"

[sealing]
seal_interval = "20ms"
recover_interval = "50ms"
rpc_polling_interval = "50ms"
max_retries = 3${opts.deals === true ? '\nenable_deals = true' : ''}

${opts.stores
  .map(
    (s) =>
      `[[sealing_thread]]\nlocation = "${s}"\n${opts.plan === undefined ? '' : `plan = "${opts.plan}"\n`}`,
  )
  .join('\n')}
[[attached]]
name = "ps1"
location = "${opts.persist}"
`
}

/**
 * Starts the devnet (with a new miner), the manager and the workers.
 *
 * @example
 * ```ts
 * const c = await startDemoCluster({ home, proofs: mockProofs(), sectorSize: 2048, sectors: 4,
 *   workers: 1, blockTimeMs: 100, challengeDelay: 5 })
 * await c.stop()
 * ```
 */
export async function startDemoCluster(opts: DemoClusterOptions): Promise<DemoCluster> {
  const stops: (() => Promise<void>)[] = []
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {})
  }
  try {
    const sealProof = sealProofForSectorSize(opts.sectorSize)
    const devnet = createDevnet({
      seed: 'venus-cluster-demo',
      proofs: opts.proofs,
      params: {
        ...(opts.postChallengeWindow === undefined ? {} : devnetParamsShortPeriod(opts.postChallengeWindow)),
        preCommitChallengeDelay: opts.challengeDelay,
      },
    })
    await devnet.start()
    stops.push(() => devnet.stop())
    const created = await devnet.createTestMiner({
      windowPoStProofType: sealProofInfo(sealProof).windowPoStProof,
    })
    const served = await serveDevnet(devnet, { host: '127.0.0.1', port: 0 })
    stops.push(() => served.close())
    const token = { token: served.adminToken }
    const chain = createChainClient(httpTransport(served.httpUrl, token))
    const messager = createMessagerClient(httpTransport(served.messagerUrl.replace(/^ws/, 'http'), token))

    const persist = join(opts.home, 'persist')
    await prepareFileStore(persist)
    const minerConfig = defaultMinerConfig(created.minerId, created.owner)
    minerConfig.sector.maxNumber = opts.sectors
    minerConfig.commitment.confidence = 1
    const verifiedCount = opts.verified ?? 0
    const snapCount = opts.snap ?? 0
    const pieceDir = join(opts.home, 'pieces')
    if (verifiedCount > 0 || snapCount > 0) minerConfig.deal = { enabled: true }
    if (opts.batch !== undefined) {
      for (const kind of [minerConfig.commitment.pre, minerConfig.commitment.prove]) {
        kind.batch.enabled = true
        kind.batch.threshold = opts.sectors
        kind.batch.maxWaitMs = opts.batch.maxWaitMs
        kind.batch.checkIntervalMs = Math.max(50, opts.blockTimeMs)
      }
    }
    const managerHome = join(opts.home, 'sector-manager')
    await mkdir(managerHome, { recursive: true })
    const manager = await startManagerNode({
      home: managerHome,
      listen: '127.0.0.1:0',
      synchronous: 'normal',
      config: {
        miners: [minerConfig],
        persistStores: [{ name: 'ps1', path: persist }],
        ...(verifiedCount > 0 || snapCount > 0 ? { pieceStores: [{ name: 'pieces', path: pieceDir }] } : {}),
      },
      // All snap-ups in one message, sent once every one waits (the 1-hour cap only matters
      // when one drops out); the CC sealed file is dropped a few epochs after the update lands.
      ...(snapCount > 0
        ? {
            snapUpPolicy: () => ({
              batch: { enabled: true, threshold: snapCount, maxWaitMs: 3_600_000 },
              minLifetimeEpochs: 2880,
              finalityEpochs: 5,
            }),
          }
        : {}),
      chain: createManagerChain(chain),
      messager: createManagerMessager(messager),
      proofs: opts.proofs,
      tickMs: Math.max(20, Math.floor(opts.blockTimeMs / 2)),
      // A demo lasts minutes: sample often enough that the dashboard's trends show it.
      telemetry: { intervalMs: opts.sampleMs ?? Math.max(100, 2 * opts.blockTimeMs) },
      ...(opts.log === undefined ? {} : { logger: opts.log }),
    })
    stops.push(() => manager.stop())

    // The poster follows the chain in process (its head subscription is a channel method).
    const postEvents: WindowPoStEvent[] = []
    let poster: WindowPoStService | undefined
    if (opts.postChallengeWindow !== undefined) {
      poster = windowPoStService({
        chain: createChainClient(devnetTransport(devnet)),
        proofs: opts.proofs,
        locate: dirLocator(persist),
        miners: [{ miner: created.miner, config: { challengeConfidence: 1, submitConfidence: 1 } }],
      })
      onAnyWindowPoStEvent(poster.events, (e) => postEvents.push(e))
      // The dashboard's PoSt table and proving-period wheel.
      onAnyWindowPoStEvent(
        poster.events,
        postResultListener((r) => manager.metrics.recordPost(r)),
      )
      await poster.start()
      const started = poster
      stops.push(() => started.stop())
    }

    // Before the block timer: the client's messages are mined here, one after another.
    const verified =
      verifiedCount > 0
        ? await onboardVerifiedPieces({
            devnet,
            manager,
            minerId: created.minerId,
            sectorSize: opts.sectorSize,
            count: verifiedCount,
            pieceDir,
          })
        : undefined

    // Mine only once the miner exists and the manager listens, so no epoch is wasted.
    const timer = setInterval(() => void devnet.mine(1).catch(() => {}), opts.blockTimeMs)
    stops.push(async () => clearInterval(timer))
    const pauseBlocks = () => clearInterval(timer)

    // Workers submit PreCommit/Proof, which needs `sign`; they get no more than that.
    const workerToken = await manager.auth?.issue('sign')
    const workers: SealingWorker[] = []
    const addWorker = async (
      threads: number,
      plan: string | undefined,
      onStep: ((worker: number, e: ThreadStepEvent) => void) | undefined,
    ): Promise<SealingWorker> => {
      const w = workers.length
      const dir = join(opts.home, `worker${w + 1}`)
      const stores: string[] = []
      for (let t = 0; t < threads; t++) {
        const s = join(dir, `store${t + 1}`)
        await prepareSealingStore(s)
        stores.push(s)
      }
      const text = demoWorkerConfigText({
        name: `demo-worker-${w + 1}`,
        managerUrl: manager.url,
        stores,
        persist,
        deals: verifiedCount > 0 || plan === 'snapup',
        plan,
      })
      const file = join(dir, 'venus-worker.toml')
      await writeFile(file, text)
      const worker = createSealingWorker({
        config: { ...parseWorkerConfig(text, file), recordSync: false },
        proofs: opts.proofs,
        controlApi: false,
        managerToken: workerToken,
        logger: opts.log,
      })
      if (onStep !== undefined) worker.events.on('thread:step', (e) => onStep(w, e))
      workers.push(worker)
      stops.push(() => worker.stop())
      return worker
    }
    const threadsPer = Math.max(1, Math.ceil(opts.sectors / opts.workers))
    for (let w = 0; w < opts.workers; w++) await addWorker(threadsPer, undefined, opts.onStep)
    for (const w of workers) await w.start()
    return {
      devnet,
      served,
      manager,
      workers,
      miner: { id: created.minerId, address: created.miner, owner: created.owner },
      chain,
      messager,
      poster,
      postEvents,
      verified,
      pieceDir,
      persist,
      startSnapWorker: async (threads, onStep) => {
        if (snapCount === 0) throw new VenusError('INTERNAL', 'the demo cluster was started without snap')
        const worker = await addWorker(threads, 'snapup', onStep)
        await worker.start()
        return worker
      },
      pauseBlocks,
      stop: stopAll,
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
