/** `venus-sector-manager daemon run`: the manager daemon (Venus.* at /rpc/v0). */

import { join } from 'node:path'
import { isVenusError, parseGoDuration, VenusError } from '@venus-cluster/core'
import { parseTrustedNetworks } from '@venus-cluster/core/auth'
import {
  createVenusMarket,
  type ManagerDaemon,
  type SenderCheck,
  startManagerDaemon,
} from '@venus-cluster/manager'
import { storesLocator, winningPoStMethods } from '@venus-cluster/poster'
import { type Command, Option } from 'commander'
import { SECTOR_MANAGER_CONFIG_FILE } from '../../home.js'
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
    .addOption(
      new Option(
        '--start-timeout <duration>',
        'how long the start waits for a chain node that does not answer before it exits non-zero (e.g. "1m", "0s" = one try)',
      )
        .env('VENUS_MANAGER_START_TIMEOUT')
        .default('1m'),
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
          startTimeout: string
        },
        cmd: Command,
      ) => {
        const home = homeOf(cmd)
        const flagNetworks = trustedNetworksOf(opts.trustedNetworks)
        const startTimeoutMs = startTimeoutOf(opts.startTimeout)
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
        // SIGINT/SIGTERM end the start as well as the run; everything started is stopped in
        // reverse, whether the run ends by a signal or a later step of the start fails.
        const stopping = new AbortController()
        const onSignal = () => stopping.abort()
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)
        const started: (() => Promise<unknown>)[] = []
        if (market) started.push(() => market.close())
        try {
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
            startTimeoutMs,
            signal: stopping.signal,
            // The poster sends with these; unset means the miner's worker address.
            senders: opts.poster
              ? file.miners
                  .filter((m) => m.post.enabled && m.post.sender !== undefined)
                  .map(
                    (m): SenderCheck => ({
                      miner: m.actor,
                      role: 'post',
                      address: m.post.sender ?? '',
                      required: false,
                      ref: m.keys?.postSender,
                      minerRef: m.keys?.actor,
                    }),
                  )
              : undefined,
            reloadConfig: async () => (await loadConfig(home)).config,
            extraMethods:
              opts.miner && postProofs
                ? winningPoStMethods({
                    proofs: postProofs,
                    locate: storesLocator(file.persistStores.map((s) => s.path)),
                  })
                : undefined,
            logger: {
              info: (o, m) => process.stderr.write(`info: ${m} ${JSON.stringify(o, errorJson)}\n`),
              warn: (o, m) => process.stderr.write(`warn: ${m} ${JSON.stringify(o, errorJson)}\n`),
              error: (o, m) => process.stderr.write(`error: ${m} ${JSON.stringify(o, errorJson)}\n`),
            },
          }).catch((err: unknown) => {
            throw startError(err, home, opts.startTimeout)
          })
          started.push(() => d.stop())
          await announce(d, config.miners.length, trustedNetworks, chain)
          if (opts.poster && postProofs) {
            const poster = await startPoster({
              file,
              daemon: d,
              proofs: postProofs,
              log: (line) => process.stderr.write(`${line}\n`),
            })
            if (poster) started.push(() => poster.stop())
          }
          if (opts.miner) process.stdout.write('WinningPoSt: Venus.ComputeWinningPoSt served\n')
          if (opts.miner && postProofs) {
            const winning = await startGatewayProofs({
              file,
              proofs: postProofs,
              log: (line) => process.stderr.write(`${line}\n`),
            })
            if (winning) started.push(() => winning.stop())
          }
          if (!stopping.signal.aborted)
            await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }))
        } catch (err) {
          // A signal during the start is a stop, not a failure.
          if (!(stopping.signal.aborted && isVenusError(err, 'ABORTED'))) throw err
        } finally {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          for (const stop of started.reverse()) await stop().catch(() => {})
        }
      },
    )
  return daemon
}

/** Prints where the daemon listens and how auth is set up. */
async function announce(
  d: ManagerDaemon,
  miners: number,
  trustedNetworks: string[],
  chain: { networkParams(): Promise<{ name: string }> },
): Promise<void> {
  const net = await chain.networkParams()
  process.stdout.write(`venus-sector-manager listening on ${d.url} (network ${net.name}, ${miners} miners)\n`)
  process.stdout.write(
    d.auth
      ? `auth: on (tokens: venus-sector-manager auth create-token --perm <perm>; dashboard ${d.url.replace('/rpc/v0', '/ui')})\n`
      : 'auth: OFF (--no-auth): every caller may read, write, sign and admin\n',
  )
  process.stdout.write(`health: ${d.url.replace('/rpc/v0', '/healthz')} and /readyz (no token needed)\n`)
  if (d.auth && trustedNetworks.length > 0)
    process.stdout.write(
      `auth: callers without a token from ${trustedNetworks.join(', ')} may read, write and sign\n`,
    )
  if (!d.auth && trustedNetworks.length > 0)
    process.stderr.write('warn: --trusted-networks has no effect with --no-auth\n')
}

/** `--start-timeout` checked up front, naming the flag. */
function startTimeoutOf(value: string): number {
  try {
    return parseGoDuration(value)
  } catch (err) {
    throw new VenusError('CLI_USAGE', `--start-timeout: ${(err as Error).message}`, { cause: err })
  }
}

/** Adds what an operator of `daemon run` can do about a failed start. */
function startError(err: unknown, home: string, startTimeout: string): unknown {
  if (!isVenusError(err)) return err
  const cfg = join(home, SECTOR_MANAGER_CONFIG_FILE)
  const hint =
    err.code === 'TIMEOUT'
      ? `; gave up after --start-timeout ${startTimeout} (check [Chain] Api / [Common.API] Chain in ${cfg}, or wait longer with a larger --start-timeout)`
      : err.code === 'UNAUTHENTICATED' || err.code === 'PERMISSION_DENIED'
        ? `; check the token of that API in ${cfg} ([Chain] Token / [Messager] Token, or [Common.API] Token)`
        : ''
  if (hint === '') return err
  return new VenusError(err.code, `${err.message}${hint}`, { details: err.details, cause: err })
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
