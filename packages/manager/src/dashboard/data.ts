/** The JSON the dashboard page polls, assembled from the store, worker pings and metrics. */
import { formatFil, truncateText, workerSummaryToWire } from '@venus-cluster/core'
import { sectorToWire, type WireSectorState } from '../api/index.js'
import type { ManagerHealth } from '../health.js'
import type { SectorManager } from '../manager.js'
import type { SectorHistory, SectorHistoryEvent } from '../metrics/history.js'
import {
  type ManagerMetrics,
  type PostResult,
  sectorDisplayState,
  type TrackedMessage,
} from '../metrics/manager-metrics.js'
import type { ManagedSector } from '../sector.js'
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
  /** Sectors known in all; `sectors` is the page `offset`…`offset + limit` of them, newest first. */
  sectorsTotal: number
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
  /** The record as `Venus.FindSector` shows it. */
  state: WireSectorState
  history: SectorHistoryEvent[]
}

/** Bytes of a failure shown in a table row (the sector view shows up to {@link SECTOR_TEXT_BYTES}). */
const ROW_TEXT_BYTES = 512
/** Bytes of any one text in the sector view; records written before reports were bounded may hold more. */
const SECTOR_TEXT_BYTES = 8 * 1024
/** Bytes of a name (state, event, worker) shown anywhere. */
const NAME_BYTES = 256

function row(s: ManagedSector, online: boolean): DashboardSectorRow {
  const f = s.latestReport?.failure
  const name = (v: string | undefined) => (v ? truncateText(v, NAME_BYTES) : null)
  return {
    miner: s.id.miner,
    number: s.id.number,
    state: truncateText(sectorDisplayState(s, online), NAME_BYTES),
    online,
    worker: name(s.latestReport?.worker.instance),
    event: name(s.latestReport?.stateChange.event),
    failure: f
      ? truncateText(`${f.level}: ${f.description}`, ROW_TEXT_BYTES)
      : s.abortReason
        ? truncateText(s.abortReason, ROW_TEXT_BYTES)
        : null,
  }
}

/** The record as the sector view shows it, with its worker-sent texts cut for display. */
function boundedState(record: ManagedSector): WireSectorState {
  const s = sectorToWire(record)
  const l = s.LatestState
  const t = (v: string) => truncateText(v, SECTOR_TEXT_BYTES)
  const n = (v: string) => truncateText(v, NAME_BYTES)
  return {
    ...s,
    AbortReason: t(s.AbortReason),
    LatestState:
      l === null
        ? null
        : {
            Worker: { Instance: n(l.Worker.Instance), Location: t(l.Worker.Location) },
            StateChange: {
              Prev: n(l.StateChange.Prev),
              Next: n(l.StateChange.Next),
              Event: n(l.StateChange.Event),
            },
            Failure: l.Failure === null ? null : { Level: n(l.Failure.Level), Desc: t(l.Failure.Desc) },
          },
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

/** Rows kept per table so a large farm does not make the page slow (and the answer stays small). */
export const DASHBOARD_MAX_ROWS = 500
const MAX_ROWS = DASHBOARD_MAX_ROWS

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
  page: { offset?: number; limit?: number } = {},
): Promise<DashboardOverview> {
  const offset = Math.max(0, page.offset ?? 0)
  const limit = Math.min(MAX_ROWS, Math.max(0, page.limit ?? MAX_ROWS))
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
    sectorsTotal: rows.length,
    // Newest sectors first: that is what an operator watches.
    sectors: rows.sort((a, b) => b.number - a.number || a.miner - b.miner).slice(offset, offset + limit),
    workers: mgr.workers.known(online).map((w) => {
      // Unix seconds, as the original's WorkerInfo.LastPing.
      const seen = Math.max(w.lastPing ?? 0, w.lastReport ?? 0)
      return {
        name: w.name,
        dest: w.dest ?? null,
        summary: w.summary === undefined ? null : workerSummaryToWire(w.summary),
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
  const id = { miner, number }
  const got = await mgr.store.getSector(id)
  if (!got) return undefined
  return { row: row(got.state, got.online), state: boundedState(got.state), history: history.of(id) }
}
