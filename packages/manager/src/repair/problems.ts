/**
 * Sectors whose files a check found bad (the WindowPoSt poster's checks before proving), with the
 * suggested action, for the dashboard and an optional policy that queues rebuilds. This is the
 * in-memory view; `RepairTasks` writes every change through to the store (`sector_problems`) and
 * reads it back at start, so a restarted manager shows them at once. Bounded: the oldest entry
 * goes when a new sector would pass the limit.
 */
import type { SectorId } from '@venus-cluster/core'

/** What to do about a bad sector (the poster's `sectorRepairAction`). */
export type SectorProblemAction = 'rebuild' | 'rebuild-cache' | 'reindex' | 'check-storage'

/** A sector a check found bad. */
export interface SectorProblem {
  id: SectorId
  /** What the check said (`sealed file … missing`, `cache file p_aux missing`, …). */
  reason: string
  action: SectorProblemAction
  /** Unix ms of the last check that found it. */
  seenAt: number
  /** What the auto-rebuild policy did: `queued`, or why it did not; absent without the policy. */
  policy?: string | undefined
}

const ACTIONS = new Set<string>(['rebuild', 'rebuild-cache', 'reindex', 'check-storage'])

/** A known action, or `check-storage` for one this version does not know. */
export function problemAction(action: string): SectorProblemAction {
  return ACTIONS.has(action) ? (action as SectorProblemAction) : 'check-storage'
}

/**
 * The bad sectors last reported, by sector.
 *
 * @example
 * ```ts
 * const problems = new SectorProblems(10_000)
 * problems.note({ id: { miner: 1000, number: 3 }, reason: 'sealed file missing', action: 'rebuild', seenAt: Date.now() })
 * problems.list() // newest first
 * ```
 */
export class SectorProblems {
  readonly #max: number
  readonly #byKey = new Map<string, SectorProblem>()

  constructor(max = 10_000) {
    this.#max = Math.max(1, max)
  }

  /** Records (or refreshes) a problem. */
  note(p: SectorProblem): void {
    const key = `${p.id.miner}/${p.id.number}`
    this.#byKey.delete(key)
    this.#byKey.set(key, p)
    while (this.#byKey.size > this.#max) {
      const oldest = this.#byKey.keys().next().value
      if (oldest === undefined) break
      this.#byKey.delete(oldest)
    }
  }

  /** Forgets a sector (repaired). */
  clear(id: SectorId): void {
    this.#byKey.delete(`${id.miner}/${id.number}`)
  }

  /** The problem of a sector, if one is known. */
  get(id: SectorId): SectorProblem | undefined {
    return this.#byKey.get(`${id.miner}/${id.number}`)
  }

  /** Every known problem, the most recently seen first. */
  list(): SectorProblem[] {
    return [...this.#byKey.values()].reverse()
  }
}
