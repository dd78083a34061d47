/** The `venus-cluster demo` engine: cluster start-up, stage tracking, progress, summary. */
export {
  type DemoCluster,
  type DemoClusterOptions,
  demoWorkerConfigText,
  startDemoCluster,
} from './cluster.js'
export { type DemoProgressView, progressView } from './progress-view.js'
export {
  chooseDemoProofs,
  type DemoProofs,
  type DemoProofsChoice,
  hasPoRepParameters,
  parameterCacheDir,
} from './proofs.js'
export { type DemoMessage, type DemoOptions, type DemoSummary, runDemo } from './run.js'
export { type DemoPower, type DemoSnap, snapDemoSectors } from './snap.js'
export {
  DEMO_SNAP_STAGES,
  DEMO_STAGES,
  type DemoSectorProgress,
  type DemoStageName,
  type DemoStageTiming,
  StageTracker,
} from './stages.js'
export { summaryLines } from './summary.js'
