/** `venus-sector-manager daemon run`: the manager daemon (Venus.* at /rpc/v0). */

import { join } from 'node:path'
import {
  isVenusError,
  type Logger,
  type ManagerConfig,
  type ProofsBackend,
  parseGoDuration,
  type Startable,
  startAll,
  stopAll,
  VenusError,
} from '@venus-cluster/core'
import { parseTrustedNetworks } from '@venus-cluster/core/auth'
import {
  checkAlertWebhookUrl,
  createAlertWebhook,
  createManagerNode,
  createPostJobQueue,
  type ManagerNode,
  type SenderCheck,
  storeDeadlineLeases,
} from '@venus-cluster/manager'
import { storesLocator, type WindowPoStService, winningPoStMethods } from '@venus-cluster/poster'
import { type Command, Option } from 'commander'
import { SECTOR_MANAGER_CONFIG_FILE } from '../../home.js'
import { clientsOf, homeOf, loadConfig, requireApi } from './manager-common.js'
import {
  alertsRef,
  observePosterEvents,
  observePostJobs,
  observePostLeases,
  posterMethods,
  posterRef,
  watchChainLoss,
} from './poster-ops.js'
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
        '--worker-prover',
        'with --poster: WindowPoSt proofs are computed by worker threads with plan = "wdpost" (jobs kept in the database)',
      ).default(false),
    )
    .addOption(
      new Option(
        '--wdpost-vanilla <where>',
        'with --worker-prover: where vanilla proofs are made, on the PoSt worker (from its attached stores) or on this manager',
      )
        .choices(['worker', 'manager'])
        .default('worker'),
    )
    .addOption(new Option('--wdpost-max-try <n>', 'with --worker-prover: tries of a PoSt job').default('2'))
    .addOption(
      new Option(
        '--wdpost-heartbeat-timeout <duration>',
        'with --worker-prover: a PoSt job whose worker has not heartbeated for this long is given to another',
      ).default('15s'),
    )
    .addOption(
      new Option(
        '--post-lease-ttl <duration>',
        'with --poster: time-to-live of a deadline lease; a manager that stops renewing loses its deadlines to another after this',
      )
        .env('VENUS_MANAGER_POST_LEASE_TTL')
        .default('30s'),
    )
    .addOption(
      new Option(
        '--post-lease-renew <duration>',
        'with --poster: renewal period of held deadline leases (default: ttl / 3)',
      ).env('VENUS_MANAGER_POST_LEASE_RENEW'),
    )
    .addOption(
      new Option(
        '--alert-webhook <url>',
        'POST alerts (missed, failed or late WindowPoSt, deadline leases changing hands, chain lost) as JSON to this http(s) URL; no credentials are sent',
      ).env('VENUS_MANAGER_ALERT_WEBHOOK'),
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
          workerProver: boolean
          wdpostVanilla: 'worker' | 'manager'
          wdpostMaxTry: string
          wdpostHeartbeatTimeout: string
          postLeaseTtl: string
          postLeaseRenew?: string
          alertWebhook?: string
        },
        cmd: Command,
      ) => {
        const home = homeOf(cmd)
        const flagNetworks = trustedNetworksOf(opts.trustedNetworks)
        const startTimeoutMs = startTimeoutOf(opts.startTimeout)
        const post = postHaOptionsOf(opts)
        if (opts.alertWebhook !== undefined) {
          try {
            checkAlertWebhookUrl(opts.alertWebhook)
          } catch (err) {
            throw new VenusError('CLI_USAGE', `--alert-webhook: ${(err as Error).message}`, { cause: err })
          }
        }
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
          extraMethods: {
            ...(opts.miner
              ? winningPoStMethods({
                  proofs: postProofs,
                  locate: storesLocator(config.persistStores.map((s) => s.path)),
                })
              : {}),
            ...(opts.poster ? posterMethods() : {}),
          },
          logger: stderrLogger,
          postJobMaxTry: post.maxTry,
          services: [
            (n) => announceService(n, trustedNetworks),
            ...(opts.alertWebhook !== undefined
              ? [(n: ManagerNode) => alertService(n, opts.alertWebhook as string)]
              : []),
            ...(opts.poster ? [(n: ManagerNode) => posterService(n, postProofs, log, post)] : []),
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
function posterService(
  node: ManagerNode,
  proofs: ProofsBackend,
  log: (line: string) => void,
  ha: PostHaOptions,
): Startable {
  let poster: Startable | undefined
  let parts: Startable[] = []
  return {
    async start() {
      // Deadline leases in the store: with several managers on one PostgreSQL database, exactly
      // one proves each deadline, and another takes over when its holder stops.
      const leases = storeDeadlineLeases({
        store: node.store,
        ttlMs: ha.leaseTtlMs,
        renewMs: ha.leaseRenewMs,
        logger: node.logger,
      })
      observePostLeases(node, leases)
      const jobs = ha.workerProver
        ? createPostJobQueue({
            store: node.store,
            persistStores: node.config.persistStores,
            vanilla: ha.vanilla,
            proofs,
            maxTry: ha.maxTry,
            heartbeatTimeoutMs: ha.heartbeatTimeoutMs,
            logger: node.logger,
          })
        : undefined
      if (jobs) observePostJobs(node, jobs)
      parts = jobs ? [leases, jobs] : [leases]
      await startAll(parts)
      log(
        `post: deadline leases as ${leases.holder} (ttl ${leases.ttlMs} ms, renewed every ${leases.renewMs} ms)${jobs ? `; proofs by PoSt workers (plan "wdpost", vanilla proofs on the ${ha.vanilla})` : ''}`,
      )
      poster = await startPoster({
        file: node.config,
        daemon: node,
        proofs,
        log,
        leases,
        ...(jobs ? { compute: (job, o) => jobs.compute(job, o) } : {}),
      })
      posterRef.current = poster as WindowPoStService | undefined
      if (posterRef.current) observePosterEvents(node, posterRef.current)
    },
    async stop() {
      await poster?.stop()
      posterRef.current = undefined
      await stopAll(parts)
    },
  }
}

/** The alert webhook (`--alert-webhook`), and the chain-loss watch that feeds it. */
function alertService(node: ManagerNode, url: string): Startable {
  const hook = createAlertWebhook({ url, logger: node.logger })
  let unwatch: (() => void) | undefined
  return {
    async start() {
      await hook.start()
      alertsRef.current = hook
      unwatch = watchChainLoss(node)
    },
    async stop() {
      unwatch?.()
      alertsRef.current = undefined
      await hook.stop()
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

/** What `--worker-prover` and the lease flags ask for. */
interface PostHaOptions {
  workerProver: boolean
  vanilla: 'worker' | 'manager'
  maxTry: number
  heartbeatTimeoutMs: number
  leaseTtlMs: number
  leaseRenewMs: number | undefined
}

/** The PoSt HA flags checked up front, each error naming its flag. */
function postHaOptionsOf(o: {
  workerProver: boolean
  wdpostVanilla: 'worker' | 'manager'
  wdpostMaxTry: string
  wdpostHeartbeatTimeout: string
  postLeaseTtl: string
  postLeaseRenew?: string
}): PostHaOptions {
  const duration = (flag: string, v: string) => {
    try {
      const ms = parseGoDuration(v)
      if (ms <= 0) throw new Error('must be longer than 0s')
      return ms
    } catch (err) {
      throw new VenusError('CLI_USAGE', `${flag}: ${(err as Error).message}`, { cause: err })
    }
  }
  if (!/^\d+$/.test(o.wdpostMaxTry) || Number(o.wdpostMaxTry) < 1)
    throw new VenusError(
      'CLI_USAGE',
      `--wdpost-max-try: expected a whole number ≥ 1, got ${JSON.stringify(o.wdpostMaxTry)}`,
    )
  const leaseTtlMs = duration('--post-lease-ttl', o.postLeaseTtl)
  const leaseRenewMs =
    o.postLeaseRenew === undefined ? undefined : duration('--post-lease-renew', o.postLeaseRenew)
  if (leaseRenewMs !== undefined && leaseRenewMs >= leaseTtlMs)
    throw new VenusError(
      'CLI_USAGE',
      `--post-lease-renew (${o.postLeaseRenew}) must be shorter than --post-lease-ttl (${o.postLeaseTtl})`,
    )
  return {
    workerProver: o.workerProver,
    vanilla: o.wdpostVanilla,
    maxTry: Number(o.wdpostMaxTry),
    heartbeatTimeoutMs: duration('--wdpost-heartbeat-timeout', o.wdpostHeartbeatTimeout),
    leaseTtlMs,
    leaseRenewMs,
  }
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
