/**
 * The `venus-sector-manager` program. Each command group lives in its own file in this folder
 * and is registered here with one line.
 */
import { Command, Option } from 'commander'
import { DEFAULT_SECTOR_MANAGER_HOME } from '../../home.js'
import { configureProgram } from '../../run.js'
import { registerAuthCommands } from './auth.js'
import { registerDaemonCommands } from './daemon.js'
import { registerDaemonRunCommand } from './daemon-run.js'
import { registerMockCommand } from './mock.js'
import { registerUtilCommands } from './util.js'

/** Networks accepted by `--net` (v0.1.2 list, plus the seed's `nerpa`, `calibnet` and our `devnet`). */
export const NETWORKS = [
  'mainnet',
  'integrationnet',
  '2k',
  'cali',
  'calibnet',
  'interop',
  'force',
  'butterfly',
  'nerpa',
  'devnet',
]

/** Command groups of the manager; later groups (`util`, `mock`, …) append themselves here. */
export const sectorManagerCommandGroups: ((program: Command) => unknown)[] = [
  registerDaemonCommands,
  registerDaemonRunCommand,
  registerUtilCommands,
  registerAuthCommands,
  registerMockCommand,
]

/**
 * Builds the `venus-sector-manager` command tree.
 *
 * @example
 * ```ts
 * await runCli(buildSectorManagerProgram(), ['node', 'venus-sector-manager', 'daemon', 'init'])
 * ```
 */
export function buildSectorManagerProgram(): Command {
  const program = new Command('venus-sector-manager')
    .description('venus-sector-manager: sector management and every chain interaction of venus-cluster')
    .addOption(
      new Option('--home <dir>', 'data directory of the sector manager')
        .env('VENUS_SECTOR_MANAGER_HOME')
        .default(DEFAULT_SECTOR_MANAGER_HOME),
    )
    .addOption(new Option('--net <net>', 'Filecoin network to join').choices(NETWORKS).default('mainnet'))
  configureProgram(program)
  for (const register of sectorManagerCommandGroups) register(program)
  return program
}
