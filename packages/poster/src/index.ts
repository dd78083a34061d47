/**
 * `@venus-cluster/poster`: WindowPoSt scheduling (one scheduler per miner, following the chain)
 * and WinningPoSt generation for block producers.
 *
 * @packageDocumentation
 */
export { type CheckSector, type CheckSectorsOptions, checkSectors } from './check.js'
export { DEFAULT_WINDOW_POST_CONFIG, type WindowPoStConfig, windowPoStConfig } from './config.js'
export type { WindowPoStEvent } from './events.js'
export {
  createGatewayProofService,
  type GatewayProofEvent,
  type GatewayProofService,
  type GatewayProofServiceOptions,
} from './gateway.js'
export { dirLocator, type SectorFiles, type SectorLocator, storesLocator } from './locator.js'
export { messagerPoSt, type PoStMessaging } from './messager-sender.js'
export {
  chainLookup,
  mpoolSender,
  nextDeadlineInfo,
  type PoStLookup,
  type PoStMessageRequest,
  type PoStMessageStatus,
  type PoStSender,
  partitionToProve,
  type SimulateOptions,
  WindowPoStScheduler,
  type WindowPoStSchedulerOptions,
} from './scheduler.js'
export {
  createPosterService,
  type PosterDeadlineResult,
  type PosterService,
  type PosterServiceOptions,
  postResultListener,
} from './service.js'
export {
  generateWinningPoStProof,
  type WinningPoStInput,
  type WinningPoStMethod,
  type WinningSectorInfo,
  winningPoStMethods,
} from './winning.js'
