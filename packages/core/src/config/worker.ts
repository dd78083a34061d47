/**
 * The reader of `venus-worker.toml`. Two layouts are read: the seed's (`[sealer_rpc]`,
 * `[[store]]`, `[limit]`, `[remote]`, `[processors.pc2] external = true`) and v0.1.2's
 * (`[worker]`, `[sector_manager]`, `[[sealing_thread]]`, `[[attached]]`,
 * `[[processors.<stage>]]`). Both are read onto the one {@link WorkerConfig} (see
 * `worker-config.ts`, which also holds every default).
 */
import { resolve } from 'node:path'
import { configKeyRef } from './manager-config.js'
import { configError, describeTomlValue, openConfigDocument, TableReader } from './reader.js'
import { readDuration, readSectorSizes } from './units.js'
import {
  type ExternalProcessorConfig,
  managerRpcUrl,
  WORKER_CONFIG_DEFAULTS,
  WORKER_STAGES,
  type WorkerAttachedStoreConfig,
  type WorkerConfig,
  type WorkerSealingConfig,
  type WorkerSealingThreadConfig,
  workerConfig,
} from './worker-config.js'
import {
  externalGpuOf,
  GPU_DEFAULT_SLOTS,
  GPU_DEVICE_EXPECTED,
  GPU_STAGES,
  type GpuStage,
  gpuConfigProblem,
  isGpuDeviceId,
  type WorkerGpuConfig,
} from './worker-gpus.js'

const SEED_SECTIONS = ['instance', 'worker_server', 'sealer_rpc', 'store', 'limit', 'remote']
const V012_SECTIONS = ['worker', 'sector_manager', 'sealing_thread', 'remote_store', 'attached']

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
  const groupName = t.string('group_name', WORKER_CONFIG_DEFAULTS.external.cgroupGroupName)
  t.finish()
  if (cpuset === undefined) return undefined
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpuset)) t.fail('cpuset', 'a cpu list like "4-5" or "0,2,4-7"')
  return { cpuset, groupName }
}

/**
 * `[processors.gpu]`: `devices` (ids, or `{ id, slots }` tables), `slots` (of a device not given
 * its own) and `[processors.gpu.stage_slots]`.
 */
function readGpus(t: TableReader): WorkerGpuConfig {
  const slots = t.integer('slots', GPU_DEFAULT_SLOTS, 1)
  const raw = t.raw('devices') ?? []
  if (!Array.isArray(raw)) t.fail('devices', 'an array of GPU devices')
  const devices = raw.map((d: unknown, i) => {
    const path = [...t.path, 'devices', i]
    if (typeof d === 'string') {
      if (isGpuDeviceId(d)) return { id: d, slots }
      throw configError('CONFIG_INVALID_VALUE', t.src, path, GPU_DEVICE_EXPECTED, describeTomlValue(d))
    }
    // A table, or the reader says what else it is.
    const dt = new TableReader(t.src, path, d)
    const id = dt.requiredString('id', GPU_DEVICE_EXPECTED)
    if (!isGpuDeviceId(id)) dt.fail('id', GPU_DEVICE_EXPECTED)
    const device = { id, slots: dt.integer('slots', slots, 1) }
    dt.finish()
    return device
  })
  const st = t.table('stage_slots')
  const stageSlots = {} as Record<GpuStage, number>
  for (const stage of GPU_STAGES) stageSlots[stage] = st.integer(stage, GPU_DEFAULT_SLOTS, 1)
  st.finish()
  t.finish()
  const out = { devices, stageSlots }
  const problem = gpuConfigProblem(out)
  if (problem !== undefined) {
    const path = problem.path.map((k) => (k === 'stageSlots' ? 'stage_slots' : k))
    throw configError('CONFIG_INVALID_VALUE', t.src, [...t.path, ...path], problem.expected, problem.found)
  }
  return out
}

/** The device a child of `stage` is pinned to (`gpu`, or `envs.CUDA_VISIBLE_DEVICES`), checked. */
function readChildGpu(
  t: TableReader,
  envTable: TableReader | undefined,
  envs: Record<string, string>,
  stage: string,
  gpus: WorkerGpuConfig,
): string | undefined {
  const pin = externalGpuOf(stage, t.string('gpu'), envs, gpus)
  if (!('key' in pin)) return pin.device
  if (pin.key === 'gpu' || envTable === undefined) t.fail('gpu', pin.expected, pin.found)
  return envTable.fail(pin.key, pin.expected, pin.found)
}

function readExternal(t: TableReader, stage: string, gpus: WorkerGpuConfig): ExternalProcessorConfig {
  const envTable = t.table('envs')
  const envs: Record<string, string> = {}
  for (const [k, v] of envTable.entries()) {
    envs[k] = typeof v === 'string' ? v : envTable.fail(k, 'a string')
  }
  const p: ExternalProcessorConfig = {
    bin: t.string('bin'),
    args: t.has('args') ? t.stringArray('args', []) : undefined,
    stableWaitMs: readDuration(t, 'stable_wait', WORKER_CONFIG_DEFAULTS.external.stableWaitMs),
    cgroup: readCgroup(t.table('cgroup')),
    envs,
    numaPreferred: t.integer('numa_preferred', undefined, 0),
    concurrent: t.integer('concurrent', undefined, 1),
    locks: t.stringArray('locks', []),
    gpu: readChildGpu(t, envTable, envs, stage, gpus),
  }
  t.finish()
  return p
}

function readProcessors(t: TableReader): WorkerConfig['processors'] {
  const out: WorkerConfig['processors'] = {
    limit: {},
    extLocks: readCounts(t.table('ext_locks'), undefined),
    staticTreeD: {},
    external: {},
    staggeredMs: {},
    gpus: readGpus(t.table('gpu')),
  }
  // `[processors.limitation.staggered] pc1 = "5min"`: the minimum spacing of a stage's starts.
  const limitation = t.table('limitation')
  const staggered = limitation.table('staggered')
  for (const stage of WORKER_STAGES) {
    if (staggered.has(stage)) out.staggeredMs[stage] = readDuration(staggered, stage, 0)
  }
  staggered.finish()
  limitation.finish()
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
      out.external[stage] = t.tables(stage).map((c) => readExternal(c, stage, out.gpus))
    } else {
      // Seed layout: `[processors.pc2] external = true` plus an optional `cgroup` table.
      const s = t.table(stage)
      const external = s.boolean('external', false)
      const cgroup = readCgroup(s.table('cgroup'))
      const gpu = readChildGpu(s, undefined, {}, stage, out.gpus)
      s.finish()
      if (external) {
        out.external[stage] = [
          {
            bin: undefined,
            args: undefined,
            stableWaitMs: WORKER_CONFIG_DEFAULTS.external.stableWaitMs,
            cgroup,
            envs: {},
            numaPreferred: undefined,
            concurrent: undefined,
            locks: [],
            gpu,
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
 * Parses the text of `venus-worker.toml` (seed or v0.1.2 layout) into the one typed
 * {@link WorkerConfig}; what the file leaves out takes the defaults of `WORKER_CONFIG_DEFAULTS`.
 * `file` is only used in error messages.
 *
 * @example
 * ```ts
 * const cfg = parseWorkerConfig('[sealer_rpc]\nurl = "ws://127.0.0.1:1789/rpc/v0"\n', 'venus-worker.toml')
 * cfg.sectorManager.url // 'ws://127.0.0.1:1789/rpc/v0'
 * ```
 */
export function parseWorkerConfig(text: string, file: string): WorkerConfig {
  const { root, layout } = openConfigDocument(text, file, SEED_SECTIONS, V012_SECTIONS)
  const sealing = readSealing(root.table('sealing'), WORKER_CONFIG_DEFAULTS.sealing)
  const defaultServer = WORKER_CONFIG_DEFAULTS.rpcServer

  let name: string | undefined
  let rpcServer: WorkerConfig['rpcServer']
  let pingIntervalMs: number = WORKER_CONFIG_DEFAULTS.pingIntervalMs
  let addrReader: TableReader
  let addrKey: string
  let headers: Record<string, string>
  let pieceToken: string | undefined
  const threads: WorkerSealingThreadConfig[] = []
  const attached: WorkerAttachedStoreConfig[] = []
  let processors: WorkerConfig['processors']

  if (layout === 'seed') {
    const instance = root.table('instance')
    name = instance.string('name') || undefined
    instance.finish()
    const server = root.table('worker_server')
    rpcServer = {
      host: server.string('host', defaultServer.host),
      port: server.integer('port', defaultServer.port, 1, 65535),
    }
    server.finish()
    addrReader = root.table('sealer_rpc')
    addrKey = 'url'
    headers = readHeaders(addrReader, 'headers')
    for (const t of root.tables('store')) {
      const location = t.requiredString('location', 'a directory path')
      threads.push({
        location,
        plan: WORKER_CONFIG_DEFAULTS.plan,
        sealing: readSealing(t.table('sealing'), sealing),
      })
      t.finish()
    }
    if (root.has('remote')) attached.push(readAttached(root.table('remote'), 'path', 'instance'))
    processors = readProcessors(root.table('processors'))
    if (root.has('limit')) processors.limit = readCounts(root.table('limit'), WORKER_STAGES)
  } else {
    const worker = root.table('worker')
    name = worker.string('name') || undefined
    const server = worker.table('rpc_server')
    rpcServer = {
      host: server.string('host', defaultServer.host),
      port: server.integer('port', defaultServer.port, 1, 65535),
    }
    server.finish()
    pingIntervalMs = readDuration(worker, 'ping_interval', pingIntervalMs)
    worker.finish()
    const sm = root.table('sector_manager')
    addrReader = sm.table('rpc_client')
    addrKey = 'addr'
    headers = readHeaders(addrReader, 'headers')
    pieceToken = sm.string('piece_token') || undefined
    sm.finish()
    for (const t of root.tables('sealing_thread')) {
      const location = t.requiredString('location', 'a directory path')
      // Any plan name is read; the worker checks it against the plans it has, naming this line.
      const plan = t.string('plan', WORKER_CONFIG_DEFAULTS.plan)
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(plan)) t.fail('plan', 'a plan name like "sealer"')
      threads.push({
        location,
        plan,
        sealing: readSealing(t.table('sealing'), sealing),
        planKey: configKeyRef(t.src, [...t.path, 'plan']),
      })
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
  return workerConfig({
    layout,
    name,
    rpcServer,
    sectorManager: { addr, url, headers, pieceToken },
    sealing,
    sealingThreads: threads,
    attached,
    processors,
    pingIntervalMs,
  })
}
