/** The JSON the dashboard page polls, assembled from the store, worker pings and metrics. */
import { formatFil, truncateText, workerSummaryToWire } from '@venus-cluster/core'
import { sectorToWire, type WireSectorState } from '../api/index.js'
import type { ManagerHealth } from '../health.js'
import type { SectorManager } from '../manager.js'
import type { SectorHistory, SectorHistoryEvent } from '../metrics/history.js'
import type { ManagerMetrics, PostResult, TrackedMessage } from '../metrics/manager-metrics.js'
import { type ManagedSector, sectorDisplayState } from '../sector.js'
import type { PostLeaseRow } from '../store/post-types.js'
import type { QueuedCommit, RepairTask, SectorSummary } from '../store/types.js'

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

/** A sector to repair, or one being repaired: what a check found, what to do, the task's state. */
export interface DashboardRepairRow {
  miner: number
  number: number
  /** Piece CID of an unseal task; '' otherwise. */
  piece: string
  /** What the poster's check found; null for a task queued without one (an operator's unseal). */
  problem: string | null
  /** `rebuild`, `rebuild-cache`, `reindex`, `check-storage`, or the task's kind. */
  action: string
  /** `queued`, `running`, `done`, `failed`, or null when nothing is queued. */
  task: string | null
  worker: string | null
  /** Why the task failed, or what the auto-rebuild policy said. */
  note: string | null
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
  /** Sectors the poster's checks found bad, and repair tasks (newest first). */
  repairs: DashboardRepairRow[]
  /** Deadline leases, newest first: which manager proves each deadline (several managers on one database). */
  leases: PostLeaseRow[]
  /** PoSt worker jobs not yet succeeded, newest first, with their sector and fault counts. */
  postJobs: {
    id: string
    miner: number
    deadline: number
    state: string
    worker: string
    tries: number
    sectors: number
    faults: number
    error: string
  }[]
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

function row(s: SectorSummary): DashboardSectorRow {
  const f = s.failure
  const name = (v: string | null) => (v ? truncateText(v, NAME_BYTES) : null)
  return {
    miner: s.id.miner,
    number: s.id.number,
    state: truncateText(s.state, NAME_BYTES),
    online: s.online,
    worker: name(s.worker),
    event: name(s.event),
    failure: f
      ? truncateText(`${f.level}: ${f.description}`, ROW_TEXT_BYTES)
      : s.abortReason
        ? truncateText(s.abortReason, ROW_TEXT_BYTES)
        : null,
  }
}

/** The summary of a whole record (the sector view has the record). */
function summaryOf(s: ManagedSector, online: boolean): SectorSummary {
  const r = s.latestReport
  return {
    id: s.id,
    online,
    state: sectorDisplayState(s, online),
    worker: r?.worker.instance ?? null,
    event: r?.stateChange.event ?? null,
    failure: r?.failure ?? null,
    abortReason: s.abortReason,
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
  // Every read is a page or a count from an index: the page costs the same at a million records.
  const [counts, recent, byWorker, pre, prove, messages, addressPrefix, leases, postJobs, tasks] =
    await Promise.all([
      mgr.store.countSectors(),
      limit === 0 ? [] : mgr.store.listRecentSectors({ offset, limit }),
      mgr.store.countSectorsByWorker(),
      mgr.store.listQueue('pre', undefined, MAX_ROWS),
      mgr.store.listQueue('prove', undefined, MAX_ROWS),
      metrics.refreshMessages(),
      // Cached after the first answer; while the chain has never answered the page still works.
      mgr.networkParams().then(
        (p) => p.addressPrefix,
        () => 't' as const,
      ),
      mgr.store.post.listLeases({ limit: 50 }),
      mgr.store.post.listJobs({ limit: 50 }),
      mgr.repair.recent({ limit: MAX_ROWS }),
    ])
  const byState = new Map<string, number>()
  let total = 0
  for (const c of counts) {
    const state = truncateText(c.state, NAME_BYTES)
    byState.set(state, (byState.get(state) ?? 0) + c.count)
    total += c.count
  }
  const now = Date.now()
  return {
    now,
    addressPrefix,
    sectorsByState: [...byState]
      .map(([state, count]) => ({ state, count }))
      .sort((a, b) => a.state.localeCompare(b.state)),
    sectorsTotal: total,
    // Newest sectors first: that is what an operator watches.
    sectors: recent.map(row),
    workers: mgr.workers.known(byWorker).map((w) => {
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
    queues: { pre, prove },
    messages: messages.slice(0, 100).map((m) => ({
      ...m,
      valueFil: filText(m.value),
      maxFeeFil: filText(m.maxFee),
    })),
    post: metrics.postResults().slice(0, 50),
    leases,
    postJobs: postJobs.map((j) => ({
      id: j.id,
      miner: j.miner,
      deadline: j.deadline,
      state: j.state,
      worker: truncateText(j.workerName, NAME_BYTES),
      tries: j.tryNum,
      sectors: j.input.sectors.length,
      faults: j.output?.faults.length ?? 0,
      error: truncateText(j.errorReason, ROW_TEXT_BYTES),
    })),
    repairs: await repairRows(mgr, tasks),
    health: health ?? null,
  }
}

/**
 * The bad sectors with their rebuild task (if any), then the recent tasks no check asked for;
 * bounded: at most a page of problems, each task read by key, and the page of recent tasks.
 */
async function repairRows(mgr: SectorManager, tasks: readonly RepairTask[]): Promise<DashboardRepairRow[]> {
  const t = (v: string) => truncateText(v, ROW_TEXT_BYTES)
  const key = (x: { id: { miner: number; number: number } }) => `${x.id.miner}/${x.id.number}`
  const rebuilds = new Map(tasks.filter((x) => x.kind === 'rebuild').map((x) => [key(x), x]))
  const problems = mgr.repair.problems.list().slice(0, MAX_ROWS)
  // A problem whose task changed long ago is not in the page of recent tasks: read it by key.
  const older = await Promise.all(
    problems.filter((p) => !rebuilds.has(key(p))).map((p) => mgr.repair.get('rebuild', p.id)),
  )
  for (const x of older) if (x !== undefined) rebuilds.set(key(x), x)
  const rows: DashboardRepairRow[] = []
  const shown = new Set<RepairTask>()
  for (const p of problems) {
    const task = rebuilds.get(key(p))
    if (task !== undefined) shown.add(task)
    rows.push({
      miner: p.id.miner,
      number: p.id.number,
      piece: '',
      problem: t(p.reason),
      action: p.action,
      task: task?.state ?? null,
      worker: task?.worker || null,
      note: task?.error ? t(task.error) : p.policy === undefined ? null : t(p.policy),
    })
  }
  for (const x of tasks) {
    if (shown.has(x)) continue
    rows.push({
      miner: x.id.miner,
      number: x.id.number,
      piece: x.piece,
      problem: null,
      action: x.kind,
      task: x.state,
      worker: x.worker || null,
      note: x.error ? t(x.error) : null,
    })
  }
  return rows.slice(0, MAX_ROWS)
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
  return {
    row: row(summaryOf(got.state, got.online)),
    state: boundedState(got.state),
    history: history.of(id),
  }
}
