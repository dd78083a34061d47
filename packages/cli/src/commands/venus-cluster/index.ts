/**
 * The `venus-cluster` program (demo, and later the dashboard). Each command group lives in its
 * own file in this folder and is registered here with one line.
 */
import { Command } from 'commander'
import { configureProgram } from '../../run.js'
import { registerDemoCommand } from './demo.js'
import { registerDevnetCommands } from './devnet.js'
import { registerUtilCommands } from './util.js'

/** Command groups of `venus-cluster`; later groups append themselves here. */
export const clusterCommandGroups: ((program: Command) => unknown)[] = [
  registerDemoCommand,
  registerDevnetCommands,
  registerUtilCommands,
]

/**
 * Builds the `venus-cluster` command tree.
 *
 * @example
 * ```ts
 * await runCli(buildClusterProgram(), ['node', 'venus-cluster', 'demo'])
 * ```
 */
export function buildClusterProgram(): Command {
  const program = new Command('venus-cluster').description(
    'venus-cluster: a Filecoin sealing cluster in TypeScript',
  )
  configureProgram(program)
  for (const register of clusterCommandGroups) register(program)
  return program
}
