/**
 * The `Venus.*` methods of repair tasks: workers of plan `rebuild` and `unseal` take tasks and
 * submit results; the CLI queues tasks and reads their state. Every param is checked before
 * anything changes, as in `sealer-api.ts`.
 */
import { CID } from 'multiformats/cid'
import type { ManagerLimits } from '../limits.js'
import type { SectorManager } from '../manager.js'
import type { RepairKind } from '../store/types.js'
import { ParamReader } from './params.js'
import { rebuildToWire, repairTaskToWire, unsealToWire } from './repair-wire.js'
import type { VenusMethod } from './sealer-api.js'
import { submitResponseToWire } from './sector-wire.js'

/** Longest piece CID string accepted (a `baga…` CID is 64 characters). */
const PIECE_CID_MAX = 128

function pieceCid(r: ParamReader, v: unknown, path: string): string {
  // `{"/": cid}` as Go writes a CID, or the bare string the CLI sends.
  const text = typeof v === 'object' && v !== null ? r.object(v, path)['/'] : v
  const s = r.string(text, path, PIECE_CID_MAX)
  try {
    if (!/^[A-Za-z0-9]+$/.test(s)) throw new Error('not a CID')
    return CID.parse(s).toString()
  } catch {
    return r.fail(path, 'a piece CID', s)
  }
}

function kindOf(r: ParamReader, v: unknown, path: string, allowAll: boolean): RepairKind | undefined {
  const k = r.string(v, path)
  if (k === 'rebuild' || k === 'unseal') return k
  if (allowAll && k === '') return undefined
  return r.fail(path, allowAll ? '"rebuild", "unseal" or ""' : '"rebuild" or "unseal"', k)
}

/** `AllocateSectorSpec` with the optional `Worker` name this manager records on the task. */
function allocSpec(r: ParamReader, limits: ManagerLimits) {
  const o = r.object(r.at(0), 'params[0]')
  return {
    spec: {
      allowedMiners: r.nullableUintList(o.AllowedMiners, 'params[0].AllowedMiners'),
      allowedProofTypes: r.nullableUintList(o.AllowedProofTypes, 'params[0].AllowedProofTypes'),
    },
    worker: o.Worker === undefined ? '' : r.string(o.Worker, 'params[0].Worker', limits.nameBytes),
  }
}

/**
 * The repair methods, to merge into the `Venus.*` table.
 *
 * @example
 * ```ts
 * const methods = { ...createSealerApi(mgr), ...createRepairApi(mgr, managerLimits()) }
 * ```
 */
export function createRepairApi(mgr: SectorManager, limits: ManagerLimits): Record<string, VenusMethod> {
  const m = (name: string, count: number, fn: (r: ParamReader) => unknown): [string, VenusMethod] => {
    const full = `Venus.${name}`
    return [full, (params) => fn(new ParamReader(full, params, count))]
  }
  const sid = (r: ParamReader, i: number) => r.sectorId(r.at(i), `params[${i}]`)
  const reason = (r: ParamReader, i: number) => r.string(r.at(i), `params[${i}]`, limits.failureTextBytes)
  const instance = (r: ParamReader, i: number) => r.string(r.at(i), `params[${i}]`, limits.locationBytes)
  return Object.fromEntries([
    m('AllocateRebuildSector', 1, async (r) => {
      const { spec, worker } = allocSpec(r, limits)
      const got = await mgr.repair.allocateRebuild(spec, worker)
      return got === null ? null : rebuildToWire(got)
    }),
    m('SubmitRebuilt', 2, async (r) => {
      const id = sid(r, 0)
      const o = r.object(r.at(1), 'params[1]')
      const commR = r.bytes32(o.CommR, 'params[1].CommR')
      const inst = r.string(o.Instance, 'params[1].Instance', limits.locationBytes)
      return submitResponseToWire(await mgr.repair.submitRebuilt(id, commR, inst))
    }),
    m('ReportRebuildFailed', 2, async (r) => {
      const id = sid(r, 0)
      await mgr.repair.reportFailed({ kind: 'rebuild', id, piece: '' }, reason(r, 1))
      return null
    }),
    m('AllocateUnsealSector', 1, async (r) => {
      const { spec, worker } = allocSpec(r, limits)
      const got = await mgr.repair.allocateUnseal(spec, worker)
      return got === null ? null : unsealToWire(got)
    }),
    m('SubmitUnsealed', 3, async (r) => {
      const id = sid(r, 0)
      const piece = pieceCid(r, r.at(1), 'params[1]')
      return submitResponseToWire(await mgr.repair.submitUnsealed(id, piece, instance(r, 2)))
    }),
    // As the original: an empty errInfo says the task ended well, else why it failed.
    m('AchieveUnsealSector', 3, async (r) => {
      const id = sid(r, 0)
      const piece = pieceCid(r, r.at(1), 'params[1]')
      const err = reason(r, 2)
      if (err !== '') await mgr.repair.reportFailed({ kind: 'unseal', id, piece }, err)
      return null
    }),
    m('SectorSetForRebuild', 2, async (r) => {
      const id = sid(r, 0)
      const o = r.object(r.at(1), 'params[1]')
      const cacheOnly =
        o.CacheOnly === undefined || o.CacheOnly === null
          ? undefined
          : r.bool(o.CacheOnly, 'params[1].CacheOnly')
      const force = o.Force === undefined ? false : r.bool(o.Force, 'params[1].Force')
      const { task, created } = await mgr.repair.requestRebuild(id, { cacheOnly, force })
      return { Created: created, Task: repairTaskToWire(task) }
    }),
    m('UnsealPieceRequest', 2, async (r) => {
      const id = sid(r, 0)
      const piece = pieceCid(r, r.at(1), 'params[1]')
      const { task, created } = await mgr.repair.requestUnseal(id, piece)
      return { Created: created, Task: repairTaskToWire(task) }
    }),
    m('RepairTasks', 1, async (r) => {
      const kind = kindOf(r, r.at(0), 'params[0]', true)
      return (await mgr.repair.list(kind)).map(repairTaskToWire)
    }),
    m('RepairTaskState', 3, async (r) => {
      const kind = kindOf(r, r.at(0), 'params[0]', false) as RepairKind
      const id = sid(r, 1)
      const piece = kind === 'unseal' ? pieceCid(r, r.at(2), 'params[2]') : ''
      const t = await mgr.repair.get(kind, id, piece)
      return t === undefined ? null : repairTaskToWire(t)
    }),
  ])
}
