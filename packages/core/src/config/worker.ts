/**
 * The typed model of `venus-worker.toml` and its parser. Two layouts are read: the seed's
 * (`[sealer_rpc]`, `[[store]]`, `[limit]`, `[remote]`, `[processors.pc2] external = true`) and
 * v0.1.2's (`[worker]`, `[sector_manager]`, `[[sealing_thread]]`, `[[attached]]`,
 * `[[processors.<stage>]]`). Both normalise to {@link VenusWorkerConfig}.
 */
import { resolve } from 'node:path'
import { VenusError } from '../errors/index.js'
import { configError, openConfigDocument, type TableReader } from './reader.js'
import { readDuration, readSectorSizes } from './units.js'

const SECOND = 1000

/** Per-thread sealing behaviour (`[sealing]`, overridable per sealing thread). */
export interface WorkerSealingConfig {
  /** Actor ids to accept; undefined = any. */
  allowedMiners: number[] | undefined
  /** Sector sizes in bytes; undefined = any. */
  allowedSizes: number[] | undefined
  enableDeals: boolean
  maxDeals: number | undefined
  /** Temporary-failure budget per sector. */
  maxRetries: number
  sealIntervalMs: number
  recoverIntervalMs: number
  rpcPollingIntervalMs: number
  ignoreProofCheck: boolean
}

/** One sealing thread and the store directory it owns. */
export interface WorkerSealingThreadConfig {
  location: string
  plan: 'sealer' | 'snapup'
  /** The merge of the thread's own `sealing` keys over the global `[sealing]`. */
  sealing: WorkerSealingConfig
}

/** A persist store the worker writes finished sectors to. */
export interface WorkerAttachedStoreConfig {
  /** The name shared with the manager's persist stores; defaults to the absolute path. */
  name: string
  location: string
  readonly: boolean
  /** True when `name` was not written and is the location's path (it follows canonicalisation). */
  nameFromLocation?: boolean
}

/** One external child process for a stage. */
export interface ExternalProcessorConfig {
  /** Executable; undefined = the worker's own binary. */
  bin: string | undefined
  /** Arguments; undefined = `["processor", "<stage>"]`. */
  args: string[] | undefined
  stableWaitMs: number
  cgroup: { cpuset: string; groupName: string } | undefined
  envs: Record<string, string>
  numaPreferred: number | undefined
  /** Bound on in-flight requests; undefined = unbounded. */
  concurrent: number | undefined
  locks: string[]
}

/** The stages a processor limit or external processor may name. */
export const WORKER_STAGES = ['tree_d', 'pc1', 'pc2', 'c1', 'c2', 'snap_encode', 'snap_prove'] as const
/** One of {@link WORKER_STAGES}. */
export type WorkerStage = (typeof WORKER_STAGES)[number]

/** `venus-worker.toml`, normalised from whichever layout the file uses. */
export interface VenusWorkerConfig {
  layout: 'seed' | 'v0.1.2'
  /** Instance name; undefined = the local IP toward the manager. */
  name: string | undefined
  rpcServer: { host: string; port: number }
  sectorManager: {
    /** As written: a multiaddr or a URL. */
    addr: string
    /** The WebSocket URL to dial, derived from `addr`. */
    url: string
    headers: Record<string, string>
    pieceToken: string | undefined
  }
  sealing: WorkerSealingConfig
  sealingThreads: WorkerSealingThreadConfig[]
  attached: WorkerAttachedStoreConfig[]
  processors: {
    limit: Partial<Record<WorkerStage, number>>
    extLocks: Record<string, number>
    /** Sector size string (`"32GiB"`) → prebuilt CC tree_d file. */
    staticTreeD: Record<string, string>
    external: Partial<Record<WorkerStage, ExternalProcessorConfig[]>>
  }
}

/** Built-in `[sealing]` defaults (v0.1.2). */
export const DEFAULT_WORKER_SEALING: Readonly<WorkerSealingConfig> = Object.freeze({
  allowedMiners: undefined,
  allowedSizes: undefined,
  enableDeals: false,
  maxDeals: undefined,
  maxRetries: 5,
  sealIntervalMs: 30 * SECOND,
  recoverIntervalMs: 30 * SECOND,
  rpcPollingIntervalMs: 30 * SECOND,
  ignoreProofCheck: false,
})

const SEED_SECTIONS = ['instance', 'worker_server', 'sealer_rpc', 'store', 'limit', 'remote']
const V012_SECTIONS = ['worker', 'sector_manager', 'sealing_thread', 'remote_store', 'attached']

/**
 * The WebSocket URL of the manager from a multiaddr (`/ip4/127.0.0.1/tcp/1789`) or URL.
 *
 * @example
 * ```ts
 * managerRpcUrl('/ip4/127.0.0.1/tcp/1789') // 'ws://127.0.0.1:1789/rpc/v0'
 * ```
 */
export function managerRpcUrl(addr: string): string {
  if (/^(wss?|https?):\/\//.test(addr)) return addr
  const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)(?:\/(http|https|ws|wss))?\/?$/.exec(addr)
  if (m === null) {
    throw new VenusError('INVALID_ARGUMENT', `not a multiaddr or URL: ${JSON.stringify(addr)}`)
  }
  const host = m[1] === 'ip6' ? `[${m[2]}]` : (m[2] as string)
  const scheme = m[4] === 'https' || m[4] === 'wss' ? 'wss' : 'ws'
  return `${scheme}://${host}:${m[3]}/rpc/v0`
}

function readSealing(t: TableReader, base: WorkerSealingConfig): WorkerSealingConfig {
  const miners = t.has('allowed_miners')
    ? (() => {
        const v = t.raw('allowed_miners')
        if (!Array.isArray(v)) t.fail('allowed_miners', 'an array of miner actor ids')
        return v.map((id, i) => {
          if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
            throw configError(
              'CONFIG_INVALID_VALUE',
              t.src,
              [...t.path, 'allowed_miners', i],
              'a miner actor id',
              String(id),
            )
          }
          return id
        })
      })()
    : base.allowedMiners
  const s: WorkerSealingConfig = {
    allowedMiners: miners,
    allowedSizes: readSectorSizes(t, 'allowed_sizes') ?? base.allowedSizes,
    enableDeals: t.boolean('enable_deals', base.enableDeals),
    maxDeals: t.integer('max_deals', base.maxDeals, 1),
    maxRetries: t.integer('max_retries', base.maxRetries, 0),
    sealIntervalMs: readDuration(t, 'seal_interval', base.sealIntervalMs),
    recoverIntervalMs: readDuration(t, 'recover_interval', base.recoverIntervalMs),
    rpcPollingIntervalMs: readDuration(t, 'rpc_polling_interval', base.rpcPollingIntervalMs),
    ignoreProofCheck: t.boolean('ignore_proof_check', base.ignoreProofCheck),
  }
  t.finish()
  return s
}

function readHeaders(t: TableReader, key: string): Record<string, string> {
  const h = t.table(key)
  const out: Record<string, string> = {}
  for (const [k, v] of h.entries()) {
    out[k] = typeof v === 'string' ? v : h.fail(k, 'a header value string')
  }
  return out
}

function readCounts(t: TableReader, names: readonly string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  if (names === undefined) {
    for (const [k] of t.entries()) out[k] = t.integer(k, 1, 1)
  } else {
    for (const k of names) {
      const v = t.integer(k, undefined, 1)
      if (v !== undefined) out[k] = v
    }
  }
  t.finish()
  return out
}

function readCgroup(t: TableReader): ExternalProcessorConfig['cgroup'] {
  const cpuset = t.string('cpuset')
  const groupName = t.string('group_name', 'vc-worker')
  t.finish()
  if (cpuset === undefined) return undefined
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpuset)) t.fail('cpuset', 'a cpu list like "4-5" or "0,2,4-7"')
  return { cpuset, groupName }
}

function readExternal(t: TableReader): ExternalProcessorConfig {
  const envTable = t.table('envs')
  const envs: Record<string, string> = {}
  for (const [k, v] of envTable.entries()) {
    envs[k] = typeof v === 'string' ? v : envTable.fail(k, 'a string')
  }
  const p: ExternalProcessorConfig = {
    bin: t.string('bin'),
    args: t.has('args') ? t.stringArray('args', []) : undefined,
    stableWaitMs: readDuration(t, 'stable_wait', 5 * SECOND),
    cgroup: readCgroup(t.table('cgroup')),
    envs,
    numaPreferred: t.integer('numa_preferred', undefined, 0),
    concurrent: t.integer('concurrent', undefined, 1),
    locks: t.stringArray('locks', []),
  }
  t.finish()
  return p
}

function readProcessors(t: TableReader): VenusWorkerConfig['processors'] {
  const out: VenusWorkerConfig['processors'] = {
    limit: {},
    extLocks: readCounts(t.table('ext_locks'), undefined),
    staticTreeD: {},
    external: {},
  }
  const std = t.table('static_tree_d')
  for (const [k, v] of std.entries()) {
    out.staticTreeD[k] = typeof v === 'string' ? v : std.fail(k, 'a file path')
  }
  std.finish()
  if (t.has('limit')) out.limit = readCounts(t.table('limit'), WORKER_STAGES)
  for (const stage of WORKER_STAGES) {
    const v = t.raw(stage)
    if (v === undefined) continue
    if (Array.isArray(v)) {
      out.external[stage] = t.tables(stage).map(readExternal)
    } else {
      // Seed layout: `[processors.pc2] external = true` plus an optional `cgroup` table.
      const s = t.table(stage)
      const external = s.boolean('external', false)
      const cgroup = readCgroup(s.table('cgroup'))
      s.finish()
      if (external) {
        out.external[stage] = [
          {
            bin: undefined,
            args: undefined,
            stableWaitMs: 5 * SECOND,
            cgroup,
            envs: {},
            numaPreferred: undefined,
            concurrent: undefined,
            locks: [],
          },
        ]
      }
    }
  }
  t.finish()
  return out
}

function readAttached(t: TableReader, locationKey: string, nameKey: string): WorkerAttachedStoreConfig {
  const location = t.requiredString(locationKey, 'a directory path')
  const name = t.string(nameKey) || undefined
  const s: WorkerAttachedStoreConfig = {
    name: name ?? resolve(location),
    location,
    readonly: t.boolean('readonly', false),
    ...(name === undefined ? { nameFromLocation: true } : {}),
  }
  t.finish()
  return s
}

/**
 * Parses the text of `venus-worker.toml` (seed or v0.1.2 layout) into the typed model.
 * `file` is only used in error messages.
 *
 * @example
 * ```ts
 * const cfg = parseWorkerConfig('[sealer_rpc]\nurl = "ws://127.0.0.1:1789/rpc/v0"\n', 'venus-worker.toml')
 * cfg.sectorManager.url // 'ws://127.0.0.1:1789/rpc/v0'
 * ```
 */
export function parseWorkerConfig(text: string, file: string): VenusWorkerConfig {
  const { root, layout } = openConfigDocument(text, file, SEED_SECTIONS, V012_SECTIONS)
  const sealing = readSealing(root.table('sealing'), DEFAULT_WORKER_SEALING)

  let name: string | undefined
  let rpcServer: VenusWorkerConfig['rpcServer']
  let addrReader: TableReader
  let addrKey: string
  let headers: Record<string, string>
  let pieceToken: string | undefined
  const threads: WorkerSealingThreadConfig[] = []
  const attached: WorkerAttachedStoreConfig[] = []
  let processors: VenusWorkerConfig['processors']

  if (layout === 'seed') {
    const instance = root.table('instance')
    name = instance.string('name') || undefined
    instance.finish()
    const server = root.table('worker_server')
    rpcServer = { host: server.string('host', '0.0.0.0'), port: server.integer('port', 17890, 1, 65535) }
    server.finish()
    addrReader = root.table('sealer_rpc')
    addrKey = 'url'
    headers = readHeaders(addrReader, 'headers')
    for (const t of root.tables('store')) {
      const location = t.requiredString('location', 'a directory path')
      threads.push({ location, plan: 'sealer', sealing: readSealing(t.table('sealing'), sealing) })
      t.finish()
    }
    if (root.has('remote')) attached.push(readAttached(root.table('remote'), 'path', 'instance'))
    processors = readProcessors(root.table('processors'))
    if (root.has('limit')) processors.limit = readCounts(root.table('limit'), WORKER_STAGES)
  } else {
    const worker = root.table('worker')
    name = worker.string('name') || undefined
    const server = worker.table('rpc_server')
    rpcServer = { host: server.string('host', '0.0.0.0'), port: server.integer('port', 17890, 1, 65535) }
    server.finish()
    worker.allow('ping_interval')
    worker.finish()
    const sm = root.table('sector_manager')
    addrReader = sm.table('rpc_client')
    addrKey = 'addr'
    headers = readHeaders(addrReader, 'headers')
    pieceToken = sm.string('piece_token') || undefined
    sm.finish()
    for (const t of root.tables('sealing_thread')) {
      const location = t.requiredString('location', 'a directory path')
      const planText = t.string('plan', 'sealer')
      const plan =
        planText === 'sealer' || planText === 'snapup' ? planText : t.fail('plan', '"sealer" or "snapup"')
      threads.push({ location, plan, sealing: readSealing(t.table('sealing'), sealing) })
      t.finish()
    }
    if (root.has('remote_store')) attached.push(readAttached(root.table('remote_store'), 'location', 'name'))
    for (const t of root.tables('attached')) attached.push(readAttached(t, 'location', 'name'))
    root.allow('attached_selection')
    processors = readProcessors(root.table('processors'))
  }

  const addr = addrReader.requiredString(addrKey, 'the manager address, a multiaddr or ws:// URL')
  let url: string
  try {
    url = managerRpcUrl(addr)
  } catch (err) {
    addrReader.fail(addrKey, 'a multiaddr like "/ip4/127.0.0.1/tcp/1789" or a ws:// URL', undefined, err)
  }
  addrReader.finish()

  const names = new Set<string>()
  attached.forEach((a, i) => {
    if (names.has(a.name)) {
      const path = layout === 'seed' ? ['remote'] : ['attached', i]
      throw configError(
        'CONFIG_INVALID_VALUE',
        root.src,
        path,
        'a unique store name',
        `duplicate ${JSON.stringify(a.name)}`,
      )
    }
    names.add(a.name)
  })

  root.allow('sealing', 'processors', ...SEED_SECTIONS, ...V012_SECTIONS)
  root.finish()
  return {
    layout,
    name,
    rpcServer,
    sectorManager: { addr, url, headers, pieceToken },
    sealing,
    sealingThreads: threads,
    attached,
    processors,
  }
}
