/**
 * Prometheus metrics of the manager (prom-client): sectors per state, stage durations, RPC
 * latency per method, commit batch sizes, message gas and fees, and WindowPoSt results fed by
 * the poster through {@link ManagerMetrics.recordPost}.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { SectorManager } from '../manager.js'
import { sectorDisplayState } from '../sector.js'
import type { StoredMessage } from '../store/types.js'
import { type PostHaMetrics, registerPostHaMetrics } from './post-ha-metrics.js'

/** One WindowPoSt attempt as the poster reports it. */
export interface PostResult {
  miner: number
  deadline: number
  partitions: number
  /** Proving time, milliseconds. */
  durationMs: number
  ok: boolean
  /** Skipped (faulty) sectors. */
  skipped?: number | undefined
  error?: string | undefined
  /** Message CID when submitted. */
  messageCid?: string | undefined
  /** Unix milliseconds; default now. */
  at?: number | undefined
  /** Epoch the deadline opened: which proving period the result is of (the dashboard's wheel). */
  open?: number | undefined
}

/** A commit message with what the dashboard and metrics know about it. */
export interface TrackedMessage {
  uid: string
  miner: number
  kind: StoredMessage['kind']
  sectors: number
  state: StoredMessage['state'] | 'onchain' | 'failed'
  createdAt: number
  value: string
  maxFee: string
  maxFeeCap: string
  gasUsed?: number | undefined
  exitCode?: number | undefined
  signedCid?: string | undefined
}

/** The manager's metrics registry and the feeds the daemon, API wrapper and poster use. */
export interface ManagerMetrics {
  readonly registry: Registry
  /** WindowPoSt across managers: leases, errors, lateness, PoSt worker jobs. */
  readonly postHa: PostHaMetrics
  /** Observes one RPC call. */
  observeRpc(method: string, seconds: number, ok: boolean): void
  /** Observes how long a sector stayed in `stage`. */
  observeStage(stage: string, seconds: number): void
  /**
   * How long sectors stayed in each stage since the manager started: for each stage the number of
   * stays per bucket of {@link STAGE_BUCKETS} (a stay counts in the first bucket it fits; the last
   * count is the stays longer than every bucket), their count and total seconds.
   */
  stageDurations(): StageDurations
  /** Feeds one WindowPoSt result (the poster calls this). */
  recordPost(r: PostResult): void
  /** The latest PoSt results, newest first. */
  postResults(): PostResult[]
  /** Refreshes message tracking (batch sizes, gas) from the store and messager; bounded work. */
  refreshMessages(): Promise<TrackedMessage[]>
  /** Prometheus text exposition (refreshes message tracking first). */
  scrape(): Promise<string>
  readonly contentType: string
}

/** Options of {@link createManagerMetrics}. */
export interface ManagerMetricsOptions {
  /** Without it the sector, worker and message gauges stay empty (poster-only use). */
  manager?: SectorManager | undefined
  /** Include Node.js process metrics (default true). */
  processMetrics?: boolean | undefined
  /** PoSt results kept for the dashboard (default 100). */
  keepPostResults?: number | undefined
  /** Messager status look-ups per refresh (default 20). */
  lookupsPerRefresh?: number | undefined
  /**
   * Newest commit messages followed for the dashboard and the message metrics (default 1000).
   * The store keeps every message ever sent; only these are read and held.
   */
  keepMessages?: number | undefined
  /**
   * Distinct `stage` labels of the stage-duration histogram (default 100). Stage names come from
   * workers' reports; past this many, new ones are counted under `other`, so a stream of made-up
   * names cannot grow the registry without end.
   */
  maxStages?: number | undefined
}

/** Messages read first on each refresh of the message metrics. */
const FIRST_READ = 64

/** Upper bounds (seconds) of the stage-duration histogram's buckets. */
export const STAGE_BUCKETS = [0.01, 0.1, 1, 5, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400]

/** See {@link ManagerMetrics.stageDurations}. */
export interface StageDurations {
  /** Upper bounds in seconds; `counts` has one more entry, for stays longer than the last. */
  buckets: readonly number[]
  stages: { stage: string; counts: number[]; count: number; seconds: number }[]
}

const RPC_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30]
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 819]
const GAS_BUCKETS = [1e6, 5e6, 1e7, 5e7, 1e8, 5e8, 1e9, 5e9, 1e10]
const POST_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800]

export { sectorDisplayState }

/**
 * Creates the manager's registry. Gauges read the store at scrape time, so they are always
 * current without hooks in the manager.
 *
 * @example
 * ```ts
 * const metrics = createManagerMetrics({ manager })
 * res.end(await metrics.scrape())
 * ```
 */
export function createManagerMetrics(opts: ManagerMetricsOptions = {}): ManagerMetrics {
  const registry = new Registry()
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'venus_manager_' })
  const mgr = opts.manager
  const keepPost = opts.keepPostResults ?? 100
  const lookups = opts.lookupsPerRefresh ?? 20
  const keepMessages = opts.keepMessages ?? 1000
  const posts: PostResult[] = []
  const tracked = new Map<string, TrackedMessage>()
  const maxStages = opts.maxStages ?? 100
  const stages = new Set<string>()
  const stageHist = new Map<string, { counts: number[]; count: number; seconds: number }>()

  new Gauge({
    name: 'venus_sectors',
    help: 'Sectors per state (online: last reported state; offline: Finalized or Aborted)',
    labelNames: ['miner', 'state'],
    registers: [registry],
    async collect() {
      this.reset()
      if (!mgr) return
      // Counted by the store from its indexes and counters: no record is read.
      for (const c of await mgr.store.countSectors())
        this.inc({ miner: String(c.miner), state: c.state }, c.count)
    },
  })
  new Gauge({
    name: 'venus_commit_queue_sectors',
    help: 'Sectors waiting in a commit queue',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset()
      if (!mgr) return
      for (const kind of ['pre', 'prove'] as const) this.set({ kind }, await mgr.store.countQueue(kind))
    },
  })
  new Gauge({
    name: 'venus_worker_threads',
    help: 'Sealing threads of each worker from its last WorkerPing',
    labelNames: ['worker', 'kind'],
    registers: [registry],
    collect() {
      this.reset()
      if (!mgr) return
      for (const p of mgr.workers.pings()) {
        const s = p.summary
        for (const [kind, v] of Object.entries({
          total: s.threads,
          empty: s.empty,
          paused: s.paused,
          errors: s.errors,
        }))
          this.set({ worker: p.name, kind }, v)
      }
    },
  })
  new Gauge({
    name: 'venus_worker_last_ping_age_seconds',
    help: 'Seconds since each worker last pinged',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset()
      if (!mgr) return
      // lastPing is Unix seconds (as the original's WorkerInfo).
      const now = Date.now() / 1000
      for (const p of mgr.workers.pings()) this.set({ worker: p.name }, Math.max(0, now - p.lastPing))
    },
  })
  const stage = new Histogram({
    name: 'venus_sector_stage_duration_seconds',
    help: 'Time a sector spent in a sealing state, from its state reports',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers: [registry],
  })
  const rpc = new Histogram({
    name: 'venus_rpc_request_duration_seconds',
    help: 'Venus.* call latency',
    labelNames: ['method', 'outcome'],
    buckets: RPC_BUCKETS,
    registers: [registry],
  })
  const batch = new Histogram({
    name: 'venus_commit_batch_sectors',
    help: 'Sectors per commit message',
    labelNames: ['kind'],
    buckets: BATCH_BUCKETS,
    registers: [registry],
  })
  const messages = new Counter({
    name: 'venus_commit_messages_total',
    help: 'Commit messages by kind and outcome',
    labelNames: ['kind', 'state'],
    registers: [registry],
  })
  const gas = new Histogram({
    name: 'venus_message_gas_used',
    help: 'Gas used by landed commit messages',
    labelNames: ['kind'],
    buckets: GAS_BUCKETS,
    registers: [registry],
  })
  const value = new Counter({
    name: 'venus_message_value_attofil_total',
    help: 'Value (deposits, pledge) sent with commit messages, attoFIL',
    labelNames: ['kind'],
    registers: [registry],
  })
  const maxFee = new Counter({
    name: 'venus_message_max_fee_attofil_total',
    help: 'Fee limit of commit messages, attoFIL',
    labelNames: ['kind'],
    registers: [registry],
  })
  const postDuration = new Histogram({
    name: 'venus_wdpost_duration_seconds',
    help: 'WindowPoSt proving time per deadline',
    labelNames: ['miner'],
    buckets: POST_BUCKETS,
    registers: [registry],
  })
  const postTotal = new Counter({
    name: 'venus_wdpost_results_total',
    help: 'WindowPoSt attempts by result',
    labelNames: ['miner', 'result'],
    registers: [registry],
  })
  const postSkipped = new Counter({
    name: 'venus_wdpost_skipped_sectors_total',
    help: 'Sectors skipped (faulty) in WindowPoSt',
    labelNames: ['miner'],
    registers: [registry],
  })

  async function refreshMessages(): Promise<TrackedMessage[]> {
    if (!mgr) return []
    // The newest few messages: they hold every new one and every recent change of state. More
    // (up to `keepMessages`) only when all of those are new (a burst since the last refresh) or
    // a message still 'created' here is older than them (its push is not seen otherwise).
    const readMore = (recent: StoredMessage[], limit: number): boolean => {
      if (recent.length < limit || limit >= keepMessages) return false
      if (recent.every((m) => !tracked.has(m.uid))) return true
      const seen = new Set(recent.map((m) => m.uid))
      for (const t of tracked.values()) if (t.state === 'created' && !seen.has(t.uid)) return true
      return false
    }
    let limit = Math.min(FIRST_READ, keepMessages)
    let recent = await mgr.store.listRecentMessages(limit)
    while (readMore(recent, limit)) {
      limit = Math.min(keepMessages, limit * 4)
      recent = await mgr.store.listRecentMessages(limit)
    }
    // Oldest first, so the map stays in creation order and the oldest are dropped first.
    for (const m of recent.reverse()) {
      const known = tracked.get(m.uid)
      if (known) {
        if (known.state === 'created' && m.state === 'pushed') known.state = 'pushed'
        continue
      }
      const body = (m.body ?? {}) as { Value?: string; Spec?: { MaxFee?: string; MaxFeeCap?: string } }
      const t: TrackedMessage = {
        uid: m.uid,
        miner: m.miner,
        kind: m.kind,
        sectors: m.sectors.length,
        state: m.state,
        createdAt: m.createdAt,
        value: body.Value ?? '0',
        maxFee: body.Spec?.MaxFee ?? '0',
        maxFeeCap: body.Spec?.MaxFeeCap ?? '0',
      }
      tracked.set(m.uid, t)
      batch.observe({ kind: m.kind }, t.sectors)
      messages.inc({ kind: m.kind, state: 'created' })
      value.inc({ kind: m.kind }, safeNumber(t.value))
      maxFee.inc({ kind: m.kind }, safeNumber(t.maxFee))
    }
    for (const uid of tracked.keys()) {
      if (tracked.size <= keepMessages) break
      tracked.delete(uid)
    }
    let budget = lookups
    for (const t of tracked.values()) {
      if (budget <= 0) break
      if (t.state !== 'pushed') continue
      budget--
      try {
        const st = await mgr.messager.getMessageByUid(t.uid)
        if (st.signedCid) t.signedCid = st.signedCid
        if (st.state === 'onchain' || st.state === 'failed') {
          t.state = st.state
          messages.inc({ kind: t.kind, state: st.state })
          if (st.receipt) {
            t.gasUsed = st.receipt.gasUsed
            t.exitCode = st.receipt.exitCode
            gas.observe({ kind: t.kind }, st.receipt.gasUsed)
          }
        }
      } catch {
        // The messager may be briefly unreachable; the next refresh retries.
      }
    }
    return [...tracked.values()].sort((a, b) => b.createdAt - a.createdAt)
  }

  new Gauge({
    name: 'venus_commit_messages_tracked',
    help: 'Commit messages known to the manager, by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const t of tracked.values()) this.inc({ state: t.state })
    },
  })

  const postHa = registerPostHaMetrics(registry)
  return {
    registry,
    postHa,
    contentType: registry.contentType,
    observeRpc(method, seconds, ok) {
      rpc.observe({ method, outcome: ok ? 'ok' : 'error' }, seconds)
    },
    observeStage(name, seconds) {
      if (!stages.has(name)) {
        if (stages.size >= maxStages) name = 'other'
        else stages.add(name)
      }
      stage.observe({ stage: name }, seconds)
      let h = stageHist.get(name)
      if (h === undefined) {
        h = { counts: new Array<number>(STAGE_BUCKETS.length + 1).fill(0), count: 0, seconds: 0 }
        stageHist.set(name, h)
      }
      const i = STAGE_BUCKETS.findIndex((b) => seconds <= b)
      const slot = i === -1 ? STAGE_BUCKETS.length : i
      h.counts[slot] = (h.counts[slot] ?? 0) + 1
      h.count++
      h.seconds += seconds
    },
    stageDurations() {
      return {
        buckets: STAGE_BUCKETS,
        stages: [...stageHist]
          .map(([stage, h]) => ({ stage, counts: [...h.counts], count: h.count, seconds: h.seconds }))
          .sort((a, b) => a.stage.localeCompare(b.stage)),
      }
    },
    recordPost(r) {
      const miner = String(r.miner)
      postDuration.observe({ miner }, r.durationMs / 1000)
      postTotal.inc({ miner, result: r.ok ? 'ok' : 'failed' })
      if (r.skipped) postSkipped.inc({ miner }, r.skipped)
      posts.unshift({ ...r, at: r.at ?? Date.now() })
      if (posts.length > keepPost) posts.length = keepPost
    },
    postResults: () => [...posts],
    refreshMessages,
    async scrape() {
      // Refresh first so every message metric in this scrape sees the same state.
      await refreshMessages()
      return registry.metrics()
    },
  }
}

function safeNumber(attoFil: string): number {
  try {
    return Number(BigInt(attoFil))
  } catch {
    return 0
  }
}
