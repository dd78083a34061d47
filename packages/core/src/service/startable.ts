/**
 * One lifecycle for every long-running service (manager, commit batcher, worker, poster, devnet):
 * `start()` resolves once the service runs, `stop()` once it has let go of everything it held.
 */

/**
 * A service with a start and a stop. `stop()` is safe to call twice and after a failed start.
 *
 * @example
 * ```ts
 * const services: Startable[] = [batcher, poster]
 * await startAll(services)
 * process.once('SIGTERM', () => void stopAll(services))
 * ```
 */
export interface Startable {
  /** Starts the service; rejects (having released what it took) when it cannot. */
  start(): Promise<void>
  /** Stops the service and releases what it holds (timers, sockets, files). */
  stop(): Promise<void>
}

/**
 * Starts services in order. When one fails, those already started are stopped in reverse order
 * and the first error is rethrown, so a failed start leaves nothing running.
 *
 * @example
 * ```ts
 * await startAll([store, manager, server])
 * ```
 */
export async function startAll(services: readonly Startable[]): Promise<void> {
  const started: Startable[] = []
  for (const s of services) {
    try {
      await s.start()
    } catch (err) {
      await stopAll(started).catch(() => {})
      throw err
    }
    started.push(s)
  }
}

/**
 * Stops services in reverse order; every one is stopped even when an earlier stop fails, and the
 * first failure is rethrown at the end.
 *
 * @example
 * ```ts
 * await stopAll([store, manager, server]) // server, then manager, then store
 * ```
 */
export async function stopAll(services: readonly Startable[]): Promise<void> {
  let first: unknown
  let failed = false
  for (const s of [...services].reverse()) {
    try {
      await s.stop()
    } catch (err) {
      if (!failed) first = err
      failed = true
    }
  }
  if (failed) throw first
}
