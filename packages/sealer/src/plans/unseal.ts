/**
 * The `unseal` plan: recovers the bytes of one piece of a sealed sector (for retrieval) and keeps
 * them as `piece/<pieceCid>` in a persist store, where the manager's piece store serves them.
 * The unseal reads the sealed file and the cache in the persist store the manager names, with the
 * ticket and CommD of the sector, and runs in process (`ProofsBackend.unsealRange`); the copy is
 * written under a temporary name, cut to the deal's payload and renamed, so a killed worker never
 * leaves a torn copy under the piece's name.
 */
import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { makeDirs, PIECE_COPY_DIR, ticketFromWire } from '@venus-cluster/core'
import { abort, asFailure, critical, permanent } from '../failure.js'
import { type AttachedStore, pickPersistStore } from '../persist.js'
import type { SectorRecord } from '../record.js'
import type { UnsealTask } from '../repair-wire.js'
import type { SealingEvent, SealingState } from '../states.js'
import { allocateRepairTask, repairTransitions } from './repair-common.js'
import { need, recordSectorId } from './sealer.js'
import type { Plan, PlanOutcome, StepContext, StepHandler } from './types.js'

type Step = StepHandler<SealingEvent>

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))
const repairOf = (rec: SectorRecord) => need(rec.repair, 'repair')
const pieceOf = (rec: SectorRecord) => need(repairOf(rec).piece_cid, 'repair.piece_cid')

/** `Empty`: asks the manager for a piece to unseal. */
const allocate: Step = async (ctx) => {
  const rec = ctx.record
  if (rec.base !== undefined && rec.base !== null) return 'Allocate'
  const client = ctx.manager
  const ask = client.allocateUnsealSector
  if (ask === undefined)
    throw permanent('the manager client has no allocateUnsealSector (Venus.AllocateUnsealSector)')
  const got = await allocateRepairTask(
    ctx,
    'AllocateUnsealSector',
    (spec) => ask(spec),
    (t: UnsealTask) => {
      rec.repair = {
        comm_d: b64(t.commD),
        sealed_instance: t.sealedInstance,
        piece_cid: t.pieceCid,
        offset: t.offset,
        size: t.size,
        payload_size: t.payloadSize,
      }
    },
    async (t, reason) => client.achieveUnsealSector?.(t.id, t.pieceCid, reason),
  )
  if (got === null) return null
  ctx.log.info({ sector: got.id, piece: got.pieceCid }, 'unseal allocated')
  return 'Allocate'
}

/** The attached store holding the sector's sealed file and cache. */
function sourceStore(stores: readonly AttachedStore[], name: string): AttachedStore {
  const s = stores.find((x) => x.name === name)
  if (s === undefined)
    throw abort(`persist store ${name} (where the sector's sealed file is) is not attached to this worker`)
  return s
}

/** `Allocated`: unseals the piece into `piece/<cid>` of a persist store. */
const unseal: Step = async (ctx) => {
  const rec = ctx.record
  const task = repairOf(rec)
  const base = need(rec.base, 'base')
  const unsealRange = ctx.proofs.unsealRange?.bind(ctx.proofs)
  if (unsealRange === undefined) throw permanent('the proofs backend of this worker cannot unseal')
  const id = base.allocated.ID
  const name = `s-t0${id.Miner}-${id.Number}`
  const src = sourceStore(ctx.stores.attached, need(task.sealed_instance, 'repair.sealed_instance'))
  const payload = need(task.payload_size, 'repair.payload_size')
  // The copy goes beside the replica unless that store is read-only.
  const out = src.readonly ? await pickPersistStore(ctx.stores.attached, payload, ctx.stores.freeSpace) : src
  const cid = pieceOf(rec)
  const dir = join(out.location, PIECE_COPY_DIR)
  const tmp = join(dir, `.${cid}.${id.Miner}-${id.Number}.tmp`)
  try {
    await makeDirs(dir)
  } catch (err) {
    throw critical(`creating ${dir} failed`, err)
  }
  try {
    await unsealRange(
      {
        proofType: base.allocated.ProofType,
        cacheDir: join(src.location, 'cache', name),
        sealedPath: join(src.location, 'sealed', name),
        outputPath: tmp,
        proverId: unb64(base.prove_input[0]),
        sectorNumber: base.prove_input[1],
        ticket: ticketFromWire(need(rec.phases.ticket, 'phases.ticket')).value,
        commD: unb64(task.comm_d),
        unpaddedOffset: need(task.offset, 'repair.offset'),
        unpaddedLength: need(task.size, 'repair.size'),
      },
      { signal: ctx.signal },
    )
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {})
    throw asFailure('Permanent', `unsealing piece ${cid} of ${name} failed`, err)
  }
  try {
    // The piece is padded with zeros to its size; the copy is the deal's payload.
    const fh = await open(tmp, 'r+')
    try {
      await fh.truncate(payload)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, join(dir, cid))
  } catch (err) {
    throw critical(`writing the unsealed copy ${join(dir, cid)} failed`, err)
  }
  rec.phases.persist_instance = out.name
  return 'Persist'
}

/** `Persisted`: tells the manager where the copy is; it checks and indexes it. */
const submit: Step = async (ctx) => {
  const rec = ctx.record
  const submitUnsealed = ctx.manager.submitUnsealed
  if (submitUnsealed === undefined)
    throw permanent('the manager client has no submitUnsealed (Venus.SubmitUnsealed)')
  const inst = need(rec.phases.persist_instance, 'phases.persist_instance')
  const r = await submitUnsealed(recordSectorId(rec), pieceOf(rec), inst)
  if (r.result !== 1 && r.result !== 2)
    throw abort(`the manager refused the unsealed copy: ${r.desc ?? `result ${r.result}`}`)
  return 'Finish'
}

const STATES: readonly SealingState[] = ['Empty', 'Allocated', 'Persisted', 'Finished', 'Aborted']

/**
 * The `unseal` plan: `Empty` → `Allocated` (task taken) → `Persisted` (copy written) → `Finished`.
 *
 * @example
 * ```ts
 * // venus-worker.toml: [[sealing_thread]] location = "/store3"  plan = "unseal"
 * unsealPlan.next('Allocated', 'Persist') // 'Persisted'
 * ```
 */
export const unsealPlan: Plan<SealingEvent> = Object.freeze({
  name: 'unseal',
  description: 'unseals one piece of a sealed sector into an unsealed copy in a persist store, for retrieval',
  states: STATES,
  initial: { state: 'Empty', asks: 'Venus.AllocateUnsealSector' } as const,
  steps: Object.freeze({
    Empty: allocate,
    Allocated: unseal,
    Persisted: submit,
  } satisfies Partial<Record<SealingState, Step>>),
  next: repairTransitions('unseal', {
    Empty: { Allocate: 'Allocated' },
    Allocated: { Persist: 'Persisted' },
    Persisted: { Finish: 'Finished' },
  }),
  // In process: the unseal takes no processor slot; the number of unseal threads bounds it.
  stages: [] as const,
  async finish(ctx: StepContext, outcome: PlanOutcome) {
    const rec = ctx.record
    const allocated = rec.base?.allocated
    if (allocated === undefined || outcome.state === 'Finished') return
    const achieve = ctx.manager.achieveUnsealSector
    if (achieve === undefined) throw critical('the manager client has no achieveUnsealSector')
    await achieve({ miner: allocated.ID.Miner, number: allocated.ID.Number }, pieceOf(rec), outcome.reason)
  },
})
