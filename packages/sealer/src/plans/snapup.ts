/**
 * The `snapup` plan (SnapDeals): a committed-capacity sector already proven on chain gets deal
 * data. The thread asks the manager for a candidate with its deals, writes the pieces into a
 * staged file, encodes them into a new replica of the CC sector (its sealed file and cache read
 * from the persist store the manager indexed), proves the update, copies the new replica to a
 * persist store (`update/<name>`, `update-cache/<name>`), tells the manager where it is, and
 * submits the update proof. The manager sends `ProveReplicaUpdates3` (batched) and drops the CC
 * file once the update is final.
 *
 * Every step is safe to run again after a `kill -9`: the runtime saves the record after each
 * step (and the allocation at once), encoding and proving overwrite their outputs, the copy puts
 * the replica last, and the manager accepts the same submission twice.
 */
import { copyFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { commitmentToCid, makeDirs, sealProofFacts, VenusError } from '@venus-cluster/core'
import { critical, describeError, permanent, submitFailure } from '../failure.js'
import { isPersistedCacheFile, pickPersistStore } from '../persist.js'
import type { SectorRecord } from '../record.js'
import type { SealingState } from '../states.js'
import { addPieces } from './sealer.js'
import type { Plan, PlanOutcome, StepContext, StepHandler } from './types.js'

/** Events of the snapup plan. */
export type SnapUpEvent =
  | 'Allocate'
  | 'AddPiece'
  | 'SnapEncode'
  | 'SnapProve'
  | 'Persist'
  | 'SubmitPersistance'
  | 'SubmitProof'
  | 'Finish'
  | 'Abort'

const TABLE: Partial<Record<SealingState, Partial<Record<SnapUpEvent, SealingState>>>> = {
  Empty: { Allocate: 'Allocated' },
  Allocated: { AddPiece: 'PieceAdded' },
  PieceAdded: { SnapEncode: 'SnapEncoded' },
  SnapEncoded: { SnapProve: 'SnapProved' },
  SnapProved: { Persist: 'Persisted' },
  Persisted: { SubmitPersistance: 'PersistanceSubmitted' },
  PersistanceSubmitted: { SubmitProof: 'ProofSubmitted' },
  ProofSubmitted: { Finish: 'Finished' },
}

/**
 * The state `event` leads to from `state` in the snapup plan; `Abort` from any live state.
 *
 * @throws VenusError `WORKER_STATE_INVALID` for an event the table does not allow.
 * @example
 * ```ts
 * nextSnapUpState('PieceAdded', 'SnapEncode') // 'SnapEncoded'
 * ```
 */
export function nextSnapUpState(state: SealingState, event: SnapUpEvent): SealingState {
  if (event === 'Abort' && state !== 'Finished' && state !== 'Aborted') return 'Aborted'
  const next = TABLE[state]?.[event]
  if (next === undefined) {
    throw new VenusError('WORKER_STATE_INVALID', `snapup: event ${event} is not allowed in state ${state}`, {
      details: { state, event },
    })
  }
  return next
}

type Step = StepHandler<SnapUpEvent>

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))

function need<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw permanent(`record has no ${what}`)
  return v
}

function snapOf(rec: SectorRecord): NonNullable<SectorRecord['snap']> {
  return need(rec.snap, 'snap')
}

function idOf(rec: SectorRecord) {
  const id = need(rec.base, 'base').allocated.ID
  return { miner: id.Miner, number: id.Number }
}

function method<
  K extends 'allocateSnapUpSector' | 'submitSnapUpProof' | 'submitPersistedEx' | 'sectorIndexerFind',
>(ctx: StepContext, name: K): NonNullable<StepContext['manager'][K]> {
  const fn = ctx.manager[name]
  if (fn === undefined) throw permanent(`the manager client has no ${name} (needed by the snapup plan)`)
  return fn.bind(ctx.manager) as NonNullable<StepContext['manager'][K]>
}

/** Files of the update: the CC sector's (in the persist store) and the new replica's (local). */
function updateFiles(ctx: StepContext): {
  sectorKeyPath: string
  sectorKeyCacheDir: string
  replicaPath: string
  replicaCacheDir: string
} {
  const snap = snapOf(ctx.record)
  const store = ctx.stores.attached.find((s) => s.name === snap.key_instance)
  if (store === undefined)
    throw permanent(
      `the CC sector's store ${JSON.stringify(snap.key_instance)} is not attached to this worker`,
    )
  const p = ctx.paths()
  return {
    sectorKeyPath: join(store.location, 'sealed', p.name),
    sectorKeyCacheDir: join(store.location, 'cache', p.name),
    replicaPath: join(p.dataDir, 'update', p.name),
    replicaCacheDir: join(p.dataDir, 'update-cache', p.name),
  }
}

/** `Empty`: asks the manager for a CC sector with deals, and where its files are. */
const allocate: Step = async (ctx) => {
  const rec = ctx.record
  const s = ctx.sealing
  if (rec.base !== undefined && rec.base !== null && rec.snap?.key_instance) return 'Allocate'
  let got: Awaited<ReturnType<NonNullable<StepContext['manager']['allocateSnapUpSector']>>> = null
  if (rec.base === null || rec.base === undefined) {
    try {
      got = await method(
        ctx,
        'allocateSnapUpSector',
      )({
        allowedMiners: s.allowedMiners ?? null,
        allowedProofTypes: null,
        maxDeals: s.maxDeals ?? null,
      })
    } catch (err) {
      if (err instanceof VenusError && err.code === 'WORKER_STATE_INVALID') throw err
      ctx.log.warn({ err: describeError(err) }, 'AllocateSnapUpSector failed; retrying')
      got = null
    }
    if (got === null) {
      await ctx.sleep(s.recoverIntervalMs)
      return null
    }
    rec.base = { allocated: got.Sector, prove_input: ['', got.Sector.ID.Number] }
    rec.deals = got.Pieces
    rec.snap = {
      comm_r_old: b64(Uint8Array.from(got.Public.CommR)),
      key_instance: '',
      comm_r_new: null,
      comm_d_new: null,
      proof: null,
    }
    // Recorded before anything else can fail, so a later try resumes this sector.
    await ctx.checkpoint()
    ctx.log.info({ sector: got.Sector.ID, pieces: got.Pieces.length }, 'snap-up sector allocated')
  }
  const instance = await method(ctx, 'sectorIndexerFind')('normal', idOf(rec))
  if (instance === null) throw permanent('the manager does not know where the CC sector is stored')
  snapOf(rec).key_instance = instance
  return 'Allocate'
}

/** `PieceAdded`: encodes the staged data into a new replica of the CC sector. */
const encode: Step = async (ctx) => {
  const rec = ctx.record
  const proofType = need(rec.base, 'base').allocated.ProofType
  const updateProofType = sealProofFacts(proofType).updateProof
  const files = updateFiles(ctx)
  const pieces = need(rec.phases.pieces, 'phases.pieces').map((p) => ({
    commP: unb64(p.commitment),
    paddedSize: p.size,
  }))
  try {
    await makeDirs(join(ctx.paths().dataDir, 'update'))
    await makeDirs(files.replicaCacheDir)
  } catch (err) {
    throw critical('creating the update directories failed', err)
  }
  // In process, on the pool or in a `[[processors.snap_encode]]` child.
  const enc = await ctx.withSlot('snap_encode', () =>
    ctx.runStage(
      'snap_encode',
      {
        updateProofType,
        newReplicaPath: files.replicaPath,
        newCacheDir: files.replicaCacheDir,
        sectorKeyPath: files.sectorKeyPath,
        sectorKeyCacheDir: files.sectorKeyCacheDir,
        stagedPath: ctx.paths().staged,
        pieces,
      },
      { failure: 'Temporary' },
    ),
  )
  const snap = snapOf(rec)
  snap.comm_r_new = b64(enc.commRNew)
  snap.comm_d_new = b64(enc.commDNew)
  return 'SnapEncode'
}

/** `SnapEncoded`: proves the update (vanilla partition proofs and the SNARK). */
const prove: Step = async (ctx) => {
  const rec = ctx.record
  const snap = snapOf(rec)
  const updateProofType = sealProofFacts(need(rec.base, 'base').allocated.ProofType).updateProof
  const files = updateFiles(ctx)
  // The stage's worker slot; the processor takes its slots on the worker's GPUs (the SNARK is
  // GPU work): every GPU in process, the child's GPU for a `[[processors.snap_prove]]` child.
  const proof = await ctx.withSlot('snap_prove', () =>
    ctx.runStage(
      'snap_prove',
      {
        updateProofType,
        commROld: unb64(snap.comm_r_old),
        commRNew: unb64(need(snap.comm_r_new, 'snap.comm_r_new')),
        commDNew: unb64(need(snap.comm_d_new, 'snap.comm_d_new')),
        ...files,
      },
      { failure: 'Temporary' },
    ),
  )
  snap.proof = b64(proof)
  return 'SnapProve'
}

/** `SnapProved`: copies the new replica and its PoSt cache files to an attached store. */
const persist: Step = async (ctx) => {
  const rec = ctx.record
  const p = ctx.paths()
  const { sectorSize } = sealProofFacts(need(rec.base, 'base').allocated.ProofType)
  const store = await pickPersistStore(ctx.stores.attached, sectorSize, ctx.stores.freeSpace)
  try {
    const cacheSrc = join(p.dataDir, 'update-cache', p.name)
    const cacheDst = join(store.location, 'update-cache', p.name)
    await makeDirs(join(store.location, 'update'))
    await makeDirs(cacheDst)
    for (const f of await readdir(cacheSrc)) {
      if (isPersistedCacheFile(f)) await copyFile(join(cacheSrc, f), join(cacheDst, f))
    }
    // The replica goes last: its presence marks a complete copy.
    await copyFile(join(p.dataDir, 'update', p.name), join(store.location, 'update', p.name))
  } catch (err) {
    throw critical(`copying the new replica of ${p.name} to attached store ${store.name} failed`, err)
  }
  rec.phases.persist_instance = store.name
  return 'Persist'
}

/** `Persisted`: tells the manager where the new replica is; it checks the files. */
const submitPersisted: Step = async (ctx) => {
  const rec = ctx.record
  const inst = need(rec.phases.persist_instance, 'phases.persist_instance')
  const ok = await method(ctx, 'submitPersistedEx')(idOf(rec), inst, true)
  if (!ok) throw permanent(`new replica persisted to ${inst} but the manager cannot see the files`)
  return 'SubmitPersistance'
}

/** `PersistanceSubmitted`: submits the update proof; the manager batches `ProveReplicaUpdates3`. */
const submitProof: Step = async (ctx) => {
  const rec = ctx.record
  const snap = snapOf(rec)
  const ans = await method(ctx, 'submitSnapUpProof')(idOf(rec), {
    commR: unb64(need(snap.comm_r_new, 'snap.comm_r_new')),
    commD: unb64(need(snap.comm_d_new, 'snap.comm_d_new')),
    pieces: (rec.deals ?? []).map((d) => d.Piece.Cid['/']),
    proof: unb64(need(snap.proof, 'snap.proof')),
    accessInstance: need(rec.phases.persist_instance, 'phases.persist_instance'),
  })
  // Rejected (pieces, CommD or proof not what the manager allocated or verifies) aborts.
  const failed = submitFailure('proof', ans)
  if (failed !== undefined) throw failed
  ctx.log.info(
    {
      sector: need(rec.base, 'base').allocated.ID,
      commRNew: commitmentToCid(unb64(snap.comm_r_new!), 'commR').toString(),
    },
    'snap-up proof accepted',
  )
  return 'SubmitProof'
}

/**
 * The `snapup` plan: its step table.
 *
 * @example
 * ```ts
 * const plans = new PlanRegistry() // sealer and snapup
 * plans.get('snapup')?.initial.asks // 'Venus.AllocateSnapUpSector'
 * ```
 */
export const snapUpPlan: Plan<SnapUpEvent> = Object.freeze({
  name: 'snapup',
  description:
    'upgrades proven CC sectors with deal data (SnapDeals): encode, prove the update, persist, submit',
  states: [
    'Empty',
    'Allocated',
    'PieceAdded',
    'SnapEncoded',
    'SnapProved',
    'Persisted',
    'PersistanceSubmitted',
    'ProofSubmitted',
    'Finished',
    'Aborted',
  ] as SealingState[],
  initial: { state: 'Empty', asks: 'Venus.AllocateSnapUpSector' } as const,
  steps: Object.freeze({
    Empty: allocate,
    Allocated: async (ctx: StepContext) => ((await addPieces(ctx)) === null ? null : ('AddPiece' as const)),
    PieceAdded: encode,
    SnapEncoded: prove,
    SnapProved: persist,
    Persisted: submitPersisted,
    PersistanceSubmitted: submitProof,
    // The manager follows the message from here; the thread is free for the next sector.
    ProofSubmitted: async () => 'Finish' as const,
  } satisfies Partial<Record<SealingState, Step>>),
  next: nextSnapUpState,
  stages: ['snap_encode', 'snap_prove'] as const,
  async finish(ctx: StepContext, outcome: PlanOutcome) {
    const allocated = ctx.record.base?.allocated
    // Finished: the record stays online at the manager until the update is final on chain.
    if (allocated === undefined || outcome.state === 'Finished') return
    await ctx.manager
      .reportAborted({ miner: allocated.ID.Miner, number: allocated.ID.Number }, outcome.reason)
      .catch((err: unknown) =>
        ctx.log.warn({ sector: allocated.ID, err: describeError(err) }, 'ReportAborted failed'),
      )
  },
})
