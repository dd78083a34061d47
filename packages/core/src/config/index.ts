export { defaultManagerConfigText, defaultWorkerConfigText } from './defaults.js'
export { formatKeyPath, tomlKeyLines } from './key-lines.js'
export { loadManagerConfig, loadWorkerConfig } from './load.js'
export { makeDirs } from './make-dirs.js'
export { parseManagerConfig } from './manager.js'
export {
  type ApiEndpointConfig,
  type CommitBatchPolicy,
  type CommitKindInit,
  type CommitKindPolicy,
  type ConfigKeyRef,
  configKeyRef,
  formatConfigKeyRef,
  MANAGER_CONFIG_DEFAULTS,
  type ManagerConfig,
  type ManagerConfigInit,
  type ManagerDbConfig,
  type ManagerMinerConfig,
  type ManagerMinerInit,
  type ManagerStoreConfig,
  type ManagerStoreInit,
  type MinerConfigKeys,
  managerConfig,
  managerMinerConfig,
  type Optional,
  type SectorManagerConfig,
  type SnapUpBatchPolicy,
  type SnapUpMinerConfig,
  type SnapUpMinerInit,
  snapUpMinerConfig,
} from './manager-config.js'
export {
  type AbandonOriginalResult,
  abandonOriginalWorkerMeta,
  assertNoOriginalWorkerMeta,
  ORIGINAL_META_ABANDONED_FILE,
  ORIGINAL_META_IMPORTED_FILE,
  originalWorkerMetaFiles,
} from './original-store.js'
export type { ConfigSource } from './reader.js'
export {
  assertFileStore,
  assertSealingStore,
  prepareFileStore,
  prepareSealingStore,
  STORE_HOLDER_FILE,
  type StorePrepareResult,
} from './store-init.js'
export { parseWorkerConfig } from './worker.js'
export {
  DEFAULT_WORKER_SEALING,
  type ExternalProcessorConfig,
  managerRpcUrl,
  WORKER_CONFIG_DEFAULTS,
  WORKER_STAGES,
  type WorkerAttachedStoreConfig,
  type WorkerConfig,
  type WorkerConfigInput,
  type WorkerSealingConfig,
  type WorkerSealingThreadConfig,
  type WorkerStage,
  workerConfig,
} from './worker-config.js'
export {
  GPU_STAGES,
  type GpuStage,
  type WorkerGpuConfig,
  type WorkerGpuDevice,
  type WorkerGpuInput,
} from './worker-gpus.js'
export { canonicalWorkerPaths, resolveWorkerPaths } from './worker-paths.js'
