/**
 * The JSON behind the dashboard's plots (`GET /ui/api/charts`): the sampled trends from the
 * store turned into columns a chart draws directly, the stage-duration histogram, gas per day
 * with what batching saved, and the proving-period wheel of each miner.
 */
import { formatFil } from '@venus-cluster/core'
import type { SectorManager } from '../manager.js'
import type {
  ManagerMetrics,
  PostResult,
  StageDurations,
  TrackedMessage,
} from '../metrics/manager-metrics.js'
import type { PowerSample, WorkersSample } from '../telemetry/sampler.js'

/** Columns of a multi-line plot: `at` (Unix ms) and one array of values per name. */
export interface DashboardSeries {
  at: number[]
  lines: { name: string; values: (number | null)[] }[]
}

/** Gas and fee limits of one day's commit messages of one kind. */
export interface DashboardFeeDay {
  /** `YYYY-MM-DD` (UTC). */
  day: string
  kind: TrackedMessage['kind']
  messages: number
  sectors: number
  /** Gas used by those of them on chain. */
  gasUsed: number
  /** Total fee limit (attoFIL, decimal). */
  maxFee: string
  /** `maxFee` with a unit (`0.04 FIL`). */
  maxFeeFil: string
  /** Messages batching avoided (one per sector without it). */
  messagesSaved: number
  /**
   * Gas batching saved: sectors × the mean gas of this kind's single-sector messages that day,
   * less the gas used; null when there was no single-sector message to compare with.
   */
  gasSaved: number | null
}

/** One deadline of the proving-period wheel. */
export type WheelState = 'proven' | 'faulty' | 'noProof' | 'current' | 'upcoming'

/** A miner's proving period: the state of each of its deadlines now. */
export interface DashboardWheel {
  miner: number
  /** The deadline open now. */
  current: number
  deadlines: WheelState[]
}

/** `GET /ui/api/charts`. */
export interface DashboardCharts {
  now: number
  /** Start of the window shown (Unix ms). */
  since: number
  /** Sectors per hour reaching each state. */
  throughput: DashboardSeries
  /** Online sectors per state, and the two commit queues. */
  queues: DashboardSeries
  /** Sealing threads, sectors being sealed (one thread each), threads paused and in error. */
  workers: DashboardSeries
  /** Raw and QA power (bytes) per miner. */
  power: DashboardSeries
  stages: StageDurations
  fees: DashboardFeeDay[]
  wheels: DashboardWheel[]
}

/** Points read per series: a week at one sample a minute. */
const MAX_POINTS = 10_080
/** Names (states) per plot; the rest are summed as `other`. */
const MAX_LINES = 24
/**
 * Points per plot line sent to the page: a week of minute samples is averaged down to this many
 * (a plot is at most a few hundred pixels wide), which keeps the answer and the drawing small.
 */
export const MAX_PLOT_POINTS = 720

/** Rows averaged in consecutive buckets down to at most `max`, each at its bucket's last time. */
function thin<T extends { at: number; value: Record<string, number> }>(
  rows: T[],
  max = MAX_PLOT_POINTS,
): { at: number; value: Record<string, number> }[] {
  if (rows.length <= max) return rows
  const size = Math.ceil(rows.length / max)
  const out: { at: number; value: Record<string, number> }[] = []
  for (let i = 0; i < rows.length; i += size) {
    const bucket = rows.slice(i, i + size)
    const sum: Record<string, number> = {}
    for (const r of bucket) for (const [k, v] of Object.entries(r.value)) sum[k] = (sum[k] ?? 0) + v
    const last = bucket[bucket.length - 1] as T
    out.push({
      at: last.at,
      value: Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v / bucket.length])),
    })
  }
  return out
}

/** Every `n`-th sample (and the last), so a gauge keeps at most `max` points. */
function thinSamples<T>(samples: T[], max = MAX_PLOT_POINTS): T[] {
  if (samples.length <= max) return samples
  const step = Math.ceil(samples.length / max)
  return samples.filter((_, i) => i % step === step - 1 || i === samples.length - 1)
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

/** Rows of name → number objects as aligned columns (missing = 0), at most {@link MAX_LINES} names. */
function columns(rows: { at: number; value: Record<string, number> }[]): DashboardSeries {
  const totals = new Map<string, number>()
  for (const r of rows) for (const [k, v] of Object.entries(r.value)) totals.set(k, (totals.get(k) ?? 0) + v)
  const ranked = [...totals].sort((a, b) => b[1] - a[1]).map(([k]) => k)
  const kept = ranked.slice(0, MAX_LINES - (ranked.length > MAX_LINES ? 1 : 0)).sort()
  const other = ranked.length > kept.length
  const lines = kept.map((name) => ({ name, values: rows.map((r) => r.value[name] ?? 0) }))
  if (other)
    lines.push({
      name: 'other',
      values: rows.map((r) =>
        Object.entries(r.value)
          .filter(([k]) => !kept.includes(k))
          .reduce((a, [, v]) => a + v, 0),
      ),
    })
  return { at: rows.map((r) => r.at), lines }
}

const dayOf = (m: TrackedMessage) => new Date(m.createdAt).toISOString().slice(0, 10)

/**
 * Gas and fee limits per UTC day and kind, with what batching saved.
 *
 * @example
 * ```ts
 * feesPerDay(await metrics.refreshMessages())
 * // [{ day: '2026-12-07', kind: 'pre', messages: 1, sectors: 4, messagesSaved: 3, … }]
 * ```
 */
export function feesPerDay(messages: readonly TrackedMessage[]): DashboardFeeDay[] {
  const days = new Map<
    string,
    DashboardFeeDay & { singleGas: number; singles: number; fee: bigint; onChainSectors: number }
  >()
  for (const m of messages) {
    const day = dayOf(m)
    const key = `${day}/${m.kind}`
    let d = days.get(key)
    if (d === undefined) {
      d = {
        day,
        kind: m.kind,
        messages: 0,
        sectors: 0,
        gasUsed: 0,
        maxFee: '0',
        maxFeeFil: '0 FIL',
        messagesSaved: 0,
        gasSaved: null,
        singleGas: 0,
        singles: 0,
        fee: 0n,
        onChainSectors: 0,
      }
      days.set(key, d)
    }
    d.messages++
    d.sectors += m.sectors
    d.messagesSaved += Math.max(0, m.sectors - 1)
    try {
      d.fee += BigInt(m.maxFee)
    } catch {
      // Not an integer: left out of the sum.
    }
    if (m.gasUsed !== undefined) {
      d.gasUsed += m.gasUsed
      d.onChainSectors += m.sectors
      if (m.sectors === 1) {
        d.singleGas += m.gasUsed
        d.singles++
      }
    }
  }
  return [...days.values()]
    .map(({ singleGas, singles, fee, onChainSectors, ...d }) => ({
      ...d,
      maxFee: fee.toString(),
      maxFeeFil: formatFil(fee, { unit: 'auto' }),
      gasSaved: singles === 0 ? null : Math.round((singleGas / singles) * onChainSectors - d.gasUsed),
    }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.kind.localeCompare(b.kind))
}

/**
 * The state of each deadline of the current proving period from the poster's results: proven
 * (a proof landed), faulty (missed, or sectors skipped as faulty), no proof (past, nothing
 * recorded: an empty deadline or one this manager's poster did not prove), current, upcoming.
 *
 * @example
 * ```ts
 * wheelOf(1000, { index: 3, deadlines: 48, periodStart: 100, challengeWindow: 60 }, results)
 * ```
 */
export function wheelOf(
  miner: number,
  dl: {
    index: number
    deadlines: number
    periodStart?: number | undefined
    challengeWindow?: number | undefined
  },
  results: readonly PostResult[],
): DashboardWheel {
  const n = Math.max(1, Math.min(dl.deadlines, 96))
  const ofPeriod = new Map<number, PostResult>()
  for (const r of results) {
    if (r.miner !== miner || r.deadline >= n) continue
    if (dl.periodStart !== undefined && dl.challengeWindow !== undefined) {
      // Only results of this period: the deadline must have opened at its epoch in it.
      if (r.open !== dl.periodStart + r.deadline * dl.challengeWindow) continue
    }
    // Results are newest first: keep the newest per deadline.
    if (!ofPeriod.has(r.deadline)) ofPeriod.set(r.deadline, r)
  }
  const periodKnown = dl.periodStart !== undefined && dl.challengeWindow !== undefined
  const deadlines: WheelState[] = []
  for (let i = 0; i < n; i++) {
    const r = ofPeriod.get(i)
    if (i > dl.index) deadlines.push('upcoming')
    else if (r !== undefined && periodKnown) deadlines.push(r.ok && !r.skipped ? 'proven' : 'faulty')
    else deadlines.push(i === dl.index ? 'current' : 'noProof')
  }
  return { miner, current: dl.index, deadlines }
}

/**
 * Builds the charts' data for the last `windowMs`.
 *
 * @example
 * ```ts
 * const charts = await dashboardCharts(manager, metrics, 24 * 3_600_000)
 * ```
 */
export async function dashboardCharts(
  mgr: SectorManager,
  metrics: ManagerMetrics,
  windowMs: number,
): Promise<DashboardCharts> {
  const now = Date.now()
  const since = now - windowMs
  const miners = mgr.config.miners.map((m) => m.actor)
  const read = (series: string) => mgr.store.listSamples(series, since, MAX_POINTS)
  const [sectors, throughput, queues, workers, power, messages, deadlines] = await Promise.all([
    read('sectors'),
    read('throughput'),
    read('queues'),
    read('workers'),
    Promise.all(miners.map(async (miner) => ({ miner, samples: await read(`power/${miner}`) }))),
    metrics.refreshMessages(),
    Promise.all(
      miners.map((miner) =>
        mgr.chain.provingDeadline
          ? mgr.chain.provingDeadline(miner).then(
              (d) => ({ miner, d }),
              () => undefined,
            )
          : undefined,
      ),
    ),
  ])
  const rowsOf = (samples: { at: number; value: unknown }[]) =>
    samples.map((s) => ({
      at: s.at,
      value: Object.fromEntries(Object.entries(record(s.value)).map(([k, v]) => [k, num(v)])),
    }))
  // Counts per interval as a rate: sectors per hour over the gap since the previous sample.
  const rates = rowsOf(throughput).map((r, i, all) => {
    const prev = all[i - 1]
    const hours = prev === undefined ? 0 : (r.at - prev.at) / 3_600_000
    return {
      at: r.at,
      value: Object.fromEntries(Object.entries(r.value).map(([k, v]) => [k, hours > 0 ? v / hours : 0])),
    }
  })
  const queueRows = rowsOf(sectors).map((r) => ({ at: r.at, value: r.value }))
  const commit = new Map(rowsOf(queues).map((r) => [r.at, r.value]))
  for (const r of queueRows) {
    const q = commit.get(r.at)
    r.value = { ...r.value, 'queue: precommit': q?.pre ?? 0, 'queue: prove-commit': q?.prove ?? 0 }
  }
  const workerRows = thin(rowsOf(workers)) as {
    at: number
    value: Partial<Record<keyof WorkersSample, number>>
  }[]
  // Power of several miners on one time axis: the union of their sample times.
  const powerThin = power.map((p) => ({ miner: p.miner, samples: thinSamples(p.samples) }))
  const powerAt = [...new Set(powerThin.flatMap((p) => p.samples.map((s) => s.at)))].sort((a, b) => a - b)
  const powerLines = powerThin.flatMap(({ miner, samples }) => {
    const byAt = new Map(samples.map((s) => [s.at, record(s.value) as Partial<PowerSample>]))
    const col = (k: keyof PowerSample) =>
      powerAt.map((at) => {
        const v = byAt.get(at)?.[k]
        return v === undefined ? null : Number(v)
      })
    return [
      { name: `raw t0${miner}`, values: col('raw') },
      { name: `QA t0${miner}`, values: col('qa') },
    ]
  })
  return {
    now,
    since,
    throughput: columns(thin(rates.slice(1))),
    queues: columns(thin(queueRows)),
    workers: {
      at: workerRows.map((r) => r.at),
      lines: (['threads', 'sealing', 'paused', 'errors'] as const).map((k) => ({
        name: k,
        values: workerRows.map((r) => r.value[k] ?? 0),
      })),
    },
    power: { at: powerAt, lines: powerLines },
    stages: metrics.stageDurations(),
    fees: feesPerDay(messages.filter((m) => m.createdAt >= now - 30 * 24 * 3_600_000)),
    wheels: deadlines.flatMap((x) => (x === undefined ? [] : [wheelOf(x.miner, x.d, metrics.postResults())])),
  }
}
