/**
 * The dashboard's trends: every interval the manager writes what operators watch over time into
 * its database (so the plots survive a restart and every manager sharing PostgreSQL sees them),
 * and drops what is older than the retention in the same transaction.
 *
 * Series (one JSON sample each per interval):
 * - `sectors`: online sectors per state (how deep each stage's queue is);
 * - `throughput`: state changes reported per state since the previous sample, and `Finalized`
 *   (sectors per interval through each stage);
 * - `queues`: sectors waiting in the precommit and prove-commit queues;
 * - `workers`: sealing threads of all pinging workers (from their last ping), the sectors being
 *   sealed (each holds one thread, so sealing / threads is the workers' utilisation), and the
 *   threads paused or in error;
 * - `power/<miner>`: the miner's raw and quality-adjusted power from the chain (bytes, strings).
 */
import type { Startable } from '@venus-cluster/core'
import type { SectorManager } from '../manager.js'
import type { TelemetrySample } from '../store/types.js'

/** Options of {@link TelemetrySampler}. */
export interface TelemetrySamplerOptions {
  manager: SectorManager
  /** Milliseconds between samples (default 60 000). */
  intervalMs?: number | undefined
  /** Milliseconds a sample is kept (default 30 days). */
  retentionMs?: number | undefined
  /** Clock (tests). */
  now?: (() => number) | undefined
}

/** The value of a `workers` sample. */
export interface WorkersSample {
  threads: number
  /** Online sectors: each is held by one sealing thread. */
  sealing: number
  paused: number
  errors: number
}

/** The value of a `power/<miner>` sample: bytes as decimal strings (they pass 2^53). */
export interface PowerSample {
  raw: string
  qa: string
}

/** Series names the sampler writes (besides `power/<miner>`). */
export const TELEMETRY_SERIES = ['sectors', 'throughput', 'queues', 'workers'] as const

/** Distinct state names counted between two samples; more are counted as `other`. */
const MAX_STATES = 100

/**
 * Samples the manager's trends into its store.
 *
 * @example
 * ```ts
 * const sampler = new TelemetrySampler({ manager, intervalMs: 60_000 })
 * await sampler.start()
 * const last = await manager.store.listSamples('queues', Date.now() - 3_600_000)
 * ```
 */
export class TelemetrySampler implements Startable {
  readonly intervalMs: number
  readonly retentionMs: number
  readonly #mgr: SectorManager
  readonly #now: () => number
  #passed = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #unsubscribe: (() => void)[] = []

  constructor(opts: TelemetrySamplerOptions) {
    this.#mgr = opts.manager
    this.intervalMs = opts.intervalMs ?? 60_000
    this.retentionMs = opts.retentionMs ?? 30 * 24 * 3_600_000
    this.#now = opts.now ?? Date.now
    if (!(this.intervalMs >= 10) || !(this.retentionMs >= this.intervalMs))
      throw new RangeError('telemetry: intervalMs must be >= 10 and retentionMs >= intervalMs')
  }

  #count(state: string): void {
    const key = this.#passed.has(state) || this.#passed.size < MAX_STATES ? state : 'other'
    this.#passed.set(key, (this.#passed.get(key) ?? 0) + 1)
  }

  async start(): Promise<void> {
    if (this.#timer !== undefined) return
    this.#unsubscribe = [
      this.#mgr.on('sector:state', (e) => this.#count(e.report.stateChange.next || 'Allocated')),
      this.#mgr.on('sector:finalized', () => this.#count('Finalized')),
    ]
    this.#timer = setInterval(() => {
      this.#running ??= this.sample()
        .catch((err) => this.#mgr.context.log.warn({ err }, 'telemetry sample failed'))
        .finally(() => {
          this.#running = undefined
        })
    }, this.intervalMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    for (const u of this.#unsubscribe) u()
    this.#unsubscribe = []
    await this.#running
  }

  /** Takes one sample of every series now (the timer calls it; tests may too). */
  async sample(): Promise<void> {
    const mgr = this.#mgr
    const at = this.#now()
    const throughput = Object.fromEntries(this.#passed)
    this.#passed = new Map()
    // Counts from the store's index, not the records: a farm has one online record per thread.
    const [counts, pre, prove] = await Promise.all([
      mgr.store.countSectors(),
      mgr.store.listQueue('pre'),
      mgr.store.listQueue('prove'),
    ])
    const sectors: Record<string, number> = {}
    let sealing = 0
    for (const c of counts) {
      if (!c.online) continue
      sectors[c.state] = (sectors[c.state] ?? 0) + c.count
      sealing += c.count
    }
    // Pings come every few minutes, so their thread states lag; the records say what is sealing now.
    const workers: WorkersSample = { threads: 0, sealing, paused: 0, errors: 0 }
    for (const p of mgr.workers.pings()) {
      workers.threads += p.summary.threads
      workers.paused += p.summary.paused
      workers.errors += p.summary.errors
    }
    const samples: TelemetrySample[] = [
      { series: 'sectors', at, value: sectors },
      { series: 'throughput', at, value: throughput },
      { series: 'queues', at, value: { pre: pre.length, prove: prove.length } },
      { series: 'workers', at, value: workers },
    ]
    const power = mgr.chain.minerPower?.bind(mgr.chain)
    if (power !== undefined) {
      const miners = mgr.config.miners.map((m) => m.actor)
      const read = await Promise.all(
        miners.map((miner) =>
          power(miner).then(
            (p) => ({ miner, p }),
            // The chain node is down or does not know the miner yet: no point this time.
            () => undefined,
          ),
        ),
      )
      for (const r of read)
        if (r !== undefined)
          samples.push({
            series: `power/${r.miner}`,
            at,
            value: { raw: r.p.raw.toString(), qa: r.p.qa.toString() } satisfies PowerSample,
          })
    }
    await mgr.store.appendSamples(samples, at - this.retentionMs)
  }
}
