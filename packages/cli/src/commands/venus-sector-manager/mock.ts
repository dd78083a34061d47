/**
 * `venus-sector-manager mock`: the original's mock manager. A full `Venus.*` endpoint for trying
 * workers without a chain: an in-memory store, a simulated chain whose epochs advance on a timer
 * (tickets, seeds, precommits and proofs land as on a devnet, every proof accepted), no home
 * directory and no auth. Unlike the original (which answered one fixed ticket and seed and said
 * yes to every persist check), the sealing path runs for real, so a worker that passes here will
 * pass against a real manager.
 */
import { resolve } from 'node:path'
import { VenusError } from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { millisecondsArg } from '../../args.js'
import { mockTarget, startMockManager } from '../../mock-manager.js'

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function persistStoreArg(text: string): { name: string; path: string; readOnly: boolean } {
  const eq = text.indexOf('=')
  const rawPath = eq < 0 ? text : text.slice(eq + 1)
  const name = eq < 0 ? resolve(text) : text.slice(0, eq)
  const path = resolve(rawPath)
  if (name === '' || rawPath === '')
    throw new VenusError(
      'CLI_USAGE',
      `--persist-store must be <name>=<path> or <path>, got ${JSON.stringify(text)}`,
    )
  return { name, path, readOnly: false }
}

/**
 * Adds `mock` to the manager program.
 *
 * @example
 * ```ts
 * registerMockCommand(program) // venus-sector-manager mock --miner 10000 --sector-size 2KiB
 * ```
 */
export function registerMockCommand(program: Command): Command {
  return program
    .command('mock')
    .description('a sector manager on a simulated chain, in memory and without auth, for trying workers')
    .requiredOption('--miner <actor>', 'miner actor id the workers seal for (e.g. 10000 or t010000)')
    .requiredOption('--sector-size <size>', 'sector size of the miner: 2KiB, 8MiB, 512MiB, 32GiB or 64GiB')
    .addOption(new Option('--listen <addr>', 'listen address').default(':1789'))
    .addOption(
      new Option(
        '--persist-store <name=path>',
        'a persist store the workers attach (their [[attached]] name and location); repeatable',
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option('--block-time <ms>', 'milliseconds per simulated epoch').default('1000'))
    .action(
      async (o: {
        miner: string
        sectorSize: string
        listen: string
        persistStore: string[]
        blockTime: string
      }) => {
        const { actor, sectorSize: size } = mockTarget(o.miner, o.sectorSize)
        const blockMs = millisecondsArg('--block-time', o.blockTime)
        const persistStores = o.persistStore.map(persistStoreArg)

        const m = await startMockManager({
          actor,
          sectorSize: size,
          listen: o.listen,
          persistStores,
          blockMs,
        })
        process.stdout.write(
          [
            `mock venus-sector-manager listening on ${m.url} (no auth, state in memory)`,
            `miner t0${actor}, ${o.sectorSize} sectors, one simulated epoch every ${blockMs} ms; proofs are not checked`,
            persistStores.length > 0
              ? `persist stores: ${persistStores.map((p) => `${p.name} = ${p.path}`).join(', ')}`
              : 'no persist store given: SubmitPersisted answers PERSIST_STORE_UNKNOWN (pass --persist-store <name>=<path>)',
            '',
          ].join('\n'),
        )
        await new Promise<void>((done) => {
          process.once('SIGINT', () => done())
          process.once('SIGTERM', () => done())
        })
        await m.stop()
      },
    )
}
