/**
 * The worker control API `VenusWorker.*`: WorkerList, WorkerPause, WorkerResume, served over HTTP
 * JSON-RPC at `/` of port 17890. The wire keeps the original worker's snake_case thread entries;
 * the library speaks {@link SealingThreadInfo}, converted here and nowhere else.
 */
import { createRpcClient, http, type RpcClient, type RpcMethod, VenusError } from '@venus-cluster/core'
import { parseSealingState, type SealingState } from './states.js'
import type { SealingThread, SealingThreadInfo } from './thread.js'

/** A thread entry of `VenusWorker.WorkerList` as the original worker writes it. */
export interface WireThreadInfo {
  location: string
  /** `m-<miner>-s-<number>`, or null. */
  sector_id: string | null
  index: number
  paused: boolean
  /** Seconds since the pause with one decimal and a unit, e.g. `"12.3s"`; null while running. */
  paused_elapsed: string | null
  state: string
  last_error: string | null
}

/**
 * A thread's info on the wire (key order as the original worker's).
 *
 * @example
 * ```ts
 * threadInfoToWire(worker.threads[0].info()).sector_id // 'm-1000-s-1'
 * ```
 */
export function threadInfoToWire(t: SealingThreadInfo): WireThreadInfo {
  return {
    location: t.location,
    sector_id: t.sectorId === null ? null : `m-${t.sectorId.miner}-s-${t.sectorId.number}`,
    index: t.index,
    paused: t.paused,
    paused_elapsed: t.pausedForMs === null ? null : `${(t.pausedForMs / 1000).toFixed(1)}s`,
    state: t.state,
    last_error: t.lastError,
  }
}

const bounded = (v: unknown, max: number): string | null =>
  typeof v === 'string' && v.length <= max ? v : null

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** `"m-1000-s-1"` (v0.1) or `{"Miner": 1000, "Number": 1}` (later originals). */
function sectorIdOf(v: unknown): SealingThreadInfo['sectorId'] {
  if (typeof v === 'object' && v !== null) {
    const o = v as { Miner?: unknown; Number?: unknown }
    return isId(o.Miner) && isId(o.Number) ? { miner: o.Miner, number: o.Number } : null
  }
  const m = /^m-(\d{1,15})-s-(\d{1,15})$/.exec(bounded(v, 40) ?? '')
  return m === null ? null : { miner: Number(m[1]), number: Number(m[2]) }
}

/** `"12.3s"` (v0.1) or whole seconds (later originals). */
function pausedForMsOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : null
  const m = /^(\d{1,12}(?:\.\d{1,3})?)s$/.exec(bounded(v, 32) ?? '')
  return m === null ? null : Math.round(Number(m[1]) * 1000)
}

/**
 * A thread's info from the wire (a worker's answer, this project's or an original of any
 * version): fields of an unknown shape, or too long, become null rather than failing the list.
 *
 * @throws VenusError `RPC_SERVER` when the entry is not an object with an integer index.
 * @example
 * ```ts
 * threadInfoFromWire({ location: '/s1', sector_id: 'm-1000-s-1', index: 0, paused: false,
 *   paused_elapsed: null, state: 'PC1Done', last_error: null }).sectorId // { miner: 1000, number: 1 }
 * ```
 */
export function threadInfoFromWire(w: unknown): SealingThreadInfo {
  if (typeof w !== 'object' || w === null || !isId((w as { index?: unknown }).index)) {
    throw new VenusError('RPC_SERVER', 'VenusWorker.WorkerList: an entry is not a thread (no integer index)')
  }
  const o = w as Record<string, unknown>
  return {
    index: o.index as number,
    location: bounded(o.location, 4096) ?? '',
    plan: bounded(o.plan, 32) ?? 'sealer',
    sectorId: sectorIdOf(o.sector_id),
    state: (bounded(o.state, 64) ?? 'Empty') as SealingState,
    paused: o.paused === true,
    pausedForMs: pausedForMsOf(o.paused_elapsed),
    lastError: bounded(o.last_error, 64 * 1024),
  }
}

function threadAt(threads: readonly SealingThread[], v: unknown): SealingThread {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new VenusError('RPC_INVALID_PARAMS', 'params[0] must be a sealing thread index (integer)')
  }
  const t = threads.find((x) => x.index === v)
  if (t === undefined) {
    throw new VenusError('WORKER_THREAD_NOT_FOUND', `no sealing thread with index ${v}`, {
      details: { index: v, known: threads.map((x) => x.index) },
    })
  }
  return t
}

/**
 * The method table of the control API.
 *
 * @example
 * ```ts
 * const server = createRpcServer({ methods: workerControlMethods(worker.threads), path: '/' })
 * ```
 */
export function workerControlMethods(threads: readonly SealingThread[]): Record<string, RpcMethod> {
  return {
    'VenusWorker.WorkerList': (): WireThreadInfo[] => threads.map((t) => threadInfoToWire(t.info())),
    'VenusWorker.WorkerPause': (params) => threadAt(threads, params[0]).pause(),
    'VenusWorker.WorkerResume': (params) => {
      const t = threadAt(threads, params[0])
      const s = params[1]
      if (s !== null && s !== undefined && typeof s !== 'string') {
        throw new VenusError('RPC_INVALID_PARAMS', 'params[1] must be a state name or null')
      }
      return t.resume(typeof s === 'string' ? parseSealingState(s) : null)
    },
  }
}

/** A typed client of the control API. */
export interface WorkerControlClient {
  list(): Promise<SealingThreadInfo[]>
  /**
   * The `WorkerList` answer as the worker sent it (at most 4,096 entries), for tools that print
   * the wire (`worker list --json`); {@link threadInfoFromWire} reads each entry.
   */
  listWire(): Promise<unknown[]>
  pause(index: number): Promise<boolean>
  resume(index: number, state?: string | null): Promise<boolean>
  close(): Promise<void>
}

/**
 * Connects to a worker's control API (`http://127.0.0.1:17890/`).
 *
 * @example
 * ```ts
 * const w = workerControlClient('http://127.0.0.1:17890/', { token: process.env.VENUS_SECTOR_MANAGER_TOKEN })
 * for (const t of await w.list()) console.log(t.index, t.state, t.lastError)
 * ```
 */
export function workerControlClient(
  url: string,
  opts: { token?: string | undefined } = {},
): WorkerControlClient {
  const rpc: RpcClient = createRpcClient(http(url, { token: opts.token }), { timeoutMs: 30_000 })
  const listWire = async (): Promise<unknown[]> => {
    const list = await rpc.call<unknown>('VenusWorker.WorkerList', [])
    if (!Array.isArray(list) || list.length > 4096)
      throw new VenusError('RPC_SERVER', 'VenusWorker.WorkerList: the answer is not a list of threads')
    return list
  }
  return {
    listWire,
    list: async () => (await listWire()).map(threadInfoFromWire),
    pause: (i) => rpc.call('VenusWorker.WorkerPause', [i]),
    resume: (i, s = null) => rpc.call('VenusWorker.WorkerResume', [i, s]),
    close: () => rpc.close(),
  }
}
