/**
 * The `sealer` plan: a committed-capacity or deal sector from allocation to a proven, persisted
 * replica. One handler per state of the sealing state machine (`states.ts` holds the pure
 * transitions); every handler is re-runnable, so a killed worker resumes the sector at the step
 * it was in.
 */
import { open, readdir, rm, symlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  makeDirs,
  OnChainState,
  type ProofsPieceInfo,
  proverId,
  sealProofFacts,
  sectorIdFromWire,
  seedToWire,
  ticketFromWire,
  ticketToWire,
  zeroCommitment,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import {
  abort,
  asFailure,
  critical,
  describeError,
  onChainFailure,
  permanent,
  rpcFailure,
  submitFailure,
  temporary,
} from '../failure.js'
import { isMethodNotFound } from '../manager-support.js'
import { type AttachedStore, persistSectorFiles, pickPersistStore, storesWithRoom } from '../persist.js'
import { TREE_D_FILE } from '../processors.js'
import type { SectorRecord } from '../record.js'
import { nextSealingState, SEALING_STATES, type SealingEvent, type SealingState } from '../states.js'
import {
  type AllocatedSector,
  allocatedToWire,
  dealFromWire,
  dealToWire,
  type OnChainAnswer,
} from '../wire.js'
import type { Plan, PlanOutcome, StepContext, StepHandler } from './types.js'

type Step = StepHandler<SealingEvent>

const SIZE_NAMES: Record<number, string> = {
  2048: '2KiB',
  [8 << 20]: '8MiB',
  [512 << 20]: '512MiB',
  [32 * 2 ** 30]: '32GiB',
  [64 * 2 ** 30]: '64GiB',
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))
const unpadded = (padded: number) => padded - padded / 128

/** A record field the state requires; a record without it cannot go on (the sector is aborted). */
function need<T>(v: T | null | undefined, field: string): T {
  if (v === null || v === undefined) throw abort(`record field ${field} is required in this state`)
  return v
}

const baseOf = (rec: SectorRecord) => need(rec.base, 'base')
const idOf = (rec: SectorRecord) => sectorIdFromWire(baseOf(rec).allocated.ID)

function piecesOf(rec: SectorRecord): ProofsPieceInfo[] {
  return need(rec.phases.pieces, 'phases.pieces').map((p) => ({
    commP: unb64(p.commitment),
    paddedSize: p.size,
  }))
}

/** Creates the sector's directories; the allocation is in the record already. */
async function makeSectorDirs(ctx: StepContext): Promise<SealingEvent> {
  const p = ctx.paths()
  try {
    await makeDirs(p.cache)
    await makeDirs(join(p.dataDir, 'unsealed'))
    await makeDirs(join(p.dataDir, 'sealed'))
  } catch (err) {
    throw critical('creating sector directories failed', err)
  }
  return 'Allocate'
}

/** `Empty`: asks the manager for a sector (the plan's initial step). */
const allocate: Step = async (ctx) => {
  const s = ctx.sealing
  const rec = ctx.record
  // A number allocated by an earlier try whose directories could not be made: use it again
  // rather than leave it unclaimed on the manager.
  const earlier = rec.base?.allocated
  if (earlier !== undefined) {
    ctx.log.info({ sector: earlier.ID }, 'continuing with the sector allocated before')
    return makeSectorDirs(ctx)
  }
  const proofTypes =
    s.allowedSizes === undefined
      ? null
      : s.allowedSizes.map((size) => {
          const id = [5, 6, 7, 8, 9].find((p) => sealProofFacts(p).sectorSize === size)
          if (id === undefined) throw permanent(`allowed size ${size} is not a sector size`)
          return id
        })
  let got: AllocatedSector | null
  try {
    got = await ctx.manager.allocateSector({
      allowedMiners: s.allowedMiners ?? null,
      allowedProofTypes: proofTypes,
    })
  } catch (err) {
    // As the original: a failed allocation is retried forever (manager not up yet, ...), it
    // spends no retry budget and never pauses the thread.
    ctx.log.warn({ err: describeError(err) }, 'AllocateSector failed; retrying')
    got = null
  }
  if (got === null) {
    // Nothing to seal now: poll again after recover_interval (not a failure).
    await ctx.sleep(s.recoverIntervalMs)
    return null
  }
  const allocated = allocatedToWire(got)
  rec.base = { allocated, prove_input: [b64(proverId(got.id.miner)), got.id.number] }
  // The allocation is recorded before anything else can fail, so a later try resumes it.
  try {
    await ctx.checkpoint()
  } catch (err) {
    // Not recorded, so never resumed: tell the manager at once, so the number does not wait
    // for its unclaimed-allocation sweep.
    const reason = `worker ${ctx.thread.instance} could not record the allocation: ${describeError(err)}`
    await ctx.manager.reportAborted(got.id, reason).catch((e: unknown) => {
      ctx.log.warn({ sector: allocated.ID, err: describeError(e) }, 'ReportAborted failed')
    })
    throw err
  }
  ctx.log.info({ sector: allocated.ID }, 'sector allocated')
  return makeSectorDirs(ctx)
}

/** `Allocated`: the deals of the sector (none when deals are off). */
const acquireDeals: Step = async (ctx) => {
  const deals = ctx.sealing.enableDeals
    ? await ctx.manager.acquireDeals(idOf(ctx.record), { maxDeals: ctx.sealing.maxDeals ?? null })
    : null
  ctx.record.deals = deals === null ? null : deals.map(dealToWire)
  return 'AcquireDeals'
}

/** `DealsAcquired`: writes the pieces (or the zero CC piece) into the staged file. */
export const addPieces: Step = async (ctx) => {
  const rec = ctx.record
  const proofType = baseOf(rec).allocated.ProofType
  const { sectorSize } = sealProofFacts(proofType)
  const p = ctx.paths()
  const deals = (rec.deals ?? []).map(dealFromWire)
  try {
    await makeDirs(join(p.dataDir, 'unsealed'))
    const fh = await open(p.staged, 'w')
    await fh.close()
  } catch (err) {
    throw critical('creating the staged file failed', err)
  }
  if (deals.length === 0) {
    try {
      const fh = await open(p.staged, 'r+')
      await fh.truncate(sectorSize)
      await fh.close()
    } catch (err) {
      throw critical('sizing the staged file failed', err)
    }
    rec.phases.pieces = [{ commitment: b64(zeroCommitment(sectorSize)), size: sectorSize }]
    return 'AddPiece'
  }
  const pieces: { commitment: string; size: number }[] = []
  const existing: number[] = []
  for (const deal of deals) {
    const size = unpadded(deal.piece.size)
    let source: Uint8Array
    if (deal.id === 0) {
      source = new Uint8Array(0)
    } else {
      const fetch = ctx.pieceFetcher
      if (fetch === undefined)
        throw permanent('piece store is required (global [sealing] enable_deals is off)')
      if (deal.payloadSize > size) throw permanent(`deal ${deal.id}: payload is larger than the piece`)
      try {
        source = await fetch(deal.piece.cid, deal.payloadSize, ctx.signal)
      } catch (err) {
        throw asFailure('Permanent', `fetching piece ${deal.piece.cid} failed`, err)
      }
    }
    let added: Awaited<ReturnType<StepContext['proofs']['addPiece']>>
    try {
      added = await ctx.proofs.addPiece(
        { proofType, source, unpaddedSize: size, stagedPath: p.staged, existingPieceSizes: existing },
        { signal: ctx.signal },
      )
    } catch (err) {
      throw asFailure('Permanent', `writing piece of deal ${deal.id} failed`, err)
    }
    if (deal.id !== 0) {
      let want: Uint8Array | undefined
      try {
        want = CID.parse(deal.piece.cid).multihash.digest
      } catch {}
      if (want !== undefined && Buffer.compare(Buffer.from(want), Buffer.from(added.piece.commP)) !== 0) {
        throw permanent(`deal ${deal.id}: piece data does not match its CID ${deal.piece.cid}`)
      }
    }
    existing.push(size)
    pieces.push({ commitment: b64(added.piece.commP), size: added.piece.paddedSize })
  }
  rec.phases.pieces = pieces
  return 'AddPiece'
}

/** `PieceAdded`: tree D, or a link to the prebuilt one of a CC sector. */
const buildTreeD: Step = async (ctx) => {
  const rec = ctx.record
  const base = baseOf(rec)
  const p = ctx.paths()
  const pieces = piecesOf(rec)
  return ctx.withSlot('tree_d', async () => {
    const out = join(p.prepared, TREE_D_FILE)
    try {
      await makeDirs(p.prepared)
      await rm(out, { force: true })
    } catch (err) {
      throw critical('preparing the tree_d directory failed', err)
    }
    const sizeName = SIZE_NAMES[sealProofFacts(base.allocated.ProofType).sectorSize] ?? ''
    const staticFile = ctx.staticTreeD[sizeName]
    if ((rec.deals ?? []).length === 0 && staticFile !== undefined) {
      try {
        // Absolute target: a relative one would be read relative to the link's directory.
        await symlink(resolve(staticFile), out)
      } catch (err) {
        throw critical(`linking static tree_d ${staticFile} failed`, err)
      }
    } else {
      await ctx.runStage('tree_d', {
        proofType: base.allocated.ProofType,
        stagedPath: p.staged,
        outDir: p.prepared,
        pieces,
      })
    }
    return 'BuildTreeD' as const
  })
}

/** `TicketAssigned`: PC1, with the ticket asked for once the PC1 slot is held. */
const pc1: Step = async (ctx) => {
  const rec = ctx.record
  const base = baseOf(rec)
  const p = ctx.paths()
  const pieces = piecesOf(rec)
  // The PC1 slot is taken before the ticket is asked for, so queued sectors hold no stale ticket.
  return ctx.withSlot('pc1', async () => {
    const ticket = await ctx.manager.assignTicket(idOf(rec))
    if (ticket.value.length !== 32) throw temporary(`ticket is ${ticket.value.length} bytes, not 32`)
    try {
      await rm(p.cache, { recursive: true, force: true })
      await makeDirs(p.cache)
      const fh = await open(p.sealed, 'w')
      await fh.close()
      await symlink(join(p.prepared, TREE_D_FILE), join(p.cache, TREE_D_FILE))
    } catch (err) {
      throw critical('preparing the cache directory failed', err)
    }
    const out = await ctx.runStage('pc1', {
      proofType: base.allocated.ProofType,
      cacheDir: p.cache,
      stagedPath: p.staged,
      sealedPath: p.sealed,
      proverId: unb64(base.prove_input[0]),
      sectorNumber: base.prove_input[1],
      ticket: ticket.value,
      pieces,
    })
    rec.phases.ticket = ticketToWire(ticket)
    rec.phases.pc1out = b64(out)
    return 'PC1' as const
  })
}

/** `PC1Done`: PC2 over a cache without earlier PC2 outputs. */
const pc2: Step = async (ctx) => {
  const rec = ctx.record
  const p = ctx.paths()
  const pc1out = unb64(need(rec.phases.pc1out, 'phases.pc1out'))
  return ctx.withSlot('pc2', async () => {
    try {
      for (const f of await readdir(p.cache)) {
        if (f === 'p_aux' || f === 't_aux' || /tree-c|tree-r-last/.test(f))
          await rm(join(p.cache, f), { force: true })
      }
    } catch (err) {
      throw critical('cleaning the cache directory failed', err)
    }
    const out = await ctx.runStage('pc2', { phase1Output: pc1out, cacheDir: p.cache, sealedPath: p.sealed })
    rec.phases.pc2out = { comm_r: b64(out.commR), comm_d: b64(out.commD) }
    return 'PC2' as const
  })
}

/** `PC2Done`: hands the precommit to the manager. */
const submitPreCommit: Step = async (ctx) => {
  const rec = ctx.record
  const base = baseOf(rec)
  const out = need(rec.phases.pc2out, 'phases.pc2out')
  const r = await ctx.manager.submitPreCommit(
    { id: sectorIdFromWire(base.allocated.ID), proofType: base.allocated.ProofType },
    {
      commR: unb64(out.comm_r),
      commD: unb64(out.comm_d),
      ticket: ticketFromWire(need(rec.phases.ticket, 'phases.ticket')),
      deals: (rec.deals ?? []).map((d) => d.ID),
    },
    rec.phases.pc2_re_submit,
  )
  // Rejected (expired ticket, bad deals) aborts the sector as in v0.3.
  const failed = submitFailure('pre commit', r)
  if (failed !== undefined) throw failed
  rec.phases.pc2_re_submit = false
  return 'SubmitPC'
}

/** Polls a message until it lands; `resubmit` after an on-chain `Failed`. */
async function pollOnChain(
  ctx: StepContext,
  poll: () => Promise<OnChainAnswer>,
  what: 'pre commit' | 'proof',
): Promise<'landed' | 'resubmit'> {
  for (;;) {
    ctx.throwIfInterrupted()
    const r = await poll()
    switch (r.state) {
      case OnChainState.Landed:
        return 'landed'
      case OnChainState.Pending:
      case OnChainState.Packed:
        await ctx.pollWait(ctx.sealing.rpcPollingIntervalMs)
        break
      case OnChainState.Failed:
        ctx.log.warn({ desc: r.desc }, `${what} on-chain info failed; submitting again`)
        await ctx.pollWait(ctx.resubmitWaitMs)
        return 'resubmit'
      default:
        throw onChainFailure(what, r)
    }
  }
}

/** `PCSubmitted`: waits for the precommit to land. */
const pollPreCommit: Step = async (ctx) => {
  const id = idOf(ctx.record)
  const r = await pollOnChain(ctx, () => ctx.manager.pollPreCommitState(id), 'pre commit')
  if (r === 'resubmit') {
    ctx.record.phases.pc2_re_submit = true
    return 'ReSubmitPC'
  }
  return 'CheckPC'
}

/**
 * The attached store a sector goes to: the manager places it (weights, per-miner lists, space
 * reserved for other sectors) among the writable stores here with room; a manager without
 * placement (the original) leaves the choice to the worker, at random weighted by free space.
 */
async function placeSector(ctx: StepContext, sectorSize: number): Promise<AttachedStore> {
  const { attached, freeSpace } = ctx.stores
  const reserve = ctx.manager.storeReserveSpace?.bind(ctx.manager)
  if (reserve === undefined) return pickPersistStore(attached, sectorSize, freeSpace)
  const room = await storesWithRoom(attached, sectorSize, freeSpace)
  if (room.length === 0) return pickPersistStore(attached, sectorSize, freeSpace)
  let placed: { name: string } | null
  try {
    placed = await reserve(
      idOf(ctx.record),
      sectorSize,
      room.map((c) => c.s.name),
    )
  } catch (err) {
    if (isMethodNotFound(err)) return pickPersistStore(attached, sectorSize, freeSpace)
    throw rpcFailure('StoreReserveSpace', err)
  }
  if (placed === null)
    throw temporary(
      `the manager has no room for the sector in any of ${room.map((c) => c.s.name).join(', ')} (all full, reserved or not allowed for this miner)`,
    )
  const store = room.find((c) => c.s.name === placed.name)?.s
  if (store === undefined)
    throw permanent(`the manager placed the sector in ${placed.name}, which this worker did not offer`)
  return store
}

/** `PCLanded`: copies the replica and the PoSt cache files to an attached store. */
const persist: Step = async (ctx) => {
  const rec = ctx.record
  const p = ctx.paths()
  const { sectorSize } = sealProofFacts(baseOf(rec).allocated.ProofType)
  const store = await placeSector(ctx, sectorSize)
  await persistSectorFiles(p.dataDir, store, p.name)
  rec.phases.persist_instance = store.name
  return 'Persist'
}

/** `Persisted`: tells the manager where the files are; it checks them. */
const submitPersisted: Step = async (ctx) => {
  const rec = ctx.record
  const inst = need(rec.phases.persist_instance, 'phases.persist_instance')
  const ok = await ctx.manager.submitPersisted(idOf(rec), inst)
  if (!ok) throw permanent(`sector persisted to ${inst} but the manager cannot see the files`)
  return 'SubmitPersistance'
}

/** `PersistanceSubmitted`: waits for the interactive seed. */
const waitSeed: Step = async (ctx) => {
  const id = idOf(ctx.record)
  for (;;) {
    ctx.throwIfInterrupted()
    const r = await ctx.manager.waitSeed(id)
    if (r.seed !== null) {
      if (r.seed.value.length !== 32) throw temporary('seed is not 32 bytes')
      ctx.record.phases.seed = seedToWire(r.seed)
      return 'AssignSeed'
    }
    if (!r.shouldWait || r.delaySeconds <= 0) throw temporary('WaitSeed returned no seed and no delay')
    // Capped by rpc_polling_interval so that short test chains are not slept past.
    await ctx.pollWait(Math.min(r.delaySeconds * 1000, ctx.sealing.rpcPollingIntervalMs))
  }
}

/** `SeedAssigned`: C1. */
const c1: Step = async (ctx) => {
  const rec = ctx.record
  const base = baseOf(rec)
  const p = ctx.paths()
  const out = need(rec.phases.pc2out, 'phases.pc2out')
  const pieces = piecesOf(rec)
  return ctx.withSlot('c1', async () => {
    const c1out = await ctx.runStage('c1', {
      proofType: base.allocated.ProofType,
      cacheDir: p.cache,
      sealedPath: p.sealed,
      proverId: unb64(base.prove_input[0]),
      sectorNumber: base.prove_input[1],
      ticket: unb64(need(rec.phases.ticket, 'phases.ticket').Ticket),
      seed: unb64(need(rec.phases.seed, 'phases.seed').Seed),
      commR: unb64(out.comm_r),
      commD: unb64(out.comm_d),
      pieces,
    })
    rec.phases.c1out = b64(c1out)
    return 'C1' as const
  })
}

/** `C1Done`: C2, the SNARK. */
const c2: Step = async (ctx) => {
  const rec = ctx.record
  return ctx.withSlot('c2', async () => {
    const base = baseOf(rec)
    const proof = await ctx.runStage('c2', {
      phase1Output: unb64(need(rec.phases.c1out, 'phases.c1out')),
      proverId: unb64(base.prove_input[0]),
      sectorNumber: base.prove_input[1],
    })
    rec.phases.c2out = { proof: b64(proof) }
    return 'C2' as const
  })
}

/** `C2Done`: hands the proof to the manager. */
const submitProof: Step = async (ctx) => {
  const rec = ctx.record
  const proof = unb64(need(rec.phases.c2out, 'phases.c2out').proof)
  const r = await ctx.manager.submitProof(idOf(rec), proof, rec.phases.c2_re_submit)
  const failed = submitFailure('proof', r)
  if (failed !== undefined) throw failed
  rec.phases.c2_re_submit = false
  return 'SubmitProof'
}

/** `ProofSubmitted`: waits for the proof to land, then clears the cache. */
const pollProof: Step = async (ctx) => {
  const rec = ctx.record
  const base = baseOf(rec)
  if (!ctx.sealing.ignoreProofCheck) {
    const id = idOf(rec)
    const r = await pollOnChain(ctx, () => ctx.manager.pollProofState(id), 'proof')
    if (r === 'resubmit') {
      rec.phases.c2_re_submit = true
      return 'ReSubmitProof'
    }
  }
  try {
    await ctx.proofs.clearCache({
      sectorSize: sealProofFacts(base.allocated.ProofType).sectorSize,
      cacheDir: ctx.paths().cache,
    })
  } catch (err) {
    throw temporary('clearing the cache failed', err)
  }
  return 'Finish'
}

/**
 * The `sealer` plan: its step table, one handler per state of the sealing state machine.
 *
 * @example
 * ```ts
 * sealerPlan.steps.PC1Done // the PC2 handler
 * sealerPlan.next('PCSubmitted', 'ReSubmitPC') // 'PC2Done'
 * ```
 */
export const sealerPlan: Plan<SealingEvent> = Object.freeze({
  name: 'sealer',
  description: 'seals new sectors (committed capacity or deals): PC1, PC2, precommit, C1, C2, prove-commit',
  states: SEALING_STATES.filter((s): s is SealingState => s !== 'SnapEncoded' && s !== 'SnapProved'),
  initial: { state: 'Empty', asks: 'Venus.AllocateSector' } as const,
  steps: Object.freeze({
    Empty: allocate,
    Allocated: acquireDeals,
    DealsAcquired: addPieces,
    PieceAdded: buildTreeD,
    // The ticket is asked for at PC1 (see `pc1`); this step only moves on.
    TreeDBuilt: async () => 'AssignTicket' as const,
    TicketAssigned: pc1,
    PC1Done: pc2,
    PC2Done: submitPreCommit,
    PCSubmitted: pollPreCommit,
    PCLanded: persist,
    Persisted: submitPersisted,
    PersistanceSubmitted: waitSeed,
    SeedAssigned: c1,
    C1Done: c2,
    C2Done: submitProof,
    ProofSubmitted: pollProof,
  } satisfies Partial<Record<SealingState, Step>>),
  next: nextSealingState,
  stages: ['tree_d', 'pc1', 'pc2', 'c1', 'c2'] as const,
  async finish(ctx: StepContext, outcome: PlanOutcome) {
    const allocated = ctx.record.base?.allocated
    if (allocated === undefined) return
    const id = sectorIdFromWire(allocated.ID)
    if (outcome.state === 'Finished') await ctx.manager.reportFinalized(id)
    else await ctx.manager.reportAborted(id, outcome.reason)
  },
})
