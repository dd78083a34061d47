/**
 * `venus-cluster`: the command lines of venus-cluster as composable programs.
 *
 * @packageDocumentation
 */

export { buildClusterProgram, clusterCommandGroups } from './commands/venus-cluster/index.js'
export { type InitHomeResult, initSectorManagerHome } from './commands/venus-sector-manager/daemon.js'
export {
  buildSectorManagerProgram,
  NETWORKS,
  sectorManagerCommandGroups,
} from './commands/venus-sector-manager/index.js'
export { buildWorkerProgram, workerCommandGroups } from './commands/venus-worker/index.js'
export * from './demo/index.js'
export { expandHome } from './home.js'
export { type CliIo, configureProgram, runCli } from './run.js'
