/**
 * `venus-worker store seal-init|file-init|abandon-original`: prepare sealing and persist
 * directories, and take over sealing stores of the original worker.
 */

import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  type AbandonOriginalResult,
  abandonOriginalWorkerMeta,
  prepareFileStore,
  prepareSealingStore,
  type StorePrepareResult,
} from '@venus-cluster/core'
import { importOriginalStore, type OriginalImportPlan, planOriginalImport } from '@venus-cluster/sealer'
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

/** Adds `store` with `seal-init` (alias `sealing-init`), `file-init`, `import-original` and `abandon-original`. */
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
    .description(
      'prepare mounted directories as persist stores (the .holder marker); adopts a persist store of the original worker, keeping its files',
    )
    .requiredOption('-l, --location <dir...>', 'directories to prepare')
    .action(async (opts: { location: string[] }, cmd: Command) => {
      await prepareAll(cmd, opts.location, 'persist store', prepareFileStore)
    })
  store
    .command('abandon-original')
    .description(
      'use sealing stores of the original worker, giving up the sector its RocksDB metadata (meta/) records; the RocksDB files are kept, unread',
    )
    .requiredOption('-l, --location <dir...>', 'sealing store directories')
    .action(async (opts: { location: string[] }, cmd: Command) => {
      const results: AbandonOriginalResult[] = []
      for (const dir of opts.location) results.push(await abandonOriginalWorkerMeta(dir))
      report(
        cmd,
        results,
        results.map((r) =>
          r.alreadyAbandoned
            ? `${r.location}: the original worker's sector was given up already; nothing changed`
            : `${r.location}: the original worker's sector is given up (RocksDB kept: ${r.files.length} files); its thread starts on its own`,
        ),
      )
    })
  store
    .command('import-original')
    .description(
      "go on with the sector the original worker was sealing in a sealing store: its RocksDB record (meta/) becomes this worker's; a dry run unless --really-do-it",
    )
    .requiredOption('-l, --location <dir>', 'sealing store directory')
    .option(
      '--record <file>',
      'the record exported from the RocksDB beforehand (value of meta/info), see docs/migration.md',
    )
    .option('--really-do-it', "write this worker's record (default: say what would happen)", false)
    .action(async (opts: { location: string; record?: string; reallyDoIt: boolean }, cmd: Command) => {
      const record = opts.record === undefined ? undefined : await readFile(resolve(opts.record))
      const o = record === undefined ? {} : { record }
      const r: OriginalImportPlan = opts.reallyDoIt
        ? await importOriginalStore(opts.location, o)
        : await planOriginalImport(opts.location, o)
      const { record: _omit, ...shown } = r
      report(cmd, shown, [
        `${r.location}: ${r.sector ?? 'no sector'} (${r.fromState ?? '-'}): ${r.action}: ${r.reason}`,
        ...(opts.reallyDoIt || r.action === 'refuse'
          ? []
          : ['dry run: nothing was written; pass --really-do-it']),
      ])
    })
  return store
}
