/**
 * Runs heavy native calls a few at a time. The proofs library parallelises internally (rayon), so
 * on small machines two C2s at once only fight for the same cores and double the memory.
 *
 * @example
 * ```ts
 * const q = new WorkQueue(1)
 * const proof = await q.run(() => addon.sealCommitPhase2(c1, prover, 1))
 * ```
 */
export class WorkQueue {
  readonly #limit: number
  #running = 0
  readonly #waiting: (() => void)[] = []

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit))
  }

  /** Jobs started and not finished. */
  get running(): number {
    return this.#running
  }

  /** Runs `job` when a slot is free; the slot is held until `job`'s promise settles. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      // Woken with the slot of a finished job (still counted in #running): nobody who arrives
      // between that job's end and this continuation can take it.
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#running++
    }
    try {
      return await job()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#running--
    }
  }
}
