/**
 * `Venus.WorkerPing` every `ping_interval`: the worker's name, control address and thread
 * counts, for the manager's `util worker list` and dashboard. A manager that does not know the
 * method (the original v0.1.2) is not pinged again until the re-probe (see
 * {@link ManagerMethodSupport}); a refused ping (for instance a name the manager has pinned to
 * another address) is logged when its reason changes, not on every period.
 */

import type { Logger, WorkerPingReport } from '@venus-cluster/core'
import { SealingFailure } from './failure.js'
import type { ManagerMethodSupport } from './manager-support.js'

/** The method pinged. */
export const WORKER_PING_METHOD = 'Venus.WorkerPing'

/** Options of {@link startWorkerPing}. */
export interface WorkerPingOptions {
  ping: (info: WorkerPingReport) => Promise<void>
  info: () => WorkerPingReport
  intervalMs: number
  support: ManagerMethodSupport
  log: Logger
}

/**
 * Pings now and then every `intervalMs`; returns the stopper.
 *
 * @example
 * ```ts
 * const stop = startWorkerPing({ ping: sealer.workerPing, info, intervalMs: 180_000, support, log })
 * ```
 */
export function startWorkerPing(opts: WorkerPingOptions): () => void {
  const { support, log } = opts
  let lastError: string | undefined
  let inFlight = false
  const send = () => {
    if (inFlight || !support.mayCall(WORKER_PING_METHOD)) return
    inFlight = true
    opts
      .ping(opts.info())
      .then(
        () => {
          support.record(WORKER_PING_METHOD)
          if (lastError !== undefined) log.info({}, 'WorkerPing accepted again')
          lastError = undefined
        },
        (err: unknown) => {
          if (support.record(WORKER_PING_METHOD, err)) {
            log.info(
              {},
              'the manager does not know Venus.WorkerPing (an original manager?): not pinging it; asking again in 1 h',
            )
            return
          }
          const text = err instanceof SealingFailure ? err.describe() : String(err)
          if (text !== lastError) log.warn({ err: text }, 'WorkerPing refused or failed')
          else log.debug({ err: text }, 'WorkerPing failed again')
          lastError = text
        },
      )
      .finally(() => {
        inFlight = false
      })
  }
  send()
  const timer = setInterval(send, opts.intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
