/**
 * The `unseal` plan: recovers the bytes of one piece of a sealed sector (for retrieval) and keeps
 * them as `piece/<pieceCid>` in a persist store, where the manager's piece store serves them.
 * The unseal reads the sealed file and the cache in the persist store the manager names, with the
 * ticket and CommD of the sector, and runs in process (`ProofsBackend.unsealRange`); the copy is
 * written under a temporary name, cut to the deal's payload and renamed, so a killed worker never
 * leaves a torn copy under the piece's name. A snapped sector's data is in its update replica: it
 * is decoded with the sector key (`decodeRange`), which is regenerated from the ticket when the
 * snap-up dropped it.
 */
import { open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { makeDirs, PIECE_COPY_DIR, sealProofFacts, ticketFromWire } from '@venus-cluster/core'
import { abort, asFailure, critical, permanent } from '../failure.js'
import { type AttachedStore, pickPersistStore } from '../persist.js'
import type { SectorRecord } from '../record.js'
import type { UnsealTask } from '../repair-wire.js'
import type { SealingEvent, SealingState } from '../states.js'
import { allocateRepairTask, REPAIR_STATES, repairTransitions, requireAccepted } from './repair-common.js'
import { addPieces, buildTreeD, makeSectorDirs, need, pc2, recordSectorId, runPc1 } from './sealer.js'
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
        update:
          t.update === null
            ? null
            : {
                replica_instance: t.update.replicaInstance,
                comm_r_old: b64(t.update.commROld),
                comm_d_new: b64(t.update.commDNew),
              },
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

/** The sector key's sealed file when the task names a store that has it, else undefined. */
async function keptSectorKey(ctx: StepContext, instance: string, name: string): Promise<string | undefined> {
  if (instance === '') return undefined
  const s = ctx.stores.attached.find((x) => x.name === instance)
  if (s === undefined) return undefined
  const path = join(s.location, 'sealed', name)
  const { sectorSize } = sealProofFacts(need(ctx.record.base, 'base').allocated.ProofType)
  return (await stat(path).catch(() => undefined))?.size === sectorSize ? path : undefined
}

/**
 * Writes the piece into `piece/<cid>` of a persist store: `recover` fills a temporary file, which
 * is cut to the deal's payload and renamed, so a killed worker never leaves a torn copy.
 */
async function writeCopy(
  ctx: StepContext,
  near: AttachedStore | undefined,
  recover: (tmp: string) => Promise<unknown>,
): Promise<SealingEvent> {
  const rec = ctx.record
  const task = repairOf(rec)
  const id = need(rec.base, 'base').allocated.ID
  const payload = need(task.payload_size, 'repair.payload_size')
  // The copy goes beside the replica unless that store is read-only.
  const out =
    near !== undefined && !near.readonly
      ? near
      : await pickPersistStore(ctx.stores.attached, payload, ctx.stores.freeSpace)
  const cid = pieceOf(rec)
  const dir = join(out.location, PIECE_COPY_DIR)
  const tmp = join(dir, `.${cid}.${id.Miner}-${id.Number}.tmp`)
  try {
    await makeDirs(dir)
  } catch (err) {
    throw critical(`creating ${dir} failed`, err)
  }
  try {
    // `[processors.limit] unseal` bounds how many unseals (and update decodes) run at once.
    await ctx.withSlot('unseal', () => recover(tmp))
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {})
    throw asFailure('Permanent', `unsealing piece ${cid} of s-t0${id.Miner}-${id.Number} failed`, err)
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

/** Unseals from the sealed replica (`ProofsBackend.unsealRange`). */
async function unsealSealed(ctx: StepContext): Promise<SealingEvent> {
  const rec = ctx.record
  const task = repairOf(rec)
  const base = need(rec.base, 'base')
  const unsealRange = ctx.proofs.unsealRange?.bind(ctx.proofs)
  if (unsealRange === undefined) throw permanent('the proofs backend of this worker cannot unseal')
  const name = `s-t0${base.allocated.ID.Miner}-${base.allocated.ID.Number}`
  const src = sourceStore(ctx.stores.attached, need(task.sealed_instance, 'repair.sealed_instance'))
  return writeCopy(ctx, src, (tmp) =>
    unsealRange(
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
    ),
  )
}

/**
 * Decodes from a snapped sector's update replica and its sector key (the update decode, not
 * `unsealRange`): the data lives in the update, mixed with the CC replica.
 */
async function decodeUpdate(ctx: StepContext, sectorKeyPath: string): Promise<SealingEvent> {
  const rec = ctx.record
  const task = repairOf(rec)
  const up = need(task.update, 'repair.update')
  const base = need(rec.base, 'base')
  const name = `s-t0${base.allocated.ID.Miner}-${base.allocated.ID.Number}`
  const src = ctx.stores.attached.find((x) => x.name === up.replica_instance)
  if (src === undefined)
    throw abort(
      `persist store ${up.replica_instance} (where the update replica is) is not attached to this worker`,
    )
  const event = await writeCopy(ctx, src, (tmp) =>
    ctx.proofs.decodeRange(
      {
        updateProofType: sealProofFacts(base.allocated.ProofType).updateProof,
        commDNew: unb64(up.comm_d_new),
        commROld: unb64(up.comm_r_old),
        replicaPath: join(src.location, 'update', name),
        sectorKeyPath,
        outputPath: tmp,
        unpaddedOffset: need(task.offset, 'repair.offset'),
        unpaddedLength: need(task.size, 'repair.size'),
      },
      { signal: ctx.signal },
    ),
  )
  // A sector key regenerated here is sector-sized scratch: dropped once the copy is written.
  const p = ctx.paths()
  if (sectorKeyPath === p.sealed)
    for (const f of [p.sealed, p.cache, p.staged, p.prepared]) await rm(f, { recursive: true, force: true })
  return event
}

/**
 * `Allocated`: a sealed sector is unsealed into `piece/<cid>` of a persist store. A snapped
 * sector is decoded from its update replica with the sector key kept in a persist store; when
 * the key is gone (dropped once the update was final) it is regenerated first, as a CC sector
 * sealed again with the recorded ticket (`AddPiece` → … → `PC2Done`, checked against CommR old).
 */
const unseal: Step = async (ctx) => {
  const rec = ctx.record
  const task = repairOf(rec)
  if (task.update === undefined || task.update === null) return unsealSealed(ctx)
  const name = ctx.paths().name
  const key = await keptSectorKey(ctx, task.sealed_instance ?? '', name)
  if (key !== undefined) return decodeUpdate(ctx, key)
  ctx.log.info({ sector: name }, 'sector key gone: regenerating it to decode the update')
  await makeSectorDirs(ctx)
  rec.deals = null
  return addPieces(ctx)
}

/** `TreeDBuilt`: PC1 of the sector key, with the recorded ticket. */
const keyPc1: Step = (ctx) =>
  runPc1(ctx, async () => ticketFromWire(need(ctx.record.phases.ticket, 'phases.ticket')))

/** `PC1Done`: PC2 of the sector key; its CommR must be the sector key's (CommR old). */
const keyPc2: Step = async (ctx) => {
  const event = await pc2(ctx)
  const rec = ctx.record
  const got = need(rec.phases.pc2out, 'phases.pc2out').comm_r
  const want = need(repairOf(rec).update, 'repair.update').comm_r_old
  if (got !== want) throw abort(`the regenerated sector key has CommR ${got}, not the sector key's ${want}`)
  return event
}

/** `PC2Done`: decodes with the regenerated sector key. */
const decodeWithRegenerated: Step = (ctx) => decodeUpdate(ctx, ctx.paths().sealed)

/** `Persisted`: tells the manager where the copy is; it checks and indexes it. */
const submit: Step = async (ctx) => {
  const rec = ctx.record
  const submitUnsealed = ctx.manager.submitUnsealed
  if (submitUnsealed === undefined)
    throw permanent('the manager client has no submitUnsealed (Venus.SubmitUnsealed)')
  const inst = need(rec.phases.persist_instance, 'phases.persist_instance')
  const r = await submitUnsealed(recordSectorId(rec), pieceOf(rec), inst)
  return requireAccepted(r, 'unsealed copy')
}

/**
 * The `unseal` plan: `Empty` → `Allocated` (task taken) → `Persisted` (copy written) → `Finished`;
 * for a snapped sector whose key is gone, `Allocated` → `PieceAdded` → `TreeDBuilt` → `PC1Done` →
 * `PC2Done` (the key regenerated) → `Persisted`.
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
  states: REPAIR_STATES,
  initial: { state: 'Empty', asks: 'Venus.AllocateUnsealSector' } as const,
  steps: Object.freeze({
    Empty: allocate,
    Allocated: unseal,
    PieceAdded: buildTreeD,
    TreeDBuilt: keyPc1,
    PC1Done: keyPc2,
    PC2Done: decodeWithRegenerated,
    Persisted: submit,
  } satisfies Partial<Record<SealingState, Step>>),
  next: repairTransitions('unseal', {
    Empty: { Allocate: 'Allocated' },
    Allocated: { Persist: 'Persisted', AddPiece: 'PieceAdded' },
    PieceAdded: { BuildTreeD: 'TreeDBuilt' },
    TreeDBuilt: { PC1: 'PC1Done' },
    PC1Done: { PC2: 'PC2Done' },
    PC2Done: { Persist: 'Persisted' },
    Persisted: { Finish: 'Finished' },
  }),
  // The unseal runs in process under an `unseal` slot; regenerating a snapped sector's key takes
  // the sealing stages' slots.
  stages: ['unseal', 'tree_d', 'pc1', 'pc2'] as const,
  async finish(ctx: StepContext, outcome: PlanOutcome) {
    const rec = ctx.record
    const allocated = rec.base?.allocated
    if (allocated === undefined || outcome.state === 'Finished') return
    const achieve = ctx.manager.achieveUnsealSector
    if (achieve === undefined) throw critical('the manager client has no achieveUnsealSector')
    await achieve({ miner: allocated.ID.Miner, number: allocated.ID.Number }, pieceOf(rec), outcome.reason)
  },
})
