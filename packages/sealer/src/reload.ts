/**
 * What a worker config reload (SIGHUP or SIGUSR1 to `venus-worker daemon`) changes live and what
 * waits for a restart. Live: every thread's `[sealing]` settings (allowed miners and sizes, deal
 * limits, retries, intervals — read from the next step on), the per-stage limits
 * `[processors.limit]` (tasks running keep their slots), and the attached stores `[[attached]]`
 * (the next persist sees them). Restart: the worker's name, its control API, the manager's
 * address and headers, the sealing threads themselves (their number, stores and plans), external
 * processors, ext locks, staggered starts, prebuilt tree_d files, the global `enable_deals`
 * (it decides whether pieces are fetched at all), the ping interval and the record and resume
 * settings.
 */
import type { WorkerConfig } from '@venus-cluster/core'

/** Keys of a worker config whose change is applied without a restart. */
export const LIVE_WORKER_KEYS = ['sealing', 'sealing_thread.sealing', 'processors.limit', 'attached'] as const

/** What {@link diffWorkerConfig} found. */
export interface WorkerConfigDiff {
  /** Changed keys applied live (from {@link LIVE_WORKER_KEYS}). */
  live: string[]
  /** Changed keys that take effect only after a restart. */
  restart: string[]
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Which keys differ between the running config and a reloaded one, split into those a reload
 * applies and those that need a restart.
 *
 * @example
 * ```ts
 * diffWorkerConfig(running, next) // { live: ['processors.limit'], restart: ['worker.name'] }
 * ```
 */
export function diffWorkerConfig(cur: WorkerConfig, next: WorkerConfig): WorkerConfigDiff {
  const live: string[] = []
  const restart: string[] = []
  const check = (key: string, a: unknown, b: unknown, isLive: boolean) => {
    if (!same(a, b)) (isLive ? live : restart).push(key)
  }
  check('worker.name', cur.name, next.name, false)
  check('worker.rpc_server', cur.rpcServer, next.rpcServer, false)
  check('worker.ping_interval', cur.pingIntervalMs, next.pingIntervalMs, false)
  check('sector_manager', cur.sectorManager, next.sectorManager, false)
  check('sealing.enable_deals', cur.sealing.enableDeals, next.sealing.enableDeals, false)
  check(
    'sealing',
    { ...cur.sealing, enableDeals: undefined },
    { ...next.sealing, enableDeals: undefined },
    true,
  )
  const shape = (c: WorkerConfig) => c.sealingThreads.map((t) => ({ location: t.location, plan: t.plan }))
  check('sealing_thread', shape(cur), shape(next), false)
  check(
    'sealing_thread.sealing',
    cur.sealingThreads.map((t) => t.sealing),
    next.sealingThreads.map((t) => t.sealing),
    true,
  )
  check('attached', cur.attached, next.attached, true)
  check('processors.limit', cur.processors.limit, next.processors.limit, true)
  check('processors.ext_locks', cur.processors.extLocks, next.processors.extLocks, false)
  check('processors.static_tree_d', cur.processors.staticTreeD, next.processors.staticTreeD, false)
  check('processors.limitation.staggered', cur.processors.staggeredMs, next.processors.staggeredMs, false)
  check('processors (external)', cur.processors.external, next.processors.external, false)
  check('record_sync', cur.recordSync, next.recordSync, false)
  check('auto_resume', cur.autoResume, next.autoResume, false)
  check('resubmit_wait', cur.resubmitWaitMs, next.resubmitWaitMs, false)
  // A per-thread change follows from a global one: name the global key once.
  if (live.includes('sealing')) {
    const i = live.indexOf('sealing_thread.sealing')
    if (i >= 0) live.splice(i, 1)
  }
  return { live, restart }
}
