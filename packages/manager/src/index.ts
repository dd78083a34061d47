/**
 * `@venus-cluster/manager`: the sector manager as services you can take one at a time — the
 * commit batcher, allocation, deals, randomness, sector checks, terminations, reports and the
 * worker registry over one store — the `SectorManager` façade over them, the `Venus.*` API edge,
 * and `createManagerNode`, what `venus-sector-manager daemon run` runs.
 *
 * @packageDocumentation
 */
export * from './alerts/index.js'
export * from './allocation/index.js'
export {
  createSealerApi,
  directPieceToWire,
  sealerApiMethodNames,
  sectorFromWire,
  sectorToWire,
  type VenusCallContext,
  type VenusMethod,
  type WireDealSector,
  type WireDirectPieceInput,
  type WireDirectPieceRecord,
  type WireKnownWorker,
  type WireMessageInfo,
  type WirePollResult,
  type WirePreCommit,
  type WireSectorActionPlan,
  type WireSectorState,
  type WireStoreBasicInfo,
  type WireStoreDetachPlan,
  type WireStoreDetailedInfo,
  type WireSubmitResp,
  type WireTerminateInfo,
} from './api/index.js'
export { createWdPoStApi, type WdPoStApiOptions } from './api/wdpost-api.js'
export * from './auth/index.js'
export * from './chain.js'
export { createManagerChain, createManagerMessager, type ManagerChainOptions } from './chain-adapter.js'
export {
  checkCacheFiles,
  checkPreCommit,
  checkProof,
  checkSealedFile,
  checkSectorFiles,
  type PreCommitCheck,
  type PreCommitSubmission,
  type ProofCheck,
  type SealVerifier,
  SectorFileChecks,
} from './checks/index.js'
export {
  CommitBatcher,
  type CommitBatcherContext,
  type CommitBatcherEvents,
  type CommitBatcherOptions,
  type CommitMessageKind,
  MessageOutbox,
  MIN_AGGREGATED_SECTORS,
  type OutboxEvents,
  type OutgoingMessage,
  sectorExpiration,
} from './commit-batcher/index.js'
export * from './config.js'
export { createServiceContext, type ServiceContext, type ServiceContextOptions } from './context.js'
export * from './dashboard/index.js'
export * from './deals/index.js'
export {
  createFakeChain,
  type FakeChain,
  type FakeChainMessage,
  type FakeChainOptions,
} from './fake-chain.js'
export {
  createHealthMonitor,
  type HealthMonitor,
  type HealthMonitorOptions,
  type ManagerHealth,
  registerHealthMetrics,
} from './health.js'
export { HEALTH_PATHS, healthHttpHandler } from './health-http.js'
export * from './import/index.js'
export * from './leases/index.js'
export * from './limits.js'
export { type ManagerEvents, SectorManager, type SectorManagerOptions } from './manager.js'
export * from './market-unseal/index.js'
export * from './metrics/index.js'
export {
  createManagerNode,
  type ManagerNode,
  type ManagerNodeOptions,
  type ManagerServiceFactory,
  startManagerNode,
} from './node.js'
export { parseListen } from './node-http.js'
export * from './piece-store.js'
export * from './post-jobs/index.js'
export * from './randomness/index.js'
export {
  type RebuildAssignment,
  type RepairEvents,
  RepairTasks,
  type RepairTasksOptions,
  type SectorProblem,
  type SectorProblemAction,
  SectorProblems,
  type UnsealAssignment,
  type UnsealUpdateSource,
} from './repair/index.js'
export * from './reports/index.js'
export {
  type DirectPieceRef,
  isFillerPiece,
  type ManagedSector,
  newSector,
  type PollResult,
  type SectorAllocation,
  type SectorMessages,
  type SectorPiece,
  type SectorPreCommit,
  type SectorReport,
  type SectorTermination,
  type SeedWait,
  type SubmitResponse,
  sectorKey,
} from './sector.js'
export * from './sector-admin/index.js'
export * from './senders/index.js'
export * from './snapup/index.js'
export {
  type ChainStartOptions,
  type ChainStartResult,
  checkChainAtStart,
  checkMessagerAtStart,
  commitSenders,
  isTransientChainError,
  type SenderCheck,
} from './startup.js'
export * from './store/index.js'
export * from './stores/index.js'
export * from './telemetry/index.js'
export * from './terminations/index.js'
export * from './worker-registry/index.js'
