/**
 * `@venus-cluster/sealer`: the sealing worker — state machine with a crash-safe record,
 * sealing threads, stage limits, in-process / pool / external processors, persist stores and
 * the `VenusWorker.*` control API.
 *
 * @packageDocumentation
 */

export * from './auth/index.js'
export * from './cgroup.js'
export * from './control-api.js'
export * from './external.js'
export * from './failure.js'
export * from './limits.js'
export * from './manager-support.js'
export * from './metrics/index.js'
export * from './paths.js'
export * from './persist.js'
export * from './piece-fetch.js'
export * from './pool.js'
export type { PoolBackendSpec, PoolTask } from './pool-worker.js'
export * from './processor-child.js'
export * from './processors.js'
export * from './record.js'
export * from './sealer-client.js'
export * from './sealing-store.js'
export * from './states.js'
export * from './thread.js'
export * from './worker.js'
