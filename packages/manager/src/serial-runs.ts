/**
 * Runs of one job per key, one at a time: a request while a run is going schedules exactly one
 * more run after it (a timer's request wins over an event's, so the next run sees the timer's
 * view). Used for the per-miner send queues, where a burst of submissions must not start a burst
 * of overlapping sends.
 */
export class SerialRuns {
  readonly #job: (key: string, tick: boolean) => Promise<void>
  readonly #onError: (err: unknown, key: string) => void
  readonly #running = new Map<string, Promise<void>>()
  readonly #again = new Set<string>()
  #stopped = true

  /**
   * @param job what one run does; `tick` tells a timer's run from an event's.
   * @param onError where a failed run's error goes (the next request runs again).
   */
  constructor(
    job: (key: string, tick: boolean) => Promise<void>,
    onError: (err: unknown, key: string) => void,
  ) {
    this.#job = job
    this.#onError = onError
  }

  /** Runs the job for `key` now, or once more after the current run; resolves when that is done. */
  request(key: string, tick: boolean): Promise<void> {
    const cur = this.#running.get(key)
    if (cur) {
      if (tick) this.#again.add(`${key}/tick`)
      else this.#again.add(key)
      return cur
    }
    const run = (async () => {
      let isTick = tick
      for (;;) {
        try {
          await this.#job(key, isTick)
        } catch (err) {
          this.#onError(err, key)
        }
        if (this.#again.delete(`${key}/tick`)) {
          this.#again.delete(key)
          isTick = true
        } else if (this.#again.delete(key)) isTick = false
        else break
        if (this.#stopped) break
      }
    })().finally(() => this.#running.delete(key))
    this.#running.set(key, run)
    return run
  }

  /** Requests a run on the next turn of the event loop (unless stopped). */
  soon(key: string): void {
    if (this.#stopped) return
    setImmediate(() => void this.request(key, false))
  }

  /** Lets {@link SerialRuns.soon} schedule runs (from the start; again after {@link SerialRuns.stop}). */
  resume(): void {
    this.#stopped = false
  }

  /** Stops scheduling more runs and waits for those in flight. */
  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.allSettled([...this.#running.values()])
  }
}
