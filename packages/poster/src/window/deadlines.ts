/** Deadline arithmetic the scheduler needs beyond what the node reports. */
import { type LotusDeadlineInfo, type LotusPartition, runsToNumbers } from '@venus-cluster/core'

/**
 * `(Live − Faulty) ∪ Recovering` of a partition, sorted: the sectors a WindowPoSt must cover.
 *
 * @example
 * ```ts
 * partitionToProve(await chain.stateMinerPartitions('t01000', 3)[0])
 * ```
 */
export function partitionToProve(p: LotusPartition): number[] {
  const faulty = new Set(runsToNumbers(p.FaultySectors))
  const out = new Set(runsToNumbers(p.LiveSectors).filter((n) => !faulty.has(n)))
  for (const n of runsToNumbers(p.RecoveringSectors)) out.add(n)
  return [...out].sort((a, b) => a - b)
}

/**
 * The deadline after `d`: index + 1, wrapping to 0 in the next proving period.
 *
 * @example
 * ```ts
 * nextDeadlineInfo(await chain.stateMinerProvingDeadline('t01000')).Index
 * ```
 */
export function nextDeadlineInfo(d: LotusDeadlineInfo): LotusDeadlineInfo {
  const wrap = d.Index + 1 >= d.WPoStPeriodDeadlines
  const index = wrap ? 0 : d.Index + 1
  const periodStart = wrap ? d.PeriodStart + d.WPoStProvingPeriod : d.PeriodStart
  const open = periodStart + index * d.WPoStChallengeWindow
  return {
    ...d,
    PeriodStart: periodStart,
    Index: index,
    Open: open,
    Close: open + d.WPoStChallengeWindow,
    Challenge: open - d.WPoStChallengeLookback,
    FaultCutoff: open - d.FaultDeclarationCutoff,
  }
}

/** The deadline two after `d` (index + 2, wrapping), which `d`'s declarations are for. */
export function declarationTarget(d: LotusDeadlineInfo): { index: number; open: number; key: string } {
  const index = (d.Index + 2) % d.WPoStPeriodDeadlines
  const open = d.Open + 2 * d.WPoStChallengeWindow
  return { index, open, key: `${index}@${open}` }
}
