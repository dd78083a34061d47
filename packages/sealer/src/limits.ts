/**
 * Named counting semaphores for per-stage concurrency (`[processors.limit]`) and the custom
 * `[processors.ext_locks]`, with an optional minimum spacing between task starts
 * (`[processors.limitation.staggered]`). A name without a limit is unlimited.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { VenusError } from '@venus-cluster/core'

/** Releases a held slot; calling it twice is harmless. */
export type ReleaseSlot = () => void

class Semaphore {
  #limit: number
  #used = 0
  readonly #waiters: { resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal }[] = []

  constructor(limit: number) {
    this.#limit = limit
  }

  get used(): number {
    return this.#used
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted)
      throw new VenusError('ABORTED', 'waiting for a slot was aborted', { cause: signal.reason })
    if (this.#used < this.#limit) {
      this.#used++
      return
    }
    let onAbort: (() => void) | undefined
    try {
      await new Promise<void>((resolve, reject) => {
        const w = { resolve, reject, ...(signal === undefined ? {} : { signal }) }
        this.#waiters.push(w)
        onAbort = () => {
          const i = this.#waiters.indexOf(w)
          if (i >= 0) {
            this.#waiters.splice(i, 1)
            reject(new VenusError('ABORTED', 'waiting for a slot was aborted', { cause: signal?.reason }))
          }
        }
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    } finally {
      // The signal outlives the wait (a thread's stop signal): leave no listener behind.
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Changes the limit (a config reload): more slots wake waiters now, fewer take effect as slots free. */
  setLimit(limit: number): void {
    this.#limit = limit
    while (this.#used < this.#limit && this.#waiters.length > 0) {
      this.#used++
      this.#waiters.shift()?.resolve()
    }
  }

  release(): void {
    // Above a lowered limit, a freed slot is given up rather than passed on.
    if (this.#used > this.#limit) {
      this.#used--
      return
    }
    const next = this.#waiters.shift()
    if (next !== undefined) {
      // The slot passes straight to the next waiter; `used` stays the same.
      next.resolve()
      return
    }
    this.#used--
  }
}

/** Usage figures of one named pool (for tests and `WorkerList`-style reports). */
export interface SlotStats {
  limit: number | undefined
  inUse: number
  /** Highest `inUse` seen since creation. */
  peak: number
  /** Slots handed out in total. */
  acquired: number
}

function checkedLimits(limits: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, n] of Object.entries(limits)) {
    if (n === undefined) continue
    if (!Number.isInteger(n) || n < 1) {
      throw new VenusError('CONFIG_INVALID_VALUE', `limit of ${name} must be a positive integer`, {
        details: { name, value: n },
      })
    }
    out[name] = n
  }
  return out
}

/** Options of {@link SlotPool}. */
export interface SlotPoolOptions {
  /** Minimum milliseconds between two starts of a name. */
  staggeredMs?: Record<string, number>
}

/**
 * A pool of named semaphores.
 *
 * @example
 * ```ts
 * const limits = new SlotPool({ pc1: 2, c2: 1 })
 * const release = await limits.acquire('pc1', signal)
 * try { await runPc1() } finally { release() }
 * ```
 */
export class SlotPool {
  readonly #sems = new Map<string, Semaphore>()
  #limits: Record<string, number>
  readonly #stats = new Map<string, SlotStats>()
  readonly #stagger: Record<string, number>
  readonly #lastStart = new Map<string, number>()
  readonly #staggerChain = new Map<string, Promise<void>>()

  constructor(limits: Record<string, number | undefined>, options: SlotPoolOptions = {}) {
    this.#limits = checkedLimits(limits)
    for (const [name, n] of Object.entries(this.#limits)) this.#sems.set(name, new Semaphore(n))
    this.#stagger = options.staggeredMs ?? {}
  }

  /**
   * Applies new limits (a config reload): a changed limit resizes its semaphore (tasks running
   * keep their slots; a lower limit takes effect as they end), a new one applies to tasks that
   * start from now on, and a removed one lets every waiting task through.
   */
  setLimits(limits: Record<string, number | undefined>): void {
    const next = checkedLimits(limits)
    for (const [name, sem] of this.#sems) if (next[name] === undefined) sem.setLimit(Number.POSITIVE_INFINITY)
    for (const [name, n] of Object.entries(next)) {
      const sem = this.#sems.get(name)
      if (sem === undefined) this.#sems.set(name, new Semaphore(n))
      else sem.setLimit(n)
      const st = this.#stats.get(name)
      if (st !== undefined) st.limit = n
    }
    this.#limits = next
  }

  /** Waits for a slot of `name` (immediately when `name` has no limit). */
  async acquire(name: string, signal?: AbortSignal): Promise<ReleaseSlot> {
    const sem = this.#sems.get(name)
    if (sem !== undefined) await sem.acquire(signal)
    try {
      await this.#staggered(name, signal)
    } catch (err) {
      sem?.release()
      throw err
    }
    const st = this.stats(name)
    st.inUse++
    st.acquired++
    if (st.inUse > st.peak) st.peak = st.inUse
    let released = false
    return () => {
      if (released) return
      released = true
      st.inUse--
      sem?.release()
    }
  }

  /** Acquires several names in order (ext locks); on failure releases what it took. */
  async acquireAll(names: readonly string[], signal?: AbortSignal): Promise<ReleaseSlot> {
    const held: ReleaseSlot[] = []
    try {
      for (const n of names) held.push(await this.acquire(n, signal))
    } catch (err) {
      for (const r of held.reverse()) r()
      throw err
    }
    return () => {
      for (const r of held.reverse()) r()
    }
  }

  /** Live figures of `name` (created on first use). */
  stats(name: string): SlotStats {
    let st = this.#stats.get(name)
    if (st === undefined) {
      st = { limit: this.#limits[name], inUse: 0, peak: 0, acquired: 0 }
      this.#stats.set(name, st)
    }
    return st
  }

  /** Whether `name` has a configured limit. */
  has(name: string): boolean {
    return this.#sems.has(name)
  }

  async #staggered(name: string, signal?: AbortSignal): Promise<void> {
    const gap = this.#stagger[name]
    if (gap === undefined || gap <= 0) return
    // Chain the waits so that concurrent acquirers are spaced one after another.
    const prev = this.#staggerChain.get(name) ?? Promise.resolve()
    const mine = prev.then(async () => {
      const last = this.#lastStart.get(name)
      const wait = last === undefined ? 0 : last + gap - Date.now()
      if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined)
      this.#lastStart.set(name, Date.now())
    })
    this.#staggerChain.set(
      name,
      mine.catch(() => {}),
    )
    await mine
  }
}
