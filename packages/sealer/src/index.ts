/**
 * `@venus-cluster/sealer`: the sealing worker — a runtime of sealing threads (crash-safe record,
 * pause and resume, retries, stage limits, in-process / pool / external processors, persist
 * stores, the `VenusWorker.*` control API) running plans (`sealer`), each a table of step
 * handlers over one `StepContext`.
 *
 * @packageDocumentation
 */

export * from './auth/index.js'
export * from './cgroup.js'
export * from './control-api.js'
export * from './events.js'
export * from './external.js'
export * from './failure.js'
export * from './gpu.js'
export * from './limits.js'
export * from './manager-support.js'
export * from './metrics/index.js'
export {
  convertOriginalSector,
  importOriginalStore,
  type OriginalImportOptions,
  type OriginalImportPlan,
  planOriginalImport,
} from './original/import.js'
export { readOriginalMeta } from './original/meta-db.js'
export {
  ORIGINAL_SECTOR_KEY,
  type OriginalPhases,
  type OriginalPieceInfo,
  type OriginalSector,
} from './original/v012-sector.js'
export * from './paths.js'
export * from './persist.js'
export * from './piece-fetch.js'
export * from './plans/index.js'
export * from './pool.js'
export type { PoolBackendSpec, PoolTask } from './pool-worker.js'
export * from './processor-child.js'
export * from './processors.js'
export * from './record.js'
export * from './reload.js'
export * from './sealer-client.js'
export * from './sealing-store.js'
export * from './states.js'
export * from './thread.js'
// The domain types of the client; the `Venus.*` wire shapes (the sector record keeps them) and
// the domain types shared with the manager are core's, and the converters stay inside the package.
export type {
  AllocatedSector,
  OnChainAnswer,
  SectorDeal,
  SeedAnswer,
  StateReport,
  SubmitAnswer,
} from './wire.js'
export * from './worker.js'
