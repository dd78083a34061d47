export {
  PIECE_COPY_DIR,
  pieceAt,
  type RebuildAssignment,
  type RepairEvents,
  RepairTasks,
  type RepairTasksOptions,
  type UnsealAssignment,
} from './tasks.js'
