/**
 * The `Venus.WdPoSt*` methods of PoSt workers and their operators, over the jobs in the store, as
 * damocles names and shapes them: workers allocate, heartbeat and finish jobs; operators list,
 * reset and remove them. Every manager on a shared database serves them, so a worker may talk to
 * any of them. Also the lease listing (`Venus.PoStLeases`), for the CLI.
 */
import {
  truncateText,
  VenusError,
  WDPOST_MAX_ERROR_BYTES,
  type WdPoStAllocateSpec,
  WORKER_NAME_MAX_LENGTH,
  wdPoStBriefJobToWire,
  wdPoStInputToWire,
  wdPoStOutputFromWire,
  workerNameProblem,
} from '@venus-cluster/core'
import type { PostStore } from '../store/post-types.js'
import { ParamReader } from './params.js'
import type { VenusMethod } from './sealer-api.js'

/** Jobs one allocation may take at most. */
export const WDPOST_MAX_ALLOCATE = 16
/** Job ids one heartbeat may carry at most. */
export const WDPOST_MAX_HEARTBEAT_IDS = 256
const JOB_ID_MAX = 128
const PROOF_NAME_MAX = 64

/** Options of {@link createWdPoStApi}. */
export interface WdPoStApiOptions {
  /** Tries a job gets before only a reset runs it again (shown by `WdPoStAllJobs`; default 2). */
  maxTry?: number | undefined
}

function workerName(r: ParamReader, v: unknown, path: string): string {
  const name = r.string(v, path)
  if (workerNameProblem(name) !== undefined)
    r.fail(path, `a worker name (1-${WORKER_NAME_MAX_LENGTH} letters, digits and . _ - : @)`, name)
  return name
}

function jobId(r: ParamReader, v: unknown, path: string): string {
  const id = r.string(v, path)
  if (id === '' || id.length > JOB_ID_MAX) r.fail(path, `a job id of 1-${JOB_ID_MAX} characters`, id)
  return id
}

function allocateSpec(r: ParamReader, v: unknown): WdPoStAllocateSpec {
  const o = r.object(v, 'params[0]')
  const types = o.AllowedProofTypes
  let allowedProofTypes: string[] | null = null
  if (types !== null && types !== undefined) {
    if (!Array.isArray(types) || types.length > 32)
      r.fail('params[0].AllowedProofTypes', 'a list of at most 32 names', types)
    allowedProofTypes = types.map((t, i) => {
      const s = r.string(t, `params[0].AllowedProofTypes[${i}]`)
      if (s.length > PROOF_NAME_MAX) r.fail(`params[0].AllowedProofTypes[${i}]`, 'a PoSt proof name', s)
      return s
    })
  }
  const miners =
    o.AllowedMiners === undefined ? null : r.nullableUintList(o.AllowedMiners, 'params[0].AllowedMiners')
  if (miners !== null && miners.length > 1024)
    r.fail('params[0].AllowedMiners', 'at most 1024 miners', miners.length)
  return { allowedMiners: miners, allowedProofTypes }
}

/**
 * The `Venus.WdPoSt*` method table over `store.post`.
 *
 * @example
 * ```ts
 * const methods = { ...createSealerApi(mgr), ...createWdPoStApi(store, { maxTry: 2 }) }
 * ```
 */
export function createWdPoStApi(
  store: { readonly post: PostStore },
  opts: WdPoStApiOptions = {},
): Record<string, VenusMethod> {
  const post = store.post
  const maxTry = opts.maxTry ?? 2
  return {
    'Venus.WdPoStAllocateJobs': async (params) => {
      const r = new ParamReader('WdPoStAllocateJobs', params, 3)
      const spec = allocateSpec(r, r.at(0))
      const num = r.uint(r.at(1), 'params[1]')
      const worker = workerName(r, r.at(2), 'params[2]')
      if (num === 0) return []
      const jobs = await post.allocateJobs(spec, Math.min(num, WDPOST_MAX_ALLOCATE), worker)
      return jobs.map((j) => ({ Id: j.id, Input: wdPoStInputToWire(j.input) }))
    },
    'Venus.WdPoStHeartbeatJobs': async (params) => {
      const r = new ParamReader('WdPoStHeartbeatJobs', params, 2)
      const raw = r.at(0)
      if (!Array.isArray(raw) || raw.length > WDPOST_MAX_HEARTBEAT_IDS)
        r.fail('params[0]', `a list of at most ${WDPOST_MAX_HEARTBEAT_IDS} job ids`, raw)
      const ids = (raw as unknown[]).map((x, i) => jobId(r, x, `params[0][${i}]`))
      const worker = workerName(r, r.at(1), 'params[1]')
      await post.heartbeatJobs(ids, worker)
      return null
    },
    'Venus.WdPoStFinishJob': async (params) => {
      const r = new ParamReader('WdPoStFinishJob', params, 3)
      const id = jobId(r, r.at(0), 'params[0]')
      let output: ReturnType<typeof wdPoStOutputFromWire>
      try {
        output = wdPoStOutputFromWire(r.at(1), 'WdPoStFinishJob params[1]')
      } catch (e) {
        throw new VenusError('INVALID_ARGUMENT', (e as Error).message, {
          cause: e,
          details: { method: 'WdPoStFinishJob' },
        })
      }
      const reason = truncateText(r.string(r.at(2), 'params[2]'), WDPOST_MAX_ERROR_BYTES)
      if (!(await post.finishJob(id, output, reason)))
        throw new VenusError('NOT_FOUND', `job '${id}' does not exist`, { details: { id } })
      return null
    },
    'Venus.WdPoStResetJob': async (params) => {
      const r = new ParamReader('WdPoStResetJob', params, 1)
      const id = jobId(r, r.at(0), 'params[0]')
      if (!(await post.resetJob(id)))
        throw new VenusError('NOT_FOUND', `job '${id}' does not exist`, { details: { id } })
      return null
    },
    'Venus.WdPoStRemoveJob': async (params) => {
      const r = new ParamReader('WdPoStRemoveJob', params, 1)
      await post.removeJob(jobId(r, r.at(0), 'params[0]'))
      return null
    },
    'Venus.WdPoStAllJobs': async (params) => {
      const r = new ParamReader('WdPoStAllJobs', params ?? [], Array.isArray(params) ? params.length : 0)
      const all = r.params.length > 0 ? r.bool(r.at(0), 'params[0]') : true
      const jobs = await post.listJobs({ all })
      return { Jobs: jobs.map(wdPoStBriefJobToWire), MaxTry: maxTry }
    },
    'Venus.PoStLeases': async (params) => {
      const r = new ParamReader('PoStLeases', params ?? [], Array.isArray(params) ? params.length : 0)
      const miner = r.params.length > 0 && r.at(0) !== null ? r.uint(r.at(0), 'params[0]') : undefined
      const rows = await post.listLeases({ miner, limit: 500 })
      return rows.map((l) => ({
        Miner: l.miner,
        Deadline: l.deadline,
        Open: l.open,
        Holder: l.holder,
        Token: l.token,
        AcquiredAt: l.acquiredAt,
        RenewedAt: l.renewedAt,
        ExpiresAt: l.expiresAt,
        Released: l.released,
        Takeovers: l.takeovers,
      }))
    },
  }
}
