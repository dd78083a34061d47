/**
 * Per-sector stage timing of the demo, from the sealing threads' step events: the time a
 * sector spends before reaching a state is charged to the stage that ends in that state.
 */
import { sectorName } from '@venus-cluster/core'
import type { ThreadStepEvent } from '@venus-cluster/sealer'

/** Demo stages in pipeline order, each with the sealing state that ends it. */
export const DEMO_STAGES = [
  { name: 'AddPiece', endsIn: 'PieceAdded' },
  { name: 'TreeD', endsIn: 'TreeDBuilt' },
  { name: 'PC1', endsIn: 'PC1Done' },
  { name: 'PC2', endsIn: 'PC2Done' },
  { name: 'PreCommit', endsIn: 'PCLanded' },
  { name: 'Persist', endsIn: 'PersistanceSubmitted' },
  { name: 'WaitSeed', endsIn: 'SeedAssigned' },
  { name: 'C1', endsIn: 'C1Done' },
  { name: 'C2', endsIn: 'C2Done' },
  { name: 'ProveCommit', endsIn: 'Finished' },
] as const

/**
 * Stages of a snap-up (`snapup` plan threads), each with the state that ends it: the pieces
 * staged, encoded into the CC replica, the update proven (vanilla proofs and SNARK), the new
 * replica persisted, the proof submitted to the manager.
 */
export const DEMO_SNAP_STAGES = [
  { name: 'SnapAddPiece', endsIn: 'PieceAdded' },
  { name: 'SnapEncode', endsIn: 'SnapEncoded' },
  { name: 'SnapProve', endsIn: 'SnapProved' },
  { name: 'SnapPersist', endsIn: 'PersistanceSubmitted' },
  { name: 'SnapSubmit', endsIn: 'Finished' },
] as const

/** A stage name of {@link DEMO_STAGES} or {@link DEMO_SNAP_STAGES}. */
export type DemoStageName = (typeof DEMO_STAGES)[number]['name'] | (typeof DEMO_SNAP_STAGES)[number]['name']

/** Timing of one stage over all sectors (milliseconds). */
export interface DemoStageTiming {
  stage: DemoStageName
  sectors: number
  meanMs: number
  maxMs: number
}

/** Where one sector is. */
export interface DemoSectorProgress {
  sector: string
  worker: number
  /** Index into the tracker's stages of the stage in progress; their count once finished. */
  stageIndex: number
  state: string
  startedAt: number
  /** When the stage in progress started (a long C2 shows how long it has been running). */
  stageStartedAt: number
  finishedAt: number | undefined
  failed: string | undefined
}

/**
 * Follows step events and keeps per-sector progress and per-stage durations, of the sealing
 * stages ({@link DEMO_STAGES}) or of others given (e.g. {@link DEMO_SNAP_STAGES}).
 *
 * @example
 * ```ts
 * const t = new StageTracker()
 * worker.events.on('thread:step', (e) => t.onStep(0, e))
 * t.timings() // [{ stage: 'PC1', sectors: 4, meanMs: 12, maxMs: 20 }, ...]
 * ```
 */
export class StageTracker {
  readonly sectors = new Map<string, DemoSectorProgress>()
  readonly #last = new Map<string, number>()
  readonly #durations = new Map<DemoStageName, number[]>()
  readonly #now: () => number
  readonly #stages: readonly { name: DemoStageName; endsIn: string }[]
  readonly #indexOfState: Map<string, number>
  #listeners: ((p: DemoSectorProgress) => void)[] = []

  constructor(
    now: () => number = Date.now,
    stages: readonly { name: DemoStageName; endsIn: string }[] = DEMO_STAGES,
  ) {
    this.#now = now
    this.#stages = stages
    this.#indexOfState = new Map(stages.map((s, i) => [s.endsIn, i]))
  }

  /** Calls `fn` on every change of a sector. */
  onChange(fn: (p: DemoSectorProgress) => void): void {
    this.#listeners.push(fn)
  }

  /** Feed of a worker's `thread:step` events. */
  onStep(worker: number, e: ThreadStepEvent): void {
    if (e.sector === null) return
    const sector = sectorName(e.sector)
    const now = this.#now()
    let p = this.sectors.get(sector)
    if (p === undefined) {
      p = {
        sector,
        worker,
        stageIndex: 0,
        state: e.next,
        startedAt: now,
        stageStartedAt: now,
        finishedAt: undefined,
        failed: undefined,
      }
      this.sectors.set(sector, p)
      this.#last.set(sector, now)
    }
    p.state = e.next
    if (e.failure !== null && e.failure.level !== 'Temporary')
      p.failed = `${e.failure.level}: ${e.failure.desc}`
    if (e.next === 'Aborted') p.failed ??= 'aborted'
    const idx = this.#indexOfState.get(e.next)
    if (idx !== undefined && e.next !== e.prev) {
      const stage = this.#stages[idx]?.name
      if (stage !== undefined) {
        const list = this.#durations.get(stage) ?? []
        list.push(now - (this.#last.get(sector) ?? now))
        this.#durations.set(stage, list)
      }
      this.#last.set(sector, now)
      p.stageStartedAt = now
      p.stageIndex = idx + 1
      if (idx === this.#stages.length - 1) p.finishedAt = now
    }
    for (const fn of this.#listeners) fn(p)
  }

  /** Sectors that reached `Finished`. */
  finished(): DemoSectorProgress[] {
    return [...this.sectors.values()].filter((p) => p.finishedAt !== undefined)
  }

  /** Per-stage mean and max over the sectors that passed it. */
  timings(): DemoStageTiming[] {
    return this.#stages.map(({ name }) => {
      const list = this.#durations.get(name) ?? []
      return {
        stage: name,
        sectors: list.length,
        meanMs: list.length === 0 ? 0 : Math.round(list.reduce((a, b) => a + b, 0) / list.length),
        maxMs: list.length === 0 ? 0 : Math.max(...list),
      }
    })
  }
}
