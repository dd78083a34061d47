/**
 * `venus-sector-manager util sealer sectors import | import-json | export-json`: moving sectors
 * in from lotus-miner or damocles (a dry run unless `--really-do-it`), and out in damocles's
 * `export-json` format. They work on the state database directly, as `util storage attach` does.
 */
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createLotusMinerClient, httpTransport, VenusError } from '@venus-cluster/core'
import {
  createServiceContext,
  damoclesCandidates,
  type ImportCandidate,
  type ImportReport,
  lotusMinerCandidates,
  MAX_DAMOCLES_EXPORT_BYTES,
  type ManagedSector,
  type ManagerStore,
  openManagerStore,
  parseDamoclesExport,
  recordToDamocles,
  SectorImporter,
  sectorKey,
} from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { minerArg, uintArg } from '../../args.js'
import { report, wantsJson } from '../../output.js'
import { apiUrl, clientsOf, homeOf, loadConfig } from './manager-common.js'

const numbersOpt = (v: string, prev: number[] = []) => [
  ...prev,
  ...v
    .split(',')
    .filter((x) => x.trim() !== '')
    .map((x) => uintArg(x.trim(), '--numbers')),
]

const pathMapOpt = (v: string, prev: Record<string, string> = {}) => {
  const i = v.indexOf('=')
  if (i <= 0 || i === v.length - 1)
    throw new VenusError(
      'CLI_USAGE',
      `--path-map ${JSON.stringify(v)}: expected <path on the miner node>=<path here>`,
    )
  return { ...prev, [v.slice(0, i)]: v.slice(i + 1) }
}

/** Lines of an import report: conflicts one by one, the rest counted (all with `--verbose`). */
function reportLines(r: ImportReport, verbose: boolean): string[] {
  const lines: string[] = []
  for (const i of r.items) {
    if (i.action !== 'skip' && !verbose && i.action !== 'take-over') continue
    const what = i.action === 'skip' ? `skip (${i.conflict})` : i.action
    lines.push(`${sectorKey(i.id)}\t${i.sourceState}\t${what}\t${i.reason}`)
  }
  lines.push(
    `${r.applied ? '' : 'would '}import ${r.counts.import} proven sector(s), ${r.applied ? '' : 'would '}take over ${r.counts.takeOver} in flight, skip ${r.counts.skip}`,
  )
  for (const [m, n] of Object.entries(r.lastNumbers))
    lines.push(`miner ${m}: new sector numbers start above ${n}`)
  if (r.stores.length > 0) {
    lines.push('', 'the files are in these persist stores; sector-manager.cfg must name them:', '')
    for (const s of r.stores)
      lines.push(
        '[[Common.PersistStores]]',
        `Name = ${JSON.stringify(s.name)}`,
        `Path = ${JSON.stringify(s.path)}`,
        '',
      )
  }
  if (!r.applied) lines.push('dry run: nothing was written; pass --really-do-it to import')
  return lines
}

async function runImport(
  cmd: Command,
  o: { reallyDoIt: boolean; allowMissingFiles: boolean; verbose: boolean; db?: string },
  candidates: (ctx: { store: ManagerStore }) => Promise<ImportCandidate[]>,
): Promise<void> {
  const home = homeOf(cmd)
  const { config } = await loadConfig(home)
  const { chain, messager, chainClient } = await clientsOf(cmd)
  const prefix = (await chain.networkParams()).addressPrefix
  const store = await openManagerStore(o.db, home)
  try {
    const ctx = createServiceContext({ store, chain, messager, config })
    const importer = new SectorImporter(ctx, {
      allowMissingFiles: o.allowMissingFiles,
      allocatedNumbers: async (m) => chainClient.stateMinerAllocated(`${prefix}0${m}`),
    })
    const plan = await importer.plan(await candidates({ store }))
    const done = o.reallyDoIt ? await importer.apply(plan) : plan
    report(cmd, done, reportLines(done, o.verbose))
  } finally {
    await store.close()
  }
}

async function readExport(file: string): Promise<{ text: string; path: string }> {
  const path = resolve(file)
  let size: number
  try {
    size = (await stat(path)).size
  } catch (err) {
    throw new VenusError('CLI_USAGE', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`)
  }
  if (size > MAX_DAMOCLES_EXPORT_BYTES)
    throw new VenusError(
      'CLI_USAGE',
      `${path} is ${size} bytes; split it (at most ${MAX_DAMOCLES_EXPORT_BYTES})`,
    )
  return { text: await readFile(path, 'utf8'), path }
}

const dbOption = () =>
  new Option('--db <url-or-path>', 'state database (as daemon run)').env('VENUS_MANAGER_DB')

/**
 * Adds `import`, `import-json` and `export-json` under `sectors`.
 *
 * @example
 * ```ts
 * registerImportCommands(sealer.command('sectors'))
 * ```
 */
export function registerImportCommands(sectors: Command): void {
  sectors
    .command('import')
    .description(
      'import sectors from lotus-miner (its API) or damocles (an export-json file): a dry run that reports what would be imported and every conflict, unless --really-do-it',
    )
    .addOption(
      new Option('--from <source>', 'where the sectors are')
        .choices(['lotus-miner', 'damocles'])
        .default('lotus-miner'),
    )
    .option('--api <url-or-multiaddr>', "lotus-miner's API (e.g. /ip4/10.0.0.5/tcp/2345/http)")
    .option('--token <token>', "lotus-miner's API token (admin: the storage index needs it)")
    .option('--file <path>', 'damocles export file (export-json lines)')
    .option('--numbers <n>', 'only these sector numbers (repeatable, or comma-separated)', numbersOpt)
    .option(
      '--path-map <from=to>',
      'a storage path of the miner node mounted elsewhere here (repeatable)',
      pathMapOpt,
    )
    .option(
      '--allow-missing-files',
      'import proven sectors whose files are not found, without index entries',
      false,
    )
    .option('--really-do-it', 'write the records (default: a dry run)', false)
    .option('-v, --verbose', 'list every sector, not only conflicts and take-overs', false)
    .addOption(dbOption())
    .action(
      async (
        o: {
          from: 'lotus-miner' | 'damocles'
          api?: string
          token?: string
          file?: string
          numbers?: number[]
          pathMap?: Record<string, string>
          allowMissingFiles: boolean
          reallyDoIt: boolean
          verbose: boolean
          db?: string
        },
        cmd: Command,
      ) => {
        if (o.from === 'damocles') {
          if (o.file === undefined)
            throw new VenusError('CLI_USAGE', '--from damocles needs --file <export file>')
          const { text, path } = await readExport(o.file)
          const only = o.numbers === undefined ? undefined : new Set(o.numbers)
          return runImport(cmd, o, async () =>
            damoclesCandidates(parseDamoclesExport(text, path), path).filter(
              (c) => only === undefined || only.has(c.record.id.number),
            ),
          )
        }
        if (o.api === undefined)
          throw new VenusError('CLI_USAGE', '--from lotus-miner needs --api <url or multiaddr>')
        let url: string
        try {
          url = apiUrl(o.api, 'v0')
        } catch {
          throw new VenusError('CLI_USAGE', `--api ${JSON.stringify(o.api)} is not a multiaddr or URL`)
        }
        const lotus = createLotusMinerClient(httpTransport(url, o.token ? { token: o.token } : {}), {
          timeoutMs: 60_000,
        })
        try {
          await runImport(cmd, o, async () => {
            const src = await lotusMinerCandidates(lotus, { numbers: o.numbers, pathMap: o.pathMap })
            return src.candidates
          })
        } finally {
          await lotus.close()
        }
      },
    )

  sectors
    .command('import-json')
    .argument('<file>', 'damocles export file: export-json output, one record per line')
    .description('import records in damocles export-json format (a dry run unless --really-do-it)')
    .option('--allow-missing-files', 'import proven sectors whose files are not found', false)
    .option('--really-do-it', 'write the records (default: a dry run)', false)
    .option('-v, --verbose', 'list every sector', false)
    .addOption(dbOption())
    .action(
      async (
        file: string,
        o: { allowMissingFiles: boolean; reallyDoIt: boolean; verbose: boolean; db?: string },
        cmd: Command,
      ) => {
        const { text, path } = await readExport(file)
        await runImport(cmd, o, async () => damoclesCandidates(parseDamoclesExport(text, path), path))
      },
    )

  sectors
    .command('export-json')
    .argument('[miner]', 'miner actor id')
    .argument('[number]', 'sector number')
    .option('--all', 'every record (of <miner> when given)', false)
    .addOption(dbOption())
    .description(
      "records in damocles's export-json format, one per line (damocles's import-json reads them): one sector, or --all",
    )
    .action(
      async (
        m: string | undefined,
        n: string | undefined,
        o: { all: boolean; db?: string },
        cmd: Command,
      ) => {
        if (!o.all && (m === undefined || n === undefined))
          throw new VenusError('CLI_USAGE', 'give <miner> <number>, or --all')
        const store = await openManagerStore(o.db, homeOf(cmd))
        let records: ManagedSector[]
        try {
          if (o.all) {
            const miner = m === undefined ? undefined : minerArg(m, '<miner>')
            records = [...(await store.listSectors(true)), ...(await store.listSectors(false))]
              .filter((r) => miner === undefined || r.id.miner === miner)
              .sort((a, b) => a.id.miner - b.id.miner || a.id.number - b.id.number)
          } else {
            const id = { miner: minerArg(m as string, '<miner>'), number: uintArg(n as string, '<number>') }
            const got = await store.getSector(id)
            if (got === undefined)
              throw new VenusError('SECTOR_NOT_FOUND', `the manager has no record of ${sectorKey(id)}`)
            records = [got.state]
          }
        } finally {
          await store.close()
        }
        const out = records.map(recordToDamocles)
        if (wantsJson(cmd)) report(cmd, out, [])
        else process.stdout.write(out.map((r) => `${JSON.stringify(r)}\n`).join(''))
      },
    )
}
