/**
 * The one typed shape of a sealing worker's configuration, its defaults, and the builder that
 * makes one from code. `venus-worker.toml` (both layouts, see `worker.ts`) is read onto the same
 * shape; this file is the one place where every default is written down.
 */
import { resolve } from 'node:path'
import { VenusError } from '../errors/index.js'
import { SECTOR_SIZES } from '../types/proof-types.js'
import { formatKeyPath } from './key-lines.js'
import type { ConfigKeyRef } from './manager-config.js'
import {
  externalGpuOf,
  GPU_DEFAULT_SLOTS,
  GPU_DEVICE_EXPECTED,
  GPU_STAGES,
  type GpuStage,
  gpuConfigProblem,
  isGpuDeviceId,
  type WorkerGpuConfig,
  type WorkerGpuInput,
} from './worker-gpus.js'

const SECOND = 1000

/** Per-thread sealing behaviour (`[sealing]`, overridable per sealing thread). */
export interface WorkerSealingConfig {
  /** Actor ids to accept; undefined = any. */
  allowedMiners: number[] | undefined
  /** Sector sizes in bytes; undefined = any. */
  allowedSizes: number[] | undefined
  enableDeals: boolean
  maxDeals: number | undefined
  /** Temporary-failure budget of one step. */
  maxRetries: number
  sealIntervalMs: number
  recoverIntervalMs: number
  rpcPollingIntervalMs: number
  ignoreProofCheck: boolean
}

/** One sealing thread and the store directory it owns. */
export interface WorkerSealingThreadConfig {
  location: string
  /**
   * The plan the thread runs (`[[sealing_thread]] plan`): `"sealer"`, or another plan the worker
   * has registered. The worker refuses a plan it does not know when it is created.
   */
  plan: string
  /** The merge of the thread's own `sealing` keys over the global `[sealing]`. */
  sealing: WorkerSealingConfig
  /** Where `plan` is (or would be) written, for errors; filled by the TOML reader only. */
  planKey?: ConfigKeyRef | undefined
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
  /**
   * The worker GPU (`processors.gpus.devices[].id`) this child computes on: it is started with
   * `CUDA_VISIBLE_DEVICES` set to it, and each request takes the stage's slots of that device.
   * Undefined: taken from `envs.CUDA_VISIBLE_DEVICES` when that names a worker GPU, else the
   * worker spreads the stage's children over its GPUs in turn (none without GPUs).
   */
  gpu: string | undefined
}

/** The stages a processor limit or external processor may name. */
export const WORKER_STAGES = [
  'tree_d',
  'pc1',
  'pc2',
  'c1',
  'c2',
  'snap_encode',
  'snap_prove',
  'unseal',
] as const
/** One of {@link WORKER_STAGES}. */
export type WorkerStage = (typeof WORKER_STAGES)[number]

/**
 * A sealing worker's configuration: what `venus-worker.toml` says (either layout), plus the
 * knobs only code sets. Build one with {@link workerConfig}; `createSealingWorker` takes it.
 */
export interface WorkerConfig {
  /** The layout of the file it was read from; absent for a config built in code. */
  layout?: 'seed' | 'v0.1.2' | undefined
  /** Instance name; undefined = the host name. */
  name: string | undefined
  /** Where the control API (`VenusWorker.*`) and `/metrics` listen. */
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
    /** Minimum spacing between two starts of a stage (`[processors.limitation.staggered]`). */
    staggeredMs: Partial<Record<WorkerStage, number>>
    /** The worker's GPUs and the slots GPU stages take on them (`[processors.gpu]`). */
    gpus: WorkerGpuConfig
  }
  /** `Venus.WorkerPing` period (`[worker] ping_interval`); 0 = never ping. */
  pingIntervalMs: number
  /** Wait between the starts of consecutive sealing threads (`venus-worker daemon --thread-stagger`). */
  threadStartStaggerMs: number
  /** fsync the sector record on every step: off, it survives a killed process but not a power cut. */
  recordSync: boolean
  /**
   * How a thread paused by a failure that may go away on its own (a manager unreachable longer
   * than `maxRetries × recoverInterval`, a store not usable yet) resumes: after
   * `recoverIntervalMs`, doubling up to `maxMs`; `false` waits for an operator. Permanent and
   * critical failures of a step always wait for an operator.
   */
  autoResume: false | { maxMs: number }
  /** Wait before submitting again after the manager reports an on-chain `Failed`. */
  resubmitWaitMs: number
}

/**
 * Every default of {@link WorkerConfig}, in one place: what a key left out of
 * `venus-worker.toml`, or out of the object given to {@link workerConfig}, becomes.
 *
 * | key | default |
 * | --- | --- |
 * | `name` | undefined: the host name |
 * | `rpcServer` | `0.0.0.0:17890` |
 * | `sectorManager.headers` / `pieceToken` | none |
 * | `sealing.allowedMiners` / `allowedSizes` | any |
 * | `sealing.enableDeals` / `maxDeals` | false / no bound |
 * | `sealing.maxRetries` | 5 |
 * | `sealing.sealIntervalMs`, `recoverIntervalMs`, `rpcPollingIntervalMs` | 30 s each |
 * | `sealing.ignoreProofCheck` | false |
 * | `sealingThreads[].plan` | `"sealer"` |
 * | `attached[].name` / `readonly` | the absolute location / false |
 * | `processors.limit`, `extLocks`, `staggeredMs`, `staticTreeD`, `external` | none |
 * | `processors.external[].stableWaitMs` | 5 s |
 * | `processors.external[].cgroup.groupName` | `"vc-worker"` |
 * | `processors.external[].gpu` | `envs.CUDA_VISIBLE_DEVICES`, else the stage's children spread over the GPUs |
 * | `processors.gpus.devices` | none: no GPU scheduling |
 * | `processors.gpus.devices[].slots` / `stageSlots.<stage>` | 1 / 1 |
 * | `pingIntervalMs` | 180 s |
 * | `threadStartStaggerMs` | 0 |
 * | `recordSync` | true |
 * | `autoResume` | `{ maxMs: 600_000 }` (10 min) |
 * | `resubmitWaitMs` | 30 s |
 *
 * @example
 * ```ts
 * WORKER_CONFIG_DEFAULTS.rpcServer.port // 17890
 * ```
 */
export const WORKER_CONFIG_DEFAULTS = Object.freeze({
  rpcServer: Object.freeze({ host: '0.0.0.0', port: 17890 }),
  sealing: Object.freeze({
    allowedMiners: undefined,
    allowedSizes: undefined,
    enableDeals: false,
    maxDeals: undefined,
    maxRetries: 5,
    sealIntervalMs: 30 * SECOND,
    recoverIntervalMs: 30 * SECOND,
    rpcPollingIntervalMs: 30 * SECOND,
    ignoreProofCheck: false,
  } satisfies WorkerSealingConfig),
  plan: 'sealer',
  external: Object.freeze({ stableWaitMs: 5 * SECOND, cgroupGroupName: 'vc-worker' }),
  pingIntervalMs: 180 * SECOND,
  threadStartStaggerMs: 0,
  recordSync: true,
  autoResume: Object.freeze({ maxMs: 600 * SECOND }),
  resubmitWaitMs: 30 * SECOND,
})

/** Built-in `[sealing]` defaults (v0.1.2); the same object as `WORKER_CONFIG_DEFAULTS.sealing`. */
export const DEFAULT_WORKER_SEALING: Readonly<WorkerSealingConfig> = WORKER_CONFIG_DEFAULTS.sealing

/** What {@link workerConfig} takes: a {@link WorkerConfig} with everything that has a default left out. */
export interface WorkerConfigInput {
  layout?: 'seed' | 'v0.1.2' | undefined
  name?: string | undefined
  rpcServer?: { host?: string | undefined; port?: number | undefined } | undefined
  /** The manager: `addr` (multiaddr or URL) or `url`; one of them is required. */
  sectorManager: {
    addr?: string | undefined
    url?: string | undefined
    headers?: Record<string, string> | undefined
    pieceToken?: string | undefined
  }
  sealing?: Partial<WorkerSealingConfig> | undefined
  sealingThreads?:
    | {
        location: string
        plan?: string | undefined
        /** Overrides of the global `sealing` for this thread. */
        sealing?: Partial<WorkerSealingConfig> | undefined
        planKey?: ConfigKeyRef | undefined
      }[]
    | undefined
  attached?:
    | {
        location: string
        name?: string | undefined
        readonly?: boolean | undefined
        nameFromLocation?: boolean | undefined
      }[]
    | undefined
  processors?:
    | {
        limit?: Partial<Record<WorkerStage, number>> | undefined
        extLocks?: Record<string, number> | undefined
        staticTreeD?: Record<string, string> | undefined
        external?: Partial<Record<WorkerStage, Partial<ExternalProcessorConfig>[]>> | undefined
        staggeredMs?: Partial<Record<WorkerStage, number>> | undefined
        gpus?: WorkerGpuInput | undefined
      }
    | undefined
  pingIntervalMs?: number | undefined
  threadStartStaggerMs?: number | undefined
  recordSync?: boolean | undefined
  autoResume?: false | { maxMs?: number | undefined } | undefined
  resubmitWaitMs?: number | undefined
}

type Path = readonly (string | number)[]

function bad(path: Path, expected: string, found: unknown, foundShown?: string): never {
  const key = formatKeyPath(path)
  const shown =
    foundShown !== undefined
      ? foundShown
      : typeof found === 'string'
        ? JSON.stringify(found.slice(0, 80))
        : found === undefined
          ? 'nothing'
          : String(found)
  throw new VenusError(
    'CONFIG_INVALID_VALUE',
    `worker config: ${key}: expected ${expected}, found ${shown}`,
    {
      details: { key, expected, found: shown },
    },
  )
}

function int(path: Path, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    bad(path, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`, v)
  }
  return v
}

function ms(path: Path, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(path, 'milliseconds ≥ 0', v)
  return v
}

function str(path: Path, v: unknown): string {
  if (typeof v !== 'string' || v === '') bad(path, 'a non-empty string', v)
  return v
}

function bool(path: Path, v: unknown): boolean {
  if (typeof v !== 'boolean') bad(path, 'true or false', v)
  return v
}

function stringMap(path: Path, v: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v ?? {})) {
    if (typeof x !== 'string') bad([...path, k], 'a string', x)
    out[k] = x
  }
  return out
}

function counts<K extends string>(path: Path, v: Partial<Record<K, unknown>> | undefined): Record<K, number> {
  const out = {} as Record<K, number>
  for (const [k, n] of Object.entries(v ?? {})) {
    if (n !== undefined) out[k as K] = int([...path, k], n, 1)
  }
  return out
}

function stageKeys(path: Path, v: object | undefined): void {
  for (const k of Object.keys(v ?? {})) {
    if (!(WORKER_STAGES as readonly string[]).includes(k))
      bad([...path, k], `a stage (${WORKER_STAGES.join(', ')})`, k)
  }
}

function sealingOf(path: Path, v: Partial<WorkerSealingConfig> | undefined, base: WorkerSealingConfig) {
  const s = { ...base }
  for (const [k, x] of Object.entries(v ?? {})) {
    if (x === undefined) continue
    const p = [...path, k]
    switch (k as keyof WorkerSealingConfig) {
      case 'allowedMiners':
        if (!Array.isArray(x)) bad(p, 'an array of miner actor ids', x)
        s.allowedMiners = x.map((id: unknown, i: number) => int([...p, i], id, 0))
        break
      case 'allowedSizes':
        if (!Array.isArray(x)) bad(p, 'an array of sector sizes in bytes', x)
        s.allowedSizes = x.map((b: unknown, i: number) => {
          if (typeof b !== 'number' || !SECTOR_SIZES.includes(b)) bad([...p, i], 'a sector size in bytes', b)
          return b
        })
        break
      case 'enableDeals':
      case 'ignoreProofCheck':
        s[k as 'enableDeals'] = bool(p, x)
        break
      case 'maxDeals':
        s.maxDeals = int(p, x, 1)
        break
      case 'maxRetries':
        s.maxRetries = int(p, x, 0)
        break
      case 'sealIntervalMs':
      case 'recoverIntervalMs':
      case 'rpcPollingIntervalMs':
        s[k as 'sealIntervalMs'] = ms(p, x)
        break
      default:
        bad(p, `a key of sealing (${Object.keys(base).join(', ')})`, k)
    }
  }
  return s
}

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

function externalOf(path: Path, p: Partial<ExternalProcessorConfig>): ExternalProcessorConfig {
  const d = WORKER_CONFIG_DEFAULTS.external
  const cgroup = p.cgroup
  return {
    bin: p.bin === undefined ? undefined : str([...path, 'bin'], p.bin),
    args:
      p.args === undefined
        ? undefined
        : p.args.map((a, i) => (typeof a === 'string' ? a : bad([...path, 'args', i], 'a string', a))),
    stableWaitMs:
      p.stableWaitMs === undefined ? d.stableWaitMs : ms([...path, 'stableWaitMs'], p.stableWaitMs),
    cgroup:
      cgroup === undefined
        ? undefined
        : {
            cpuset: /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cgroup.cpuset)
              ? cgroup.cpuset
              : bad([...path, 'cgroup', 'cpuset'], 'a cpu list like "4-5" or "0,2,4-7"', cgroup.cpuset),
            groupName: str([...path, 'cgroup', 'groupName'], cgroup.groupName ?? d.cgroupGroupName),
          },
    envs: stringMap([...path, 'envs'], p.envs),
    numaPreferred:
      p.numaPreferred === undefined ? undefined : int([...path, 'numaPreferred'], p.numaPreferred, 0),
    concurrent: p.concurrent === undefined ? undefined : int([...path, 'concurrent'], p.concurrent, 1),
    locks: (p.locks ?? []).map((l, i) => str([...path, 'locks', i], l)),
    gpu: p.gpu === undefined ? undefined : str([...path, 'gpu'], p.gpu),
  }
}

function gpusOf(path: Path, g: WorkerGpuInput | undefined): WorkerGpuConfig {
  const input = g ?? {}
  const slots = input.slots === undefined ? GPU_DEFAULT_SLOTS : int([...path, 'slots'], input.slots, 1)
  if (input.devices !== undefined && !Array.isArray(input.devices))
    bad([...path, 'devices'], 'an array of GPU devices', input.devices)
  const devices = (input.devices ?? []).map((d, i) => {
    const p = [...path, 'devices', i]
    if (typeof d === 'string') return { id: isGpuDeviceId(d) ? d : bad(p, GPU_DEVICE_EXPECTED, d), slots }
    if (d === null || typeof d !== 'object') bad(p, `${GPU_DEVICE_EXPECTED}, or { id, slots }`, d)
    return {
      id: isGpuDeviceId(d.id) ? d.id : bad([...p, 'id'], GPU_DEVICE_EXPECTED, d.id),
      slots: d.slots === undefined ? slots : int([...p, 'slots'], d.slots, 1),
    }
  })
  for (const k of Object.keys(input.stageSlots ?? {})) {
    if (!(GPU_STAGES as readonly string[]).includes(k))
      bad([...path, 'stageSlots', k], `a GPU stage (${GPU_STAGES.join(', ')})`, k)
  }
  const stageSlots = {} as Record<GpuStage, number>
  for (const stage of GPU_STAGES) {
    const n = input.stageSlots?.[stage]
    stageSlots[stage] = n === undefined ? GPU_DEFAULT_SLOTS : int([...path, 'stageSlots', stage], n, 1)
  }
  const out = { devices, stageSlots }
  const problem = gpuConfigProblem(out)
  if (problem !== undefined) bad([...path, ...problem.path], problem.expected, problem.found)
  return out
}

/**
 * Builds a complete, checked {@link WorkerConfig} from code: what is left out takes the value of
 * {@link WORKER_CONFIG_DEFAULTS}. A complete config goes through unchanged, so it is also the
 * check of a config built or edited by hand. Paths are kept as given (`createSealingWorker`
 * makes them absolute against the working directory).
 *
 * @throws VenusError `CONFIG_INVALID_VALUE` naming the key, e.g. `worker config:
 *   sealingThreads[0].location: expected a non-empty string, found nothing`.
 * @example
 * ```ts
 * const config = workerConfig({
 *   sectorManager: { addr: '/ip4/127.0.0.1/tcp/1789' },
 *   sealing: { recoverIntervalMs: 5_000 },
 *   sealingThreads: [{ location: '/data/store1' }, { location: '/data/store2' }],
 *   attached: [{ name: 'ps1', location: '/mnt/persist1' }],
 *   processors: { limit: { pc1: 2, c2: 1 } },
 * })
 * const worker = createSealingWorker({ config, proofs })
 * ```
 */
export function workerConfig(input: WorkerConfigInput): WorkerConfig {
  const D = WORKER_CONFIG_DEFAULTS
  const sm = input.sectorManager ?? bad(['sectorManager'], 'the manager address (addr or url)', undefined)
  const addr =
    sm.addr ??
    sm.url ??
    bad(['sectorManager', 'addr'], 'the manager address, a multiaddr or ws:// URL', undefined)
  let url = sm.url
  if (url === undefined) {
    try {
      url = managerRpcUrl(str(['sectorManager', 'addr'], addr))
    } catch (err) {
      if (err instanceof VenusError && err.code === 'CONFIG_INVALID_VALUE') throw err
      bad(['sectorManager', 'addr'], 'a multiaddr like "/ip4/127.0.0.1/tcp/1789" or a ws:// URL', addr)
    }
  } else if (!/^(wss?|https?):\/\/[^/]/.test(url)) {
    bad(['sectorManager', 'url'], 'a ws://, wss://, http:// or https:// URL', url)
  }
  const sealing = sealingOf(['sealing'], input.sealing, { ...D.sealing })

  const sealingThreads = (input.sealingThreads ?? []).map((t, i): WorkerSealingThreadConfig => {
    const p = ['sealingThreads', i]
    return {
      location: str([...p, 'location'], t.location),
      plan: str([...p, 'plan'], t.plan ?? D.plan),
      sealing: sealingOf([...p, 'sealing'], t.sealing, sealing),
      ...(t.planKey === undefined ? {} : { planKey: t.planKey }),
    }
  })

  const names = new Set<string>()
  const attached = (input.attached ?? []).map((a, i): WorkerAttachedStoreConfig => {
    const p = ['attached', i]
    const location = str([...p, 'location'], a.location)
    const fromLocation = a.name === undefined || a.nameFromLocation === true
    const name = a.name === undefined ? resolve(location) : str([...p, 'name'], a.name)
    if (names.has(name)) bad([...p, 'name'], 'a unique store name', `duplicate ${JSON.stringify(name)}`)
    names.add(name)
    return {
      name,
      location,
      readonly: a.readonly === undefined ? false : bool([...p, 'readonly'], a.readonly),
      ...(fromLocation ? { nameFromLocation: true } : {}),
    }
  })

  const pr = input.processors ?? {}
  stageKeys(['processors', 'limit'], pr.limit)
  stageKeys(['processors', 'external'], pr.external)
  stageKeys(['processors', 'staggeredMs'], pr.staggeredMs)
  const gpus = gpusOf(['processors', 'gpus'], pr.gpus)
  const external: WorkerConfig['processors']['external'] = {}
  for (const [stage, specs] of Object.entries(pr.external ?? {})) {
    if (specs === undefined) continue
    if (!Array.isArray(specs)) bad(['processors', 'external', stage], 'an array of processors', specs)
    external[stage as WorkerStage] = specs.map((s, i) => {
      const path = ['processors', 'external', stage, i]
      const child = externalOf(path, s)
      const pin = externalGpuOf(stage, child.gpu, child.envs, gpus)
      if ('key' in pin) {
        const key = pin.key === 'gpu' ? [...path, 'gpu'] : [...path, 'envs', pin.key]
        bad(key, pin.expected, undefined, pin.found)
      }
      return { ...child, gpu: pin.device }
    })
  }
  const staggeredMs: WorkerConfig['processors']['staggeredMs'] = {}
  for (const [stage, v] of Object.entries(pr.staggeredMs ?? {})) {
    if (v !== undefined) staggeredMs[stage as WorkerStage] = ms(['processors', 'staggeredMs', stage], v)
  }

  const rs = input.rpcServer ?? {}
  const auto = input.autoResume
  return {
    ...(input.layout === undefined ? {} : { layout: input.layout }),
    name: input.name === undefined ? undefined : str(['name'], input.name),
    rpcServer: {
      host: str(['rpcServer', 'host'], rs.host ?? D.rpcServer.host),
      port: int(['rpcServer', 'port'], rs.port ?? D.rpcServer.port, 0, 65535),
    },
    sectorManager: {
      addr,
      url,
      headers: stringMap(['sectorManager', 'headers'], sm.headers),
      pieceToken: sm.pieceToken === undefined || sm.pieceToken === '' ? undefined : sm.pieceToken,
    },
    sealing,
    sealingThreads,
    attached,
    processors: {
      limit: counts(['processors', 'limit'], pr.limit),
      extLocks: counts(['processors', 'extLocks'], pr.extLocks),
      staticTreeD: stringMap(['processors', 'staticTreeD'], pr.staticTreeD),
      external,
      staggeredMs,
      gpus,
    },
    pingIntervalMs: ms(['pingIntervalMs'], input.pingIntervalMs ?? D.pingIntervalMs),
    threadStartStaggerMs: ms(['threadStartStaggerMs'], input.threadStartStaggerMs ?? D.threadStartStaggerMs),
    recordSync: bool(['recordSync'], input.recordSync ?? D.recordSync),
    autoResume:
      auto === false ? false : { maxMs: ms(['autoResume', 'maxMs'], auto?.maxMs ?? D.autoResume.maxMs) },
    resubmitWaitMs: ms(['resubmitWaitMs'], input.resubmitWaitMs ?? D.resubmitWaitMs),
  }
}
