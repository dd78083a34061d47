/** `venus-worker store seal-init|file-init`: prepare sealing and persist directories (spec §2.2). */

import { prepareFileStore, prepareSealingStore, type StorePrepareResult } from '@venus-cluster/core'
import type { Command } from 'commander'
import { report } from '../../output.js'

async function prepareAll(
  cmd: Command,
  dirs: string[],
  kind: string,
  prepare: (dir: string) => Promise<StorePrepareResult>,
): Promise<void> {
  const results: StorePrepareResult[] = []
  for (const dir of dirs) results.push(await prepare(dir))
  report(
    cmd,
    results,
    results.map((r) =>
      r.alreadyPrepared
        ? `${r.location}: prepared as a ${kind} already; nothing changed`
        : `${r.location}: prepared as a ${kind}`,
    ),
  )
}

/** Adds `store` with `seal-init` (alias `sealing-init`) and `file-init`. */
export function registerStoreCommands(program: Command): Command {
  const store = program.command('store').description('prepare local sealing stores and persist stores')
  store
    .command('seal-init')
    .alias('sealing-init')
    .description('prepare directories as sealing stores (data/, meta/ and the .holder marker)')
    .requiredOption('-l, --location <dir...>', 'directories to prepare')
    .action(async (opts: { location: string[] }, cmd: Command) => {
      await prepareAll(cmd, opts.location, 'sealing store', prepareSealingStore)
    })
  store
    .command('file-init')
    .description('prepare mounted directories as persist stores (the .holder marker)')
    .requiredOption('-l, --location <dir...>', 'directories to prepare')
    .action(async (opts: { location: string[] }, cmd: Command) => {
      await prepareAll(cmd, opts.location, 'persist store', prepareFileStore)
    })
  return store
}
