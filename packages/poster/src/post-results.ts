/** Scheduler events folded into one result per deadline, the shape the manager's metrics take. */
import type { WindowPoStEvent } from './events.js'

/** One deadline's outcome in the shape of the manager's `ManagerMetrics.recordPost`. */
export interface PosterDeadlineResult {
  miner: number
  deadline: number
  partitions: number
  durationMs: number
  ok: boolean
  skipped?: number
  error?: string
  messageCid?: string
  /** Epoch the deadline opened (tells which proving period the result belongs to). */
  open?: number
}

/**
 * Turns scheduler events into one result per deadline (proven or missed), e.g. to feed the
 * manager's metrics.
 *
 * @example
 * ```ts
 * onAnyWindowPoStEvent(poster.events, postResultListener((r) => metrics.recordPost(r)))
 * ```
 */
export function postResultListener(record: (r: PosterDeadlineResult) => void): (e: WindowPoStEvent) => void {
  const open = new Map<string, { started: number; partitions: Set<number>; skipped: number; cid?: string }>()
  const keyOf = (miner: string, o: number) => `${miner}@${o}`
  const minerId = (m: string) => Number(m.replace(/^[ft]0/, ''))
  return (e) => {
    if (e.type === 'proving-started') {
      open.set(keyOf(e.miner, e.open), { started: performance.now(), partitions: new Set(), skipped: 0 })
      return
    }
    if (!('open' in e) || e.open === undefined) return
    const s = open.get(keyOf(e.miner, e.open))
    if (!s) return
    if (e.type === 'sectors-skipped') s.skipped += e.sectors.length
    else if (e.type === 'submitted') {
      for (const p of e.partitions) s.partitions.add(p)
      s.cid = e.cid
    } else if (e.type === 'deadline-proven' || e.type === 'deadline-missed') {
      open.delete(keyOf(e.miner, e.open))
      record({
        miner: minerId(e.miner),
        deadline: e.deadline,
        partitions: s.partitions.size,
        durationMs: performance.now() - s.started,
        ok: e.type === 'deadline-proven',
        ...(s.skipped > 0 ? { skipped: s.skipped } : {}),
        ...(e.type === 'deadline-missed' ? { error: e.reason } : {}),
        ...(s.cid !== undefined ? { messageCid: s.cid } : {}),
        open: e.open,
      })
    } else if (e.type === 'lease-lost') {
      // Proven by the lease's new holder: this poster has no outcome to report.
      open.delete(keyOf(e.miner, e.open))
    }
  }
}
