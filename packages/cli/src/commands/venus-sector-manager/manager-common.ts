/** Shared helpers of the manager's command files: endpoints, config, clients. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type ChainClient,
  createChainClient,
  createMessagerClient,
  createRpcClient,
  customTransport,
  httpTransport,
  type LotusDeadline,
  type LotusPartition,
  type LotusTipSetKey,
  loadManagerConfig,
  type ManagerConfig,
  type MessagerClient,
  type RpcClient,
  type RpcTransport,
  VenusError,
} from '@venus-cluster/core'
import { SECTOR_MANAGER_TOKEN_ENV } from '@venus-cluster/core/auth'
import {
  createManagerChain,
  createManagerMessager,
  MANAGER_TOKEN_FILE,
  MAX_SECTOR_PAGE,
  type ManagerChain,
  type ManagerMessager,
  type WireSectorState,
} from '@venus-cluster/manager'
import type { Command } from 'commander'
import { parseActorId } from '../../args.js'
import { expandHome, SECTOR_MANAGER_CONFIG_FILE } from '../../home.js'

/**
 * A chain or messager API from config (multiaddr or URL) as an HTTP JSON-RPC URL.
 *
 * @example
 * ```ts
 * apiUrl('/ip4/127.0.0.1/tcp/1234', 'v1') // 'http://127.0.0.1:1234/rpc/v1'
 * ```
 */
export function apiUrl(api: string, version: 'v0' | 'v1'): string {
  if (/^https?:\/\//.test(api)) return api
  if (/^wss?:\/\//.test(api)) return api.replace(/^ws/, 'http')
  const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)(?:\/(http|https|ws|wss))?\/?$/.exec(api)
  if (m === null)
    throw new VenusError('CONFIG_INVALID_VALUE', `not a multiaddr or URL: ${JSON.stringify(api)}`)
  const host = m[1] === 'ip6' ? `[${m[2]}]` : (m[2] as string)
  const scheme = m[4] === 'https' || m[4] === 'wss' ? 'https' : 'http'
  return `${scheme}://${host}:${m[3]}/rpc/${version}`
}

/** Throws `CONFIG_MISSING_KEY` naming the file and the key when an endpoint is not configured. */
export function requireApi(api: string, what: 'Chain' | 'Messager', home: string): void {
  if (api.trim() === '')
    throw new VenusError(
      'CONFIG_MISSING_KEY',
      `${join(home, SECTOR_MANAGER_CONFIG_FILE)} names no ${what.toLowerCase()} API: set [Common.API] ${what} (or [${what}] Api in the seed's layout)`,
      { details: { key: `Common.API.${what}` } },
    )
}

/** {@link apiUrl} of a configured endpoint (see {@link requireApi}). */
function endpointUrl(api: string, version: 'v0' | 'v1', what: 'Chain' | 'Messager', home: string): string {
  requireApi(api, what, home)
  return apiUrl(api, version)
}

/** The home directory of a command. */
export function homeOf(cmd: Command): string {
  return expandHome(String(cmd.optsWithGlobals().home))
}

/** `--net` when given on the command line, else undefined (= detect from the node). */
export function netOf(cmd: Command): string | undefined {
  let c: Command | null = cmd
  while (c?.parent) c = c.parent
  return c?.getOptionValueSource('net') === 'cli' ? String(c.opts().net) : undefined
}

/** Loads `sector-manager.cfg` from the home (either layout) as the manager's config. */
export async function loadConfig(home: string): Promise<{ config: ManagerConfig }> {
  return { config: await loadManagerConfig(join(home, SECTOR_MANAGER_CONFIG_FILE)) }
}

/** Time limit of one chain or messager call: a node that never answers must not hang a command. */
const UPSTREAM_CALL_TIMEOUT_MS = 60_000

/** An HTTP transport to `url` with `token` (when there is one). */
const httpTo = (url: string, token: string | undefined): RpcTransport =>
  httpTransport(url, token ? { token } : {})

/** The chain client of a config: core's typed `Filecoin.*` client over HTTP. */
function chainClientOf(file: ManagerConfig, home: string): ChainClient {
  return createChainClient(httpTo(endpointUrl(file.chain.api, 'v1', 'Chain', home), file.chain.token), {
    timeoutMs: UPSTREAM_CALL_TIMEOUT_MS,
  })
}

/**
 * The messager client of a config, its endpoint resolved on first use: commands that only read
 * the chain work without one configured.
 */
function lazyMessagerClient(file: ManagerConfig, home: string): MessagerClient {
  let transport: RpcTransport | undefined
  const resolved = () =>
    (transport ??= httpTo(endpointUrl(file.messager.api, 'v0', 'Messager', home), file.messager.token))
  return createMessagerClient(
    customTransport({
      request: (method, params, opts) => resolved().request(method, params, opts),
      close: () => transport?.close?.(),
    }),
    { timeoutMs: UPSTREAM_CALL_TIMEOUT_MS },
  )
}

/**
 * Chain and messager clients from config: core's typed clients (`chainClient`,
 * `messagerClient`) and the manager's views over them (`chain`, `messager`).
 */
export async function clientsOf(cmd: Command): Promise<{
  chainClient: ChainClient
  chain: ManagerChain
  messager: ManagerMessager
  messagerClient: MessagerClient
}> {
  const home = homeOf(cmd)
  const { config: file } = await loadConfig(home)
  const chainClient = chainClientOf(file, home)
  const messagerClient = lazyMessagerClient(file, home)
  return {
    chainClient,
    chain: createManagerChain(chainClient, { network: netOf(cmd) }),
    messager: createManagerMessager(messagerClient),
    messagerClient,
  }
}

/** Calls one method of the running daemon's API (`Venus.*`). */
export type DaemonCall = RpcClient['call']

/**
 * A call function to the running daemon (`--listen` of the sealer group, default 127.0.0.1:1789),
 * sending `VENUS_SECTOR_MANAGER_TOKEN`, else the admin token the daemon keeps in `<home>/token`.
 */
export function daemonCall(listen: string, home?: string): DaemonCall {
  const hostPort = listen.startsWith(':') ? `127.0.0.1${listen}` : listen
  const client = createRpcClient(httpTo(`http://${hostPort}/rpc/v0`, daemonToken(home)), { timeoutMs: 0 })
  return (method, params, opts) => client.call(method, params, opts)
}

/**
 * The daemon's online or offline records, a page of `Venus.ListSectors` at a time, so that a
 * farm's history never sits in memory whole. A daemon that takes no page (an older one, or the
 * original) answers the whole list in one page.
 *
 * @example
 * ```ts
 * for await (const page of daemonSectorPages(call, 'offline')) for (const s of page) console.log(s.ID)
 * ```
 */
export async function* daemonSectorPages(
  call: DaemonCall,
  which: 'online' | 'offline',
): AsyncGenerator<WireSectorState[]> {
  let after: WireSectorState['ID'] | null = null
  for (;;) {
    let page: WireSectorState[]
    try {
      page = (await call('Venus.ListSectors', [
        which,
        { After: after, Limit: MAX_SECTOR_PAGE },
      ])) as WireSectorState[]
    } catch (err) {
      if (after !== null || !/expected 1 params|RPC_INVALID_PARAMS/.test(String((err as Error)?.message)))
        throw err
      yield (await call('Venus.ListSectors', [which])) as WireSectorState[]
      return
    }
    if (page.length > 0) yield page
    const last = page.at(-1)
    if (page.length < MAX_SECTOR_PAGE || last === undefined) return
    after = last.ID
  }
}

/** The token CLIs send to the daemon: the environment first, then the home's token file. */
export function daemonToken(home: string | undefined): string | undefined {
  const env = process.env[SECTOR_MANAGER_TOKEN_ENV]
  if (env) return env
  if (home === undefined) return undefined
  try {
    return readFileSync(join(home, MANAGER_TOKEN_FILE), 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

/** A miner the command is about, with a typed chain client (see {@link minerContextOf}). */
export interface MinerContext {
  chain: ChainClient
  /** `f0…` on mainnet, `t0…` elsewhere. */
  miner: string
  /** Its actor id. */
  actor: number
  /** The config's messager, for commands that send (see {@link clientsOf}). */
  messager: MessagerClient
  /** Persist stores (name and root) from the config. */
  stores: { name: string; path: string }[]
  /** The miner's `PoSt.StrictCheck`. */
  strict: boolean
  /** The chain node's `StateNetworkName`. */
  network: string
  /** The senders the config names for the miner's messages. */
  senders: { use: 'precommit' | 'provecommit' | 'post'; address: string }[]
}

/**
 * The miner of a command (`--miner` on it or a parent, else the first configured miner) and a
 * chain client from the home's config.
 */
export async function minerContextOf(cmd: Command): Promise<MinerContext> {
  const home = homeOf(cmd)
  const { config: file } = await loadConfig(home)
  const chain = chainClientOf(file, home)
  const given = cmd.optsWithGlobals().miner as string | undefined
  const actor = given !== undefined ? parseActorId(given) : file.miners[0]?.actor
  if (actor === undefined)
    throw new VenusError(
      'CLI_USAGE',
      given ? `--miner ${given} is not a miner actor id` : 'no miner configured; pass --miner',
    )
  const network = await chain.stateNetworkName()
  const prefix = network.includes('mainnet') ? 'f' : 't'
  const conf = file.miners.find((m) => m.actor === actor)
  return {
    chain,
    miner: `${prefix}0${actor}`,
    actor,
    network,
    messager: lazyMessagerClient(file, home),
    stores: file.persistStores.map((s) => ({ name: s.name, path: s.path })),
    strict: conf?.post.strictCheck ?? false,
    senders: (
      [
        ['precommit', conf?.commitment.pre.sender],
        ['provecommit', conf?.commitment.prove.sender],
        ['post', conf?.post.sender],
      ] as const
    ).flatMap(([use, address]) => (address ? [{ use, address }] : [])),
  }
}

/**
 * Every deadline of a miner with its partitions (`StateMinerDeadlines`, then one
 * `StateMinerPartitions` per deadline, in parallel), at `tsk` or the head.
 */
export async function minerPartitions(
  chain: ChainClient,
  miner: string,
  tsk?: LotusTipSetKey,
): Promise<{ deadlines: LotusDeadline[]; partitions: LotusPartition[][] }> {
  const deadlines = await chain.stateMinerDeadlines(miner, tsk)
  const partitions = await Promise.all(deadlines.map((_d, i) => chain.stateMinerPartitions(miner, i, tsk)))
  return { deadlines, partitions }
}
