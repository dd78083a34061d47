/**
 * Deadline bookkeeping the miner actor does for itself (proving-period seed, current deadline,
 * which deadlines are mutable). The JSON `dline.Info` the API serves is built from these numbers.
 */
import type { DevnetParams } from './params.js'

/** The fields of go-state-types `dline.Info` plus the derived flags the actor uses. */
export interface DeadlineInfo {
  currentEpoch: number
  periodStart: number
  index: number
  open: number
  close: number
  challenge: number
  faultCutoff: number
}

/** `dline.NewInfo` (spec §3.2). */
export function deadlineInfo(p: DevnetParams, periodStart: number, index: number, cur: number): DeadlineInfo {
  if (index < p.wpostPeriodDeadlines) {
    const open = periodStart + index * p.wpostChallengeWindow
    return {
      currentEpoch: cur,
      periodStart,
      index,
      open,
      close: open + p.wpostChallengeWindow,
      challenge: open - p.wpostChallengeLookback,
      faultCutoff: open - p.faultDeclarationCutoff,
    }
  }
  const after = periodStart + p.wpostProvingPeriod
  return {
    currentEpoch: cur,
    periodStart,
    index,
    open: after,
    close: after,
    challenge: after,
    faultCutoff: 0,
  }
}

/** `dline.Info.NextNotElapsed`: the same deadline index at its next occurrence still open or ahead. */
export function nextNotElapsed(p: DevnetParams, d: DeadlineInfo): DeadlineInfo {
  if (d.currentEpoch < d.close) return d
  const pp = p.wpostProvingPeriod
  const off = ((d.periodStart % pp) + pp) % pp
  let ps = Math.floor(d.currentEpoch / pp) * pp + off
  while (ps > d.currentEpoch) ps -= pp
  if (d.currentEpoch >= ps + (d.index + 1) * p.wpostChallengeWindow) ps += pp
  return deadlineInfo(p, ps, d.index, d.currentEpoch)
}

/** The proving period start at or before `cur` for a miner with proving-period `offset`. */
export function currentProvingPeriodStart(p: DevnetParams, cur: number, offset: number): number {
  const pp = p.wpostProvingPeriod
  const mod = ((cur % pp) + pp) % pp
  const progress = mod >= offset ? mod - offset : pp - (offset - mod)
  return cur - progress
}

/**
 * Whether sectors in deadline `index` may be changed (terminated, newly assigned) at `cur`:
 * not while that deadline is open or is the next to open, as the miner actor rules.
 */
export function deadlineIsMutable(p: DevnetParams, periodStart: number, index: number, cur: number): boolean {
  const d = nextNotElapsed(p, deadlineInfo(p, periodStart, index, cur))
  // Immutable from one challenge window before it opens until it closes.
  return !(d.open - p.wpostChallengeWindow <= cur && cur < d.close)
}
