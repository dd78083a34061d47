/** `venus-sector-manager daemon …`: `init` here; `run` is added by the manager's command file. */
import { constants } from 'node:fs'
import { access, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultManagerConfigText, VenusError } from '@venus-cluster/core'
import { managerControlKey, managerTokenAuthority } from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { expandHome, SECTOR_MANAGER_CONFIG_FILE } from '../../home.js'
import { report } from '../../output.js'

/** Result of {@link initSectorManagerHome}. */
export interface InitHomeResult {
  home: string
  config: string
  /** false when a config existed and was kept. */
  written: boolean
  /** true when an existing config was replaced (`--force`). */
  overwritten: boolean
}

/**
 * Creates the manager home and writes the commented default `sector-manager.cfg` into it.
 * An existing config is kept unless `force`.
 *
 * @example
 * ```ts
 * await initSectorManagerHome('/var/lib/vsm', { force: false })
 * ```
 */
export async function initSectorManagerHome(home: string, opts: { force: boolean }): Promise<InitHomeResult> {
  const config = join(home, SECTOR_MANAGER_CONFIG_FILE)
  try {
    await mkdir(home, { recursive: true })
  } catch (err) {
    throw new VenusError('STORE_IO', `${home}: cannot create the home directory`, {
      details: { home },
      cause: err,
    })
  }
  // The API token secret (0600), the local admin token and the worker control key (0600);
  // kept when they exist.
  await managerTokenAuthority(home)
  await managerControlKey(home)
  let existed = true
  try {
    await access(config, constants.F_OK)
  } catch {
    existed = false
  }
  if (existed && !opts.force) return { home, config, written: false, overwritten: false }
  try {
    await writeFile(config, defaultManagerConfigText(), { mode: 0o644 })
  } catch (err) {
    throw new VenusError('STORE_IO', `${config}: cannot write the config file`, {
      details: { file: config },
      cause: err,
    })
  }
  return { home, config, written: true, overwritten: existed }
}

/** Adds `daemon` and `daemon init` to the manager program; returns the `daemon` command. */
export function registerDaemonCommands(program: Command): Command {
  const daemon = program.command('daemon').description('initialise and run the sector manager daemon')
  daemon
    .command('init')
    .description(`write the commented default ${SECTOR_MANAGER_CONFIG_FILE} into the home directory`)
    .addOption(new Option('--force', `overwrite an existing ${SECTOR_MANAGER_CONFIG_FILE}`).default(false))
    .action(async (opts: { force: boolean }, cmd: Command) => {
      const home = expandHome(String(cmd.optsWithGlobals().home))
      const r = await initSectorManagerHome(home, opts)
      const line = !r.written
        ? `${r.config} exists already; kept it unchanged (use --force to overwrite it with the default)`
        : r.overwritten
          ? `${r.config} overwritten with the default config (--force)`
          : `initialised ${r.home}: wrote the default config to ${r.config} (every value commented out)`
      report(cmd, r, [line])
    })
  return daemon
}
