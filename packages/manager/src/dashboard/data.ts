/** The JSON the dashboard page polls, assembled from the store, worker pings and metrics. */
import { formatFil } from '@venus-cluster/core'
import type { ManagerHealth } from '../health.js'
import type { SectorManager } from '../manager.js'
import type { SectorHistory, SectorHistoryEvent } from '../metrics/history.js'
import {
  type ManagerMetrics,
  type PostResult,
  sectorDisplayState,
  type TrackedMessage,
} from '../metrics/manager-metrics.js'
import type { SectorState } from '../sector-state.js'
import type { QueuedCommit } from '../store/types.js'

/** One row of the sector table. */
export interface DashboardSectorRow {
  miner: number
  number: number
  state: string
  online: boolean
  worker: string | null
  event: string | null
  failure: string | null
}

/** A chain message as the messages table shows it: amounts also in readable FIL units. */
export interface DashboardMessage extends TrackedMessage {
  /** `value` with a unit (`0.000123 FIL`, `5 nanoFIL`). */
  valueFil: string
  /** `maxFee` with a unit. */
  maxFeeFil: string
}

/** One row of the workers table: a pinging worker, or one known only from its reports. */
export interface DashboardWorker {
  name: string
  /** Control address from its pings; null when it never pinged (original workers) or reports none. */
  dest: string | null
  /** Thread counts of its last ping; null when it never pinged. */
  summary: { Threads: number; Empty: number; Paused: number; Errors: number } | null
  /** Online sectors whose last report came from it. */
  sectors: number
  /** Seconds since its last ping or report; null when known only from sector records. */
  ageSeconds: number | null
}

/** `GET /ui/api/overview`. */
export interface DashboardOverview {
  now: number
  /** `f` on mainnet, `t` elsewhere: how the page writes actor addresses and sector names. */
  addressPrefix: 'f' | 't'
  sectorsByState: { state: string; count: number }[]
  sectors: DashboardSectorRow[]
  workers: DashboardWorker[]
  queues: { pre: QueuedCommit[]; prove: QueuedCommit[] }
  messages: DashboardMessage[]
  post: PostResult[]
  /** Chain, messager and database health; the page shows a banner when not ready. */
  health: ManagerHealth | null
}

/** `GET /ui/api/sector?miner=&number=`. */
export interface DashboardSector {
  row: DashboardSectorRow
  state: SectorState
  history: SectorHistoryEvent[]
}

function row(s: SectorState, online: boolean): DashboardSectorRow {
  const f = s.LatestState?.Failure
  return {
    miner: s.ID.Miner,
    number: s.ID.Number,
    state: sectorDisplayState(s, online),
    online,
    worker: s.LatestState?.Worker.Instance || null,
    event: s.LatestState?.StateChange.Event || null,
    failure: f ? `${f.Level}: ${f.Desc}` : s.AbortReason || null,
  }
}

/** attoFIL as text in the largest unit that keeps it ≥ 1; what is not an integer is shown as is. */
function filText(atto: string): string {
  try {
    return formatFil(BigInt(atto), { unit: 'auto' })
  } catch {
    return atto
  }
}

/** Rows kept per table so a large farm does not make the page slow. */
const MAX_ROWS = 500

/**
 * Builds the overview from live state.
 *
 * @example
 * ```ts
 * const o = await dashboardOverview(manager, metrics)
 * ```
 */
export async function dashboardOverview(
  mgr: SectorManager,
  metrics: ManagerMetrics,
  health?: ManagerHealth,
): Promise<DashboardOverview> {
  const [online, offline, pre, prove, messages, addressPrefix] = await Promise.all([
    mgr.store.listSectors(true),
    mgr.store.listSectors(false),
    mgr.store.listQueue('pre'),
    mgr.store.listQueue('prove'),
    metrics.refreshMessages(),
    // Cached after the first answer; while the chain has never answered the page still works.
    mgr.networkParams().then(
      (p) => p.addressPrefix,
      () => 't' as const,
    ),
  ])
  const counts = new Map<string, number>()
  const rows = [...online.map((s) => row(s, true)), ...offline.map((s) => row(s, false))]
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1)
  const now = Date.now()
  return {
    now,
    addressPrefix,
    sectorsByState: [...counts]
      .map(([state, count]) => ({ state, count }))
      .sort((a, b) => a.state.localeCompare(b.state)),
    // Newest sectors first: that is what an operator watches.
    sectors: rows.sort((a, b) => b.number - a.number || a.miner - b.miner).slice(0, MAX_ROWS),
    workers: mgr.workers.known(online).map((w) => {
      // Unix seconds, as the original's WorkerInfo.LastPing.
      const seen = Math.max(w.lastPing ?? 0, w.lastReport ?? 0)
      return {
        name: w.name,
        dest: w.dest ?? null,
        summary: w.summary ?? null,
        sectors: w.sectors,
        ageSeconds: seen === 0 ? null : Math.max(0, Math.round(now / 1000 - seen)),
      }
    }),
    queues: { pre: pre.slice(0, MAX_ROWS), prove: prove.slice(0, MAX_ROWS) },
    messages: messages.slice(0, 100).map((m) => ({
      ...m,
      valueFil: filText(m.value),
      maxFeeFil: filText(m.maxFee),
    })),
    post: metrics.postResults().slice(0, 50),
    health: health ?? null,
  }
}

/**
 * One sector's record and history, or undefined when the manager does not know it.
 *
 * @example
 * ```ts
 * const s = await dashboardSector(manager, history, 1000, 1)
 * ```
 */
export async function dashboardSector(
  mgr: SectorManager,
  history: SectorHistory,
  miner: number,
  number: number,
): Promise<DashboardSector | undefined> {
  const id = { Miner: miner, Number: number }
  const got = await mgr.store.getSector(id)
  if (!got) return undefined
  return { row: row(got.state, got.online), state: got.state, history: history.of(id) }
}
