/**
 * `@venus-cluster/poster`: WindowPoSt scheduling (one scheduler per miner, following the chain)
 * and WinningPoSt generation for block producers, as services (`windowPoStService`,
 * `winningPoStService`) with core's `Startable` lifecycle, `TypedEmitter` events and `Logger`.
 *
 * @packageDocumentation
 */
export {
  type CheckSector,
  type CheckSectorsOptions,
  checkSectors,
  PROVER_FAULTY,
  type SectorRepairAction,
  sectorRepairAction,
} from './check.js'
export { DEFAULT_WINDOW_POST_CONFIG, type WindowPoStConfig, windowPoStConfig } from './config.js'
export { onAnyWindowPoStEvent, type WindowPoStEvent, type WindowPoStEvents } from './events.js'
export {
  createGatewayProofService,
  type GatewayProofEvent,
  type GatewayProofEvents,
  type GatewayProofService,
  type GatewayProofServiceOptions,
  onAnyGatewayProofEvent,
} from './gateway.js'
export {
  dirLocator,
  type ReplicaKind,
  type SectorFiles,
  type SectorLocator,
  storesLocator,
} from './locator.js'
export { windowPoStMinersOf, winningPoStMinersOf } from './manager-config.js'
export { messagerPoSt, type PoStMessagerClient } from './messager-sender.js'
export {
  chainLookup,
  mpoolSender,
  type PoStLookup,
  type PoStMessageRequest,
  type PoStMessageStatus,
  type PoStMessaging,
  type PoStSender,
} from './messages.js'
export { type PosterDeadlineResult, postResultListener } from './post-results.js'
export { nextDeadlineInfo, partitionToProve } from './window/deadlines.js'
export { type DeadlineKey, type DeadlineLease, type DeadlineLeases, soleLeases } from './window/leases.js'
export {
  localWindowPoSt,
  type SimulateOptions,
  type SimulateResult,
  type WindowPoStComputer,
  type WindowPoStJob,
} from './window/prover.js'
export { WindowPoStScheduler, type WindowPoStSchedulerOptions } from './window/scheduler.js'
export {
  type WindowPoStMiner,
  type WindowPoStService,
  type WindowPoStServiceInit,
  windowPoStService,
} from './window-service.js'
export {
  generateWinningPoStProof,
  type WinningPoStInput,
  type WinningPoStMethod,
  type WinningSectorInfo,
  winningPoStMethods,
} from './winning.js'
export {
  type WinningPoStMiner,
  type WinningPoStService,
  type WinningPoStServiceInit,
  winningPoStService,
} from './winning-service.js'
