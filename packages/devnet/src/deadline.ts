/**
 * Deadline bookkeeping the miner actor does for itself (proving-period seed, current deadline,
 * which deadlines are mutable), on top of the core dline functions with the devnet's
 * (possibly shortened) WindowPoSt parameters.
 */
import {
  type DeadlineInfo,
  type DeadlineParams,
  newDeadlineInfo,
  nextNotElapsed,
  quantizeDown,
} from '@venus-cluster/core'
import type { DevnetParams } from './params.js'

/** go-state-types `dline.Info`: core's type, re-exported under the devnet's name. */
export type { DeadlineInfo }

/** The core dline parameters of a devnet. */
export function deadlineParams(p: DevnetParams): DeadlineParams {
  return {
    periodDeadlines: p.wpostPeriodDeadlines,
    provingPeriod: p.wpostProvingPeriod,
    challengeWindow: p.wpostChallengeWindow,
    challengeLookback: p.wpostChallengeLookback,
    faultDeclarationCutoff: p.faultDeclarationCutoff,
  }
}

/**
 * `dline.NewInfo` with the devnet's parameters.
 * @example
 * ```ts
 * deadlineInfo(devnetParams2k(), 71, 0, 0).challenge // 51
 * ```
 */
export function deadlineInfo(p: DevnetParams, periodStart: number, index: number, cur: number): DeadlineInfo {
  return newDeadlineInfo(periodStart, index, cur, deadlineParams(p))
}

/** The proving period start at or before `cur` for a miner with proving-period `offset`. */
export function currentProvingPeriodStart(p: DevnetParams, cur: number, offset: number): number {
  return quantizeDown(cur, p.wpostProvingPeriod, offset)
}

/**
 * Whether sectors in deadline `index` may be changed (terminated, newly assigned) at `cur`:
 * not while that deadline is open or is the next to open, as the miner actor rules.
 */
export function deadlineIsMutable(p: DevnetParams, periodStart: number, index: number, cur: number): boolean {
  const d = nextNotElapsed(deadlineInfo(p, periodStart, index, cur))
  // Immutable from one challenge window before it opens until it closes.
  return !(d.open - p.wpostChallengeWindow <= cur && cur < d.close)
}
