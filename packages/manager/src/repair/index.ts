export {
  problemAction,
  type SectorProblem,
  type SectorProblemAction,
  SectorProblems,
} from './problems.js'
export {
  pieceAt,
  type RebuildAssignment,
  type RepairEvents,
  RepairTasks,
  type RepairTasksOptions,
  type UnsealAssignment,
  type UnsealUpdateSource,
} from './tasks.js'
