/** `venus-sector-manager daemon run`: the manager daemon (Venus.* at /rpc/v0). */

import { join } from 'node:path'
import {
  isVenusError,
  type Logger,
  type ManagerConfig,
  type ProofsBackend,
  parseGoDuration,
  type Startable,
  VenusError,
} from '@venus-cluster/core'
import { parseTrustedNetworks } from '@venus-cluster/core/auth'
import { createManagerNode, type ManagerNode, type SenderCheck } from '@venus-cluster/manager'
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
        const { config } = await loadConfig(home)
        const trustedNetworks = [...new Set([...config.trustedNetworks, ...flagNetworks])]
        if (config.miners.length === 0) {
          throw new VenusError('CONFIG_MISSING_KEY', 'sector-manager.cfg configures no [[Miners]]')
        }
        // Every commitment goes through the messager: without one the daemon could seal nothing.
        requireApi(config.messager.api, 'Messager', home)
        const { chain, messager } = await clientsOf(cmd)
        // Load the proofs first: a manager that cannot check proofs (and a poster that cannot
        // prove) must stop the start, not send proofs the chain will refuse.
        const postProofs = await loadPosterProofs(opts.proofs)
        // SIGINT/SIGTERM end the start as well as the run; the node stops everything it started
        // in reverse, whether the run ends by a signal or a later step of the start fails.
        const stopping = new AbortController()
        const onSignal = () => stopping.abort()
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)
        const log = (line: string) => process.stderr.write(`${line}\n`)
        const node = createManagerNode({
          home,
          config,
          chain,
          messager,
          proofs: postProofs,
          listen: opts.listen,
          db: opts.db,
          synchronous: opts.sync,
          auth: opts.auth ? undefined : 'off',
          trustedNetworks,
          startTimeoutMs,
          signal: stopping.signal,
          senders: opts.poster ? postSenders(config) : undefined,
          reloadConfig: async () => (await loadConfig(home)).config,
          extraMethods: opts.miner
            ? winningPoStMethods({
                proofs: postProofs,
                locate: storesLocator(config.persistStores.map((s) => s.path)),
              })
            : undefined,
          logger: stderrLogger,
          services: [
            (n) => announceService(n, trustedNetworks),
            ...(opts.poster ? [(n: ManagerNode) => posterService(n, postProofs, log)] : []),
            ...(opts.miner ? [(n: ManagerNode) => winningService(n, postProofs, log)] : []),
          ],
        })
        try {
          await node.start().catch((err: unknown) => {
            throw startError(err, home, opts.startTimeout)
          })
          if (!stopping.signal.aborted)
            await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }))
        } catch (err) {
          // A signal during the start is a stop, not a failure.
          if (!(stopping.signal.aborted && isVenusError(err, 'ABORTED'))) throw err
        } finally {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          await node.stop().catch(() => {})
        }
      },
    )
  return daemon
}

/** The daemon's log lines on stderr: `level: message {fields}`. */
const stderrLogger: Logger = {
  debug: () => {},
  info: (o, m) => process.stderr.write(`info: ${m} ${JSON.stringify(o, errorJson)}\n`),
  warn: (o, m) => process.stderr.write(`warn: ${m} ${JSON.stringify(o, errorJson)}\n`),
  error: (o, m) => process.stderr.write(`error: ${m} ${JSON.stringify(o, errorJson)}\n`),
}

/** The senders the poster uses, each checked at start; unset means the miner's worker address. */
function postSenders(config: ManagerConfig): SenderCheck[] {
  return config.miners
    .filter((m) => m.post.enabled && m.post.senders.length > 0)
    .flatMap((m) =>
      m.post.senders.map(
        (address): SenderCheck => ({
          miner: m.actor,
          role: 'post',
          address,
          required: false,
          ref: m.keys?.postSender,
          minerRef: m.keys?.actor,
        }),
      ),
    )
}

/** Prints the announcement once the node serves (the first of its services). */
function announceService(node: ManagerNode, trustedNetworks: string[]): Startable {
  return {
    start: () => announce(node, node.config.miners.length, trustedNetworks, node.chain),
    stop: async () => {},
  }
}

/** WindowPoSt for the miners with PoSt enabled (`--poster`), as a service of the node. */
function posterService(node: ManagerNode, proofs: ProofsBackend, log: (line: string) => void): Startable {
  let poster: Startable | undefined
  return {
    async start() {
      poster = await startPoster({ file: node.config, daemon: node, proofs, log })
    },
    async stop() {
      await poster?.stop()
    },
  }
}

/** WinningPoSt answers to venus-gateway (`--miner`), as a service of the node. */
function winningService(node: ManagerNode, proofs: ProofsBackend, log: (line: string) => void): Startable {
  let winning: Startable | undefined
  return {
    async start() {
      process.stdout.write('WinningPoSt: Venus.ComputeWinningPoSt served\n')
      winning = await startGatewayProofs({ file: node.config, proofs, log })
    },
    async stop() {
      await winning?.stop()
    },
  }
}

/** Prints where the daemon listens and how auth is set up. */
async function announce(
  d: ManagerNode,
  miners: number,
  trustedNetworks: string[],
  chain: { networkParams(): Promise<{ name: string }> },
): Promise<void> {
  const net = await chain.networkParams()
  const lines = [
    `venus-sector-manager listening on ${d.url} (network ${net.name}, ${miners} miners)`,
    d.auth
      ? `auth: on (tokens: venus-sector-manager auth create-token --perm <perm>; dashboard ${d.url.replace('/rpc/v0', '/ui')})`
      : 'auth: OFF (--no-auth): every caller may read, write, sign and admin',
    `health: ${d.url.replace('/rpc/v0', '/healthz')} and /readyz (no token needed)`,
  ]
  if (d.auth && trustedNetworks.length > 0)
    lines.push(`auth: callers without a token from ${trustedNetworks.join(', ')} may read, write and sign`)
  // One write: a reader that sees the first line sees the whole announcement.
  process.stdout.write(`${lines.join('\n')}\n`)
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
