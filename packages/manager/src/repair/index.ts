export {
  problemAction,
  type SectorProblem,
  type SectorProblemAction,
  SectorProblems,
} from './problems.js'
export {
  PIECE_COPY_DIR,
  pieceAt,
  type RebuildAssignment,
  type RepairEvents,
  RepairTasks,
  type RepairTasksOptions,
  type UnsealAssignment,
} from './tasks.js'
