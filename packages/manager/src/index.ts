/**
 * `@venus-cluster/manager`: the sector manager — store (SQLite / PostgreSQL), the `Venus.*`
 * sealer API, allocation, randomness, commit checks and batching.
 *
 * @packageDocumentation
 */
export {
  createSealerApi,
  sealerApiMethodNames,
  type VenusCallContext,
  type VenusMethod,
  type WireKnownWorker,
} from './api.js'
export * from './auth/index.js'
export * from './chain.js'
export { createManagerChain, createManagerMessager, type ManagerChainOptions } from './chain-adapter.js'
export * from './config.js'
export {
  type ManagerDaemon,
  type ManagerDaemonOptions,
  openManagerStore,
  parseListen,
  startManagerDaemon,
} from './daemon.js'
export * from './dashboard/index.js'
export * from './deals.js'
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
export * from './limits.js'
export {
  checkSectorFiles,
  type ManagerLogger,
  MIN_AGGREGATED_SECTORS,
  type PollResult,
  SectorManager,
  type SectorManagerOptions,
  type SubmitResp,
  sectorExpiration,
} from './manager.js'
export * from './metrics/index.js'
export * from './piece-store.js'
export * from './sector-state.js'
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
export { createVenusMarket, type VenusMarket, type VenusMarketOptions } from './venus-market.js'
export * from './worker-registry.js'
