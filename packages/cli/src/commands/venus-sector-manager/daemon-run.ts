/** `venus-sector-manager daemon run`: the manager daemon (Venus.* at /rpc/v0). */

import { parseTrustedNetworks, VenusError } from '@venus-cluster/core'
import { createVenusMarket, startManagerDaemon } from '@venus-cluster/manager'
import { storesLocator, winningPoStMethods } from '@venus-cluster/poster'
import { type Command, Option } from 'commander'
import { clientsOf, homeOf, loadConfig, requireApi } from './manager-common.js'
import { loadPosterProofs, type PosterProofs, startGatewayProofs, startPoster } from './poster-wiring.js'

/** Adds `run` under the `daemon` command registered by `daemon.ts`. */
export function registerDaemonRunCommand(program: Command): Command {
  const daemon = program.commands.find((c) => c.name() === 'daemon') ?? program.command('daemon')
  daemon
    .command('run')
    .description('run the sector manager: serve Venus.* at /rpc/v0 (HTTP POST and WebSocket)')
    .addOption(new Option('--listen <addr>', 'listen address').default(':1789'))
    .addOption(new Option('--poster', 'also run WindowPoSt for the miners with PoSt enabled').default(false))
    .addOption(
      new Option('--miner', 'also answer WinningPoSt (Venus.ComputeWinningPoSt) for block producers').default(
        false,
      ),
    )
    .addOption(
      new Option(
        '--proofs <kind>',
        'proofs backend (checks submitted proofs, aggregates them, and proves for --poster/--miner): native, or mock on a devnet',
      )
        .choices(['native', 'mock'])
        .default('native'),
    )
    .addOption(
      new Option(
        '--db <url-or-path>',
        'state database: a postgres:// URL (shared by several managers) or a SQLite file',
      ).env('VENUS_MANAGER_DB'),
    )
    .addOption(
      new Option('--no-auth', 'serve the API, dashboard and /metrics WITHOUT tokens (trusted networks only)'),
    )
    .addOption(
      new Option(
        '--trusted-networks <cidrs>',
        'comma-separated CIDR blocks whose callers may send no token and still read, write and sign (workers that send none, such as the original Rust venus-worker); admin still needs a token',
      ).env('VENUS_MANAGER_TRUSTED_NETWORKS'),
    )
    .addOption(
      new Option('--sync <mode>', 'SQLite durability: full (fsync per commit) or normal')
        .choices(['full', 'normal'])
        .default('full'),
    )
    .action(
      async (
        opts: {
          listen: string
          poster: boolean
          miner: boolean
          proofs: PosterProofs
          db?: string
          sync: 'full' | 'normal'
          auth: boolean
          trustedNetworks?: string
        },
        cmd: Command,
      ) => {
        const home = homeOf(cmd)
        const flagNetworks = trustedNetworksOf(opts.trustedNetworks)
        const { config, file } = await loadConfig(home)
        const trustedNetworks = [...new Set([...file.trustedNetworks, ...flagNetworks])]
        if (config.miners.length === 0) {
          throw new VenusError('CONFIG_MISSING_KEY', 'sector-manager.cfg configures no [[Miners]]')
        }
        // Every commitment goes through the messager: without one the daemon could seal nothing.
        requireApi(file.messager.api, 'Messager', home)
        const { chain, messager } = await clientsOf(cmd)
        // Load the proofs first: a manager that cannot check proofs (and a poster that cannot
        // prove) must stop the start, not send proofs the chain will refuse.
        const postProofs = await loadPosterProofs(opts.proofs)
        // Deals come from venus-market when `[Common.API] Market` names one.
        const market =
          file.market.api === ''
            ? undefined
            : createVenusMarket({
                api: file.market.api,
                ...(file.market.token ? { token: file.market.token } : {}),
              })
        const d = await startManagerDaemon({
          market,
          proofs: postProofs,
          home,
          listen: opts.listen,
          db: opts.db,
          synchronous: opts.sync,
          auth: opts.auth ? undefined : 'off',
          trustedNetworks,
          config,
          chain,
          messager,
          reloadConfig: async () => (await loadConfig(home)).config,
          extraMethods:
            opts.miner && postProofs
              ? winningPoStMethods({
                  proofs: postProofs,
                  locate: storesLocator(file.persistStores.map((s) => s.path)),
                })
              : undefined,
          logger: {
            info: (o, m) => process.stderr.write(`info: ${m} ${JSON.stringify(o)}\n`),
            warn: (o, m) => process.stderr.write(`warn: ${m} ${JSON.stringify(o, errorJson)}\n`),
            error: (o, m) => process.stderr.write(`error: ${m} ${JSON.stringify(o, errorJson)}\n`),
          },
        })
        const net = await chain.networkParams()
        process.stdout.write(
          `venus-sector-manager listening on ${d.url} (network ${net.name}, ${config.miners.length} miners)\n`,
        )
        process.stdout.write(
          d.auth
            ? `auth: on (tokens: venus-sector-manager auth create-token --perm <perm>; dashboard ${d.url.replace('/rpc/v0', '/ui')})\n`
            : 'auth: OFF (--no-auth): every caller may read, write, sign and admin\n',
        )
        if (d.auth && trustedNetworks.length > 0)
          process.stdout.write(
            `auth: callers without a token from ${trustedNetworks.join(', ')} may read, write and sign\n`,
          )
        if (!d.auth && trustedNetworks.length > 0)
          process.stderr.write('warn: --trusted-networks has no effect with --no-auth\n')
        const poster =
          opts.poster && postProofs
            ? await startPoster({
                file,
                daemon: d,
                proofs: postProofs,
                log: (line) => process.stderr.write(`${line}\n`),
              })
            : undefined
        if (opts.miner) process.stdout.write('WinningPoSt: Venus.ComputeWinningPoSt served\n')
        const winning =
          opts.miner && postProofs
            ? await startGatewayProofs({
                file,
                proofs: postProofs,
                log: (line) => process.stderr.write(`${line}\n`),
              })
            : undefined
        await new Promise<void>((resolve) => {
          const stop = () => resolve()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        await winning?.stop()
        await poster?.stop()
        await d.stop()
        await market?.close()
      },
    )
  return daemon
}

function errorJson(_k: string, v: unknown): unknown {
  if (v instanceof Error) return { name: v.name, message: v.message }
  return typeof v === 'bigint' ? v.toString() : v
}

/** `--trusted-networks` checked up front, so a typo names the flag instead of failing later. */
function trustedNetworksOf(value: string | undefined): string[] {
  const list = (value ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
  try {
    parseTrustedNetworks(list)
  } catch (err) {
    throw new VenusError('INVALID_ARGUMENT', `--trusted-networks: ${(err as Error).message}`, { cause: err })
  }
  return list
}
