/**
 * The worker control API `VenusWorker.*`: WorkerList, WorkerPause, WorkerResume,
 * served over HTTP JSON-RPC at `/` of port 17890.
 */
import { createRpcClient, http, type RpcClient, type RpcMethod, VenusError } from '@venus-cluster/core'
import { parseSealingState } from './states.js'
import type { SealingThread, SealingThreadInfo } from './thread.js'

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
    'VenusWorker.WorkerList': (): SealingThreadInfo[] => threads.map((t) => t.info()),
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
 * console.log(await w.list())
 * ```
 */
export function workerControlClient(
  url: string,
  opts: { token?: string | undefined } = {},
): WorkerControlClient {
  const rpc: RpcClient = createRpcClient(http(url, { token: opts.token }), { timeoutMs: 30_000 })
  return {
    list: () => rpc.call('VenusWorker.WorkerList', []),
    pause: (i) => rpc.call('VenusWorker.WorkerPause', [i]),
    resume: (i, s = null) => rpc.call('VenusWorker.WorkerResume', [i, s]),
    close: () => rpc.close(),
  }
}
