/**
 * The `rebuild` plan: re-seals a sector whose sealed file or cache was lost, from the ticket and
 * pieces the manager recorded when it was sealed. Sealing is deterministic in (prover, sector
 * number, ticket, pieces), so PC1 and PC2 give the replica and the CommR again; the CommR is
 * compared with the one on chain before anything is persisted, and the manager checks it again
 * (and the files) before its sector index points at the new copy.
 *
 * A cache-only rebuild (the sealed file survived) runs the same steps — `p_aux` holds comm_c,
 * which only the PC1 layers give — but persists only the cache files, beside the surviving
 * replica, so the sector size is not copied again.
 *
 * Every handler is re-runnable: a worker killed at any step resumes the task at that step.
 */
import { sealProofFacts, ticketFromWire } from '@venus-cluster/core'
import { abort, critical, permanent } from '../failure.js'
import { type AttachedStore, persistSectorFiles, pickPersistStore } from '../persist.js'
import type { SectorRecord } from '../record.js'
import type { RebuildTask } from '../repair-wire.js'
import type { SealingEvent, SealingState } from '../states.js'
import { dealToWire } from '../wire.js'
import { allocateRepairTask, REPAIR_STATES, repairTransitions, requireAccepted } from './repair-common.js'
import { addPieces, buildTreeD, makeSectorDirs, need, pc2, recordSectorId, runPc1 } from './sealer.js'
import type { Plan, PlanOutcome, StepContext, StepHandler } from './types.js'

type Step = StepHandler<SealingEvent>

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))

const repairOf = (rec: SectorRecord) => need(rec.repair, 'repair')

/** `Empty`: asks the manager for a sector to rebuild. */
const allocate: Step = async (ctx) => {
  const rec = ctx.record
  if (rec.base !== undefined && rec.base !== null) return makeSectorDirs(ctx)
  const client = ctx.manager
  const ask = client.allocateRebuildSector
  if (ask === undefined)
    throw permanent('the manager client has no allocateRebuildSector (Venus.AllocateRebuildSector)')
  const got = await allocateRepairTask(
    ctx,
    'AllocateRebuildSector',
    (spec) => ask(spec),
    (t: RebuildTask) => {
      rec.deals = t.deals === null ? null : t.deals.map(dealToWire)
      rec.repair = {
        comm_r: b64(t.commR),
        comm_d: b64(t.commD),
        cache_only: t.cacheOnly,
        sealed_instance: t.sealedInstance,
      }
    },
    async (t, reason) => client.reportRebuildFailed?.(t.id, reason),
  )
  if (got === null) return null
  ctx.log.info({ sector: got.id, cacheOnly: got.cacheOnly }, 'rebuild allocated')
  return makeSectorDirs(ctx)
}

/** `Allocated`: the pieces again, and a check that they give the recorded CommD. */
const addPiecesChecked: Step = async (ctx) => {
  const event = await addPieces(ctx)
  const rec = ctx.record
  const pieces = need(rec.phases.pieces, 'phases.pieces').map((p) => ({
    commP: unb64(p.commitment),
    paddedSize: p.size,
  }))
  const commD = await ctx.proofs.computeCommD({
    proofType: need(rec.base, 'base').allocated.ProofType,
    pieces,
  })
  if (b64(commD) !== repairOf(rec).comm_d)
    throw abort('the pieces do not give the CommD the sector was sealed with: it cannot be rebuilt from them')
  return event
}

/** `TreeDBuilt`: PC1 with the ticket the sector was sealed with. */
const pc1: Step = (ctx) =>
  runPc1(ctx, async () => ticketFromWire(need(ctx.record.phases.ticket, 'phases.ticket')))

/** `PC1Done`: PC2, and the CommR must be the one on chain. */
const pc2Checked: Step = async (ctx) => {
  const event = await pc2(ctx)
  const rec = ctx.record
  const got = need(rec.phases.pc2out, 'phases.pc2out').comm_r
  if (got !== repairOf(rec).comm_r)
    throw abort(
      `the rebuilt CommR ${got} is not the one on chain ${repairOf(rec).comm_r}: nothing is persisted`,
    )
  return event
}

/** The attached store named `name`, writable. */
function storeNamed(stores: readonly AttachedStore[], name: string): AttachedStore {
  const s = stores.find((x) => x.name === name)
  if (s === undefined)
    throw permanent(`persist store ${name} (where the sealed file is) is not attached to this worker`)
  if (s.readonly)
    throw permanent(`persist store ${name} is attached read-only; a cache-only rebuild writes there`)
  return s
}

/** `PC2Done`: the files to a persist store (only the cache, beside the replica, when cache-only). */
const persist: Step = async (ctx) => {
  const rec = ctx.record
  const task = repairOf(rec)
  const p = ctx.paths()
  let store: AttachedStore
  if (task.cache_only) {
    store = storeNamed(ctx.stores.attached, need(task.sealed_instance, 'repair.sealed_instance'))
  } else {
    const { sectorSize } = sealProofFacts(need(rec.base, 'base').allocated.ProofType)
    store = await pickPersistStore(ctx.stores.attached, sectorSize, ctx.stores.freeSpace)
  }
  await persistSectorFiles(p.dataDir, store, p.name, { sealed: task.cache_only !== true })
  rec.phases.persist_instance = store.name
  return 'Persist'
}

/** `Persisted`: hands the result to the manager, which checks CommR and files and re-indexes. */
const submit: Step = async (ctx) => {
  const rec = ctx.record
  const submitRebuilt = ctx.manager.submitRebuilt
  if (submitRebuilt === undefined)
    throw permanent('the manager client has no submitRebuilt (Venus.SubmitRebuilt)')
  const inst = need(rec.phases.persist_instance, 'phases.persist_instance')
  const r = await submitRebuilt(recordSectorId(rec), unb64(need(repairOf(rec).comm_r, 'repair.comm_r')), inst)
  return requireAccepted(r, 'rebuilt sector')
}

/**
 * The `rebuild` plan: `Empty` → `Allocated` → `PieceAdded` → `TreeDBuilt` → `PC1Done` →
 * `PC2Done` → `Persisted` → `Finished`.
 *
 * @example
 * ```ts
 * // venus-worker.toml: [[sealing_thread]] location = "/store2"  plan = "rebuild"
 * rebuildPlan.next('PC1Done', 'PC2') // 'PC2Done'
 * ```
 */
export const rebuildPlan: Plan<SealingEvent> = Object.freeze({
  name: 'rebuild',
  description:
    'rebuilds a sector whose sealed file or cache was lost, from its recorded ticket and pieces; checks the CommR against the chain before persisting',
  states: REPAIR_STATES,
  initial: { state: 'Empty', asks: 'Venus.AllocateRebuildSector' } as const,
  steps: Object.freeze({
    Empty: allocate,
    Allocated: addPiecesChecked,
    PieceAdded: buildTreeD,
    TreeDBuilt: pc1,
    PC1Done: pc2Checked,
    PC2Done: persist,
    Persisted: submit,
  } satisfies Partial<Record<SealingState, Step>>),
  next: repairTransitions('rebuild', {
    Empty: { Allocate: 'Allocated' },
    Allocated: { AddPiece: 'PieceAdded' },
    PieceAdded: { BuildTreeD: 'TreeDBuilt' },
    TreeDBuilt: { PC1: 'PC1Done' },
    PC1Done: { PC2: 'PC2Done' },
    PC2Done: { Persist: 'Persisted' },
    Persisted: { Finish: 'Finished' },
  }),
  stages: ['tree_d', 'pc1', 'pc2'] as const,
  async finish(ctx: StepContext, outcome: PlanOutcome) {
    const allocated = ctx.record.base?.allocated
    // Finished: the manager marked the task done when it accepted the submission.
    if (allocated === undefined || outcome.state === 'Finished') return
    const report = ctx.manager.reportRebuildFailed
    if (report === undefined) throw critical('the manager client has no reportRebuildFailed')
    await report({ miner: allocated.ID.Miner, number: allocated.ID.Number }, outcome.reason)
  },
})
