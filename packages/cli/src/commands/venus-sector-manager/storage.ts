/**
 * `venus-sector-manager util storage find | attach | list | detach | release-reserved`: the
 * persist stores and the sector index. The list of stores lives in the manager's database besides
 * `[[Common.PersistStores]]` of the config: `attach` records a store (and indexes the sectors in
 * it) so a farm of many stores needs no config edits; `list`, `detach` and `release-reserved` go
 * through the running daemon, which checks the records and the chain first.
 */
import { resolve } from 'node:path'
import { managerConfig, VenusError } from '@venus-cluster/core'
import {
  indexStoreSectors,
  openManagerStore,
  PersistStores,
  type WireStoreDetachPlan,
  type WireStoreDetailedInfo,
} from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { minerArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { daemonCall, homeOf, loadConfig } from './manager-common.js'
import { expandPattern, lotusStorageMeta } from './storage-attach.js'

const listenOption = () => new Option('--listen <addr>', 'daemon address').default('127.0.0.1:1789')

/** Bytes as `1.5 TiB`. */
export function bytesText(n: number | null): string {
  if (n === null) return '?'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${Number.isInteger(v) ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`
}

const minerList = (v: string, prev: number[] = []) => [
  ...prev,
  ...v.split(',').map((m) => minerArg(m.trim(), '--allow-miner/--deny-miner')),
]

/**
 * Adds the `storage` group under `util`.
 *
 * @example
 * ```ts
 * registerStorageCommands(program.command('util'))
 * ```
 */
export function registerStorageCommands(util: Command): Command {
  const storage = util.command('storage').description('persist stores and the sector index')
  const call = (cmd: Command, listen: string) => daemonCall(listen, homeOf(cmd))

  storage
    .command('find')
    .argument('<miner>')
    .argument('<number>')
    .option('--upgrade', 'look in the index of upgraded (snap) sectors', false)
    .addOption(listenOption())
    .description("which persist store holds a sector's sealed file and cache (asks the daemon)")
    .action(async (m: string, n: string, o: { upgrade: boolean; listen: string }, cmd: Command) => {
      const id = { Miner: minerArg(m, 'miner'), Number: uintArg(n, 'number') }
      const r = (await call(cmd, o.listen)('Venus.SectorIndexerFind', [
        o.upgrade ? 'upgrade' : 'normal',
        id,
      ])) as {
        Found: boolean
        Instance: { SealedFile: string; CacheDir: string }
      }
      if (!r.Found)
        throw new VenusError('NOT_FOUND', `m-${id.Miner}-n-${id.Number} is not in the sector index`, {
          details: { sector: id, kind: o.upgrade ? 'upgrade' : 'normal' },
        })
      report(cmd, r, [
        `m-${id.Miner}-n-${id.Number}: sealed file in ${r.Instance.SealedFile}, cache in ${r.Instance.CacheDir}`,
      ])
    })

  storage
    .command('attach')
    .argument('[paths...]', 'persist store roots (each holds sealed/ and cache/)')
    .option(
      '--pattern <glob>',
      'attach every directory matching this pattern, e.g. "/mnt/disk*/lotus" (repeatable; * and ? within a path segment)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--name <name>',
      'instance name of a single path (default: its sectorstore.json ID, else the absolute path)',
    )
    .option('--strict', 'strict store', false)
    .option('--read-only', 'read-only store: its sectors are proven, no new ones are placed there', false)
    .option('--weight <n>', 'relative chance of new sectors being placed here (0 = none)', '1')
    .option(
      '--allow-miner <ids>',
      'only these miners place sectors here (repeatable or comma-separated)',
      minerList,
    )
    .option(
      '--deny-miner <ids>',
      'these miners never place sectors here (repeatable or comma-separated)',
      minerList,
    )
    .option('--allow-splitted', 'index cache/ separately from sealed/', false)
    .option('-v, --verbose', 'print every indexed sector', false)
    .addOption(new Option('--db <url-or-path>', 'state database (as daemon run)').env('VENUS_MANAGER_DB'))
    .description(
      'record persist stores in the manager database and index the sectors in them, lotus storage paths included (named by their sectorstore.json ID; a running daemon picks them up within its check interval)',
    )
    .action(
      async (
        paths: string[],
        o: {
          pattern?: string[]
          name?: string
          strict: boolean
          readOnly: boolean
          weight: string
          allowMiner?: number[]
          denyMiner?: number[]
          allowSplitted: boolean
          verbose: boolean
          db?: string
        },
        cmd: Command,
      ) => {
        const weight = Number(o.weight)
        if (!Number.isFinite(weight) || weight < 0)
          throw new VenusError('CLI_USAGE', `--weight must be a number >= 0, got ${JSON.stringify(o.weight)}`)
        const roots = paths.map((p) => resolve(p))
        for (const pattern of o.pattern ?? []) {
          const found = await expandPattern(pattern)
          if (found.length === 0)
            throw new VenusError('CLI_USAGE', `--pattern ${JSON.stringify(pattern)} matches no directory`)
          roots.push(...found)
        }
        const unique = [...new Set(roots)]
        if (unique.length === 0) throw new VenusError('CLI_USAGE', 'give a path or --pattern')
        if (o.name !== undefined && unique.length > 1)
          throw new VenusError('CLI_USAGE', `--name names one store, but ${unique.length} paths are given`)
        const home = homeOf(cmd)
        const { config } = await loadConfig(home).catch(() => ({ config: undefined }))
        const store = await openManagerStore(o.db, home)
        const lines: string[] = []
        const readOnlyOf = new Map<string, boolean>()
        const results: { name: string; path: string; recorded: boolean; sealed: number; cache: number }[] = []
        try {
          const stores = new PersistStores({
            store,
            log: { debug() {}, info() {}, warn() {}, error() {} },
            config: () => config ?? managerConfig(),
            now: Date.now,
          })
          await stores.refresh()
          for (const abs of unique) {
            const meta = await lotusStorageMeta(abs)
            // A lotus path of Weight 0 takes no new sectors: read-only here.
            const readOnly = o.readOnly || meta?.Weight === 0
            readOnlyOf.set(abs, readOnly)
            let name = o.name ?? meta?.ID ?? abs
            let recorded = false
            // A store of the config keeps its settings there; only its sectors are indexed.
            if (config?.persistStores.some((s) => s.name === name) !== true) {
              const s = await stores.attach({
                path: abs,
                name,
                strict: o.strict,
                readOnly,
                weight,
                allowMiners: o.allowMiner,
                denyMiners: o.denyMiner,
              })
              name = s.name
              recorded = true
            }
            const indexed = await indexStoreSectors(store, name, abs, { allowSplitted: o.allowSplitted })
            if (o.verbose) {
              for (const id of indexed.sealed as { miner: number; number: number }[])
                lines.push(`sealed m-${id.miner}-n-${id.number}`)
              for (const id of indexed.cache as { miner: number; number: number }[])
                lines.push(`cache m-${id.miner}-n-${id.number}`)
            }
            lines.push(
              `${abs}: indexed ${indexed.sealed.length} sealed files${o.allowSplitted ? ` and ${indexed.cache.length} cache dirs` : ''} as ${JSON.stringify(name)}; ${recorded ? `recorded ${name} in the manager database (util storage list shows it)` : `${name} is declared in sector-manager.cfg; its settings stay there`}`,
            )
            results.push({
              name,
              path: abs,
              recorded,
              sealed: indexed.sealed.length,
              cache: indexed.cache.length,
            })
          }
        } finally {
          await store.close()
        }
        const blocks = results.flatMap((r) => [
          '[[Common.PersistStores]]',
          `Name = ${JSON.stringify(r.name)}`,
          `Path = ${JSON.stringify(r.path)}`,
          `Strict = ${o.strict}`,
          `ReadOnly = ${readOnlyOf.get(r.path) === true}`,
          ...(weight !== 1 ? [`Weight = ${weight}`] : []),
          ...(o.allowMiner?.length ? [`AllowMiners = [${o.allowMiner.join(', ')}]`] : []),
          ...(o.denyMiner?.length ? [`DenyMiners = [${o.denyMiner.join(', ')}]`] : []),
          '',
        ])
        report(cmd, results.length === 1 ? results[0] : results, [
          ...lines,
          'to keep them in sector-manager.cfg instead of the database, add:',
          '',
          ...blocks,
        ])
      },
    )

  storage
    .command('list')
    .addOption(listenOption())
    .description('persist stores with their space, weight, miners and reservations (asks the daemon)')
    .action(async (o: { listen: string }, cmd: Command) => {
      const list = (await call(cmd, o.listen)('Venus.StoreList', [])) as WireStoreDetailedInfo[]
      const now = Math.floor(Date.now() / 1000)
      report(
        cmd,
        list,
        list.length === 0
          ? ['no persist stores: attach one with util storage attach <path>']
          : list.flatMap((s) => [
              `${s.Name}:`,
              `\tPath: ${s.Path} (${s.Source === 'config' ? 'sector-manager.cfg' : 'database'})`,
              `\tReadOnly: ${s.ReadOnly}  Weight: ${s.Weight}${s.AllowMiners.length ? `  AllowMiners: ${s.AllowMiners.join(',')}` : ''}${s.DenyMiners.length ? `  DenyMiners: ${s.DenyMiners.join(',')}` : ''}`,
              s.Error !== null
                ? `\tUnreadable: ${s.Error}`
                : `\tTotal: ${bytesText(s.Total)}  Free: ${bytesText(s.Free)}  Used: ${bytesText(s.Used)} (${s.UsedPercent ?? '?'}%)`,
              `\tReserved: ${bytesText(s.Reserved)}${s.ReservedBy.length ? ` for ${s.ReservedBy.length} sector(s)` : ''}`,
              ...s.ReservedBy.map(
                (r) => `\t\t${r.By}: ${bytesText(r.Size)}, ${Math.max(0, now - r.At)} s ago`,
              ),
            ]),
      )
    })

  storage
    .command('detach')
    .argument('<name>', 'persist store instance name')
    .option('--really-do-it', 'forget the store (without it: show the plan)', false)
    .option('--force', 'detach even though sectors there are live on chain (their WindowPoSt fails)', false)
    .addOption(listenOption())
    .description('forget a persist store attached through the CLI or API (its sector index entries stay)')
    .action(
      async (name: string, o: { reallyDoIt: boolean; force: boolean; listen: string }, cmd: Command) => {
        const p = (await call(cmd, o.listen)('Venus.StoreDetach', [
          name,
          { Apply: o.reallyDoIt, Force: o.force },
        ])) as WireStoreDetachPlan
        const lines = [
          `Store: ${p.Store ? `${p.Store.Name} (${p.Store.Path})` : name}`,
          `Sectors indexed there: ${p.Indexed}${p.Live.length ? `, live on chain: ${p.Live.map((s) => `m-${s.Miner}-n-${s.Number}`).join(' ')}${p.Live.length >= 20 ? ' …' : ''}` : ''}`,
          ...(p.Reserved > 0 ? [`Reserved: ${bytesText(p.Reserved)}`] : []),
          ...p.Steps.map((s) => `Would: ${s}`),
          ...p.Refusals.map((r) => `Refused: ${r}`),
        ]
        if (p.Refusals.length > 0)
          throw new VenusError('INVALID_ARGUMENT', lines.join('\n'), { details: { plan: p } })
        report(cmd, p, [
          ...lines,
          o.reallyDoIt ? `detached ${name}` : 'nothing done; pass --really-do-it to detach',
        ])
      },
    )

  storage
    .command('release-reserved')
    .argument('<miner>')
    .argument('<number>')
    .option('--really-do-it', 'release the space (without it: show what is reserved)', false)
    .addOption(listenOption())
    .description('release the store space reserved for a sector (e.g. one abandoned before it was persisted)')
    .action(async (m: string, n: string, o: { reallyDoIt: boolean; listen: string }, cmd: Command) => {
      const id = { Miner: minerArg(m, '<miner>'), Number: uintArg(n, '<number>') }
      const c = call(cmd, o.listen)
      const stores = (await c('Venus.StoreList', [])) as WireStoreDetailedInfo[]
      const by = `s-t0${id.Miner}-${id.Number}`
      const held = stores.flatMap((s) =>
        s.ReservedBy.filter((r) => r.By === by).map((r) => ({ store: s.Name, ...r })),
      )
      const found = held[0]
      if (found === undefined)
        throw new VenusError('NOT_FOUND', `no store space is reserved for m-${id.Miner}-n-${id.Number}`, {
          details: { sector: id },
        })
      const record = await c('Venus.FindSector', ['online', id])
      const lines = [
        `m-${id.Miner}-n-${id.Number}: ${bytesText(found.Size)} reserved in ${found.store}`,
        record === null
          ? 'the sector is not being sealed any more'
          : 'the sector is still being sealed: its worker may still copy it to that store',
      ]
      if (!o.reallyDoIt) {
        report(cmd, { Sector: id, Store: found.store, Size: found.Size, Released: false }, [
          ...lines,
          'nothing done; pass --really-do-it to release it',
        ])
        return
      }
      const released = (await c('Venus.StoreReleaseReserved', [id])) as boolean
      report(cmd, { Sector: id, Store: found.store, Size: found.Size, Released: released }, [
        ...lines,
        released ? 'released' : 'it was released meanwhile',
      ])
    })
  return storage
}
