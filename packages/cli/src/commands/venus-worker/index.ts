/**
 * The `venus-worker` program. Each command group lives in its own file in this folder and is
 * registered here with one line.
 */
import { Command } from 'commander'
import { configureProgram } from '../../run.js'
import { registerDaemonCommand } from './daemon.js'
import { registerProcessorCommands } from './processor.js'
import { registerStoreCommands } from './store.js'
import { registerWorkerControlCommands } from './worker-control.js'

/** Command groups of the worker; later groups (`daemon`, `processor`, …) append themselves here. */
export const workerCommandGroups: ((program: Command) => unknown)[] = [
  registerStoreCommands,
  registerDaemonCommand,
  registerWorkerControlCommands,
  registerProcessorCommands,
]

/**
 * Builds the `venus-worker` command tree.
 *
 * @example
 * ```ts
 * await runCli(buildWorkerProgram(), ['node', 'venus-worker', 'store', 'seal-init', '-l', '/data/a'])
 * ```
 */
export function buildWorkerProgram(): Command {
  const program = new Command('venus-worker').description(
    'venus-worker: the PoRep sealing worker of venus-cluster',
  )
  configureProgram(program)
  for (const register of workerCommandGroups) register(program)
  return program
}
