/**
 * The `wdpost` plan: a PoSt worker thread. It takes a WindowPoSt job from the manager
 * (`Venus.WdPoStAllocateJobs`), heartbeats it while it works (`Venus.WdPoStHeartbeatJobs`, every
 * {@link WDPOST_HEARTBEAT_MS}), computes the proof and hands it back (`Venus.WdPoStFinishJob`).
 * Vanilla proofs come with the job when the manager made them where the sector files are; else
 * the thread makes them from its attached stores, found by the instance names the job gives. A
 * sector that cannot be read is reported faulty (the manager's poster skips it and asks again);
 * any other failure is reported as the job's error, and the manager runs the job again elsewhere.
 *
 * States (the shared on-disk enum): `Empty` → `Allocated` (job taken) → `C2Done` (proof computed)
 * → `Finished`. The record keeps the job, so a restarted worker carries on with it.
 */
import { join } from 'node:path'
import {
  isVenusError,
  type PrivateReplicaInfo,
  postProofWireName,
  proverId,
  RegisteredSealProof,
  sealProofInfo,
  sectorName,
  type WdPoStJobInput,
  type WdPoStJobOutput,
  wdPoStInputFromWire,
  wdPoStInputToWire,
  windowPoStViaVanilla,
} from '@venus-cluster/core'
import { abort, describeError, permanent, temporary } from '../failure.js'
import type { SealingState } from '../states.js'
import type { Plan, PlanOutcome, StepContext, StepHandler } from './types.js'

/** How often a thread tells the manager it still works on its job. */
export const WDPOST_HEARTBEAT_MS = 3_000

type WdPoStEvent = 'Allocate' | 'Generate' | 'Finish' | 'Abort'
type Step = StepHandler<WdPoStEvent>

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))

/** The WindowPoSt proof names of the thread's allowed sector sizes (null: any). */
function allowedPoStTypes(sizes: readonly number[] | undefined): string[] | null {
  if (sizes === undefined) return null
  const out: string[] = []
  for (const id of Object.values(RegisteredSealProof)) {
    const info = sealProofInfo(id)
    if (sizes.includes(info.sectorSize) && info.windowPoStProof !== undefined)
      out.push(postProofWireName(info.windowPoStProof))
  }
  return [...new Set(out)]
}

function jobOf(ctx: StepContext): { id: string; input: WdPoStJobInput } {
  const j = ctx.record.wdpost
  if (j === undefined) throw abort('the record holds no WindowPoSt job')
  return { id: j.job_id, input: wdPoStInputFromWire(j.input) }
}

function client(ctx: StepContext) {
  const m = ctx.manager
  if (!m.wdPoStAllocateJobs || !m.wdPoStHeartbeatJobs || !m.wdPoStFinishJob)
    throw permanent('the manager client has no Venus.WdPoSt* methods')
  return { allocate: m.wdPoStAllocateJobs, heartbeat: m.wdPoStHeartbeatJobs, finish: m.wdPoStFinishJob }
}

/** `Empty`: asks the manager for a job; idles `recover_interval` when there is none. */
const allocate: Step = async (ctx) => {
  const c = client(ctx)
  let jobs: Awaited<ReturnType<typeof c.allocate>>
  try {
    jobs = await c.allocate(
      {
        allowedMiners: ctx.sealing.allowedMiners ?? null,
        allowedProofTypes: allowedPoStTypes(ctx.sealing.allowedSizes),
      },
      1,
      ctx.thread.instance,
    )
  } catch (err) {
    const notServed = isVenusError(err) && /method not found|not found/i.test(err.message)
    ctx.log.warn(
      { err: describeError(err) },
      notServed
        ? 'the manager may not have enabled PoSt workers (--worker-prover); waiting'
        : 'WdPoStAllocateJobs failed; retrying',
    )
    jobs = []
  }
  const job = jobs[0]
  if (job === undefined) {
    await ctx.sleep(ctx.sealing.recoverIntervalMs)
    return null
  }
  ctx.record.wdpost = { job_id: job.id, input: wdPoStInputToWire(job.input) }
  ctx.log.info(
    { job: job.id, miner: job.input.minerId, sectors: job.input.sectors.length },
    'WindowPoSt job taken',
  )
  return 'Allocate'
}

/** The replicas of a job from the thread's attached stores; sectors whose store is not attached are faulty. */
function replicasOf(
  ctx: StepContext,
  input: WdPoStJobInput,
): { replicas: PrivateReplicaInfo[]; faults: number[] } {
  const byName = new Map(ctx.stores.attached.map((s) => [s.name, s.location]))
  const replicas: PrivateReplicaInfo[] = []
  const faults: number[] = []
  for (const s of input.sectors) {
    const sealedRoot = byName.get(s.sealedStore)
    const cacheRoot = byName.get(s.cacheStore)
    if (sealedRoot === undefined || cacheRoot === undefined) {
      ctx.log.warn({ sector: s.sectorNumber, store: s.sealedStore }, 'no attached store of that name')
      faults.push(s.sectorNumber)
      continue
    }
    const name = sectorName({ miner: input.minerId, number: s.sectorNumber })
    replicas.push({
      postProofType: input.postProofType,
      sectorNumber: s.sectorNumber,
      commR: s.commR,
      sealedPath: join(sealedRoot, s.upgrade ? 'update' : 'sealed', name),
      cacheDir: join(cacheRoot, s.upgrade ? 'update-cache' : 'cache', name),
    })
  }
  return { replicas, faults }
}

/** Computes a job's output: faulty sectors, or the proof. */
async function prove(ctx: StepContext, input: WdPoStJobInput): Promise<WdPoStJobOutput> {
  const prover = proverId(input.minerId)
  if (input.sectors.length > 0 && input.sectors.every((s) => s.vanillaProof !== undefined)) {
    const sorted = [...input.sectors].sort((a, b) => a.sectorNumber - b.sectorNumber)
    const proofs = await ctx.proofs.generateWindowPoStWithVanilla(
      {
        postProofType: input.postProofType,
        randomness: input.seed,
        proverId: prover,
        vanillaProofs: sorted.map((s) => s.vanillaProof as Uint8Array),
      },
      { signal: ctx.signal },
    )
    return { proofs: proofs.map((p) => p.proofBytes), faults: [] }
  }
  const { replicas, faults } = replicasOf(ctx, input)
  if (faults.length > 0) return { proofs: [], faults }
  const res = await windowPoStViaVanilla(
    ctx.proofs,
    { randomness: input.seed, proverId: prover, replicas },
    { signal: ctx.signal },
  )
  if (res.faultySectors.length > 0) return { proofs: [], faults: res.faultySectors }
  return { proofs: res.proofs.map((p) => p.proofBytes), faults: [] }
}

/** `Allocated`: computes the proof, heartbeating the job meanwhile. */
const generate: Step = async (ctx) => {
  const c = client(ctx)
  const { id, input } = jobOf(ctx)
  const beat = () =>
    c
      .heartbeat([id], ctx.thread.instance)
      .catch((err) => ctx.log.warn({ job: id, err: describeError(err) }, 'WdPoStHeartbeatJobs failed'))
  void beat()
  const timer = setInterval(() => void beat(), WDPOST_HEARTBEAT_MS)
  const rec = ctx.record
  try {
    const out = await ctx.withSlot('c2', () => prove(ctx, input))
    rec.wdpost = {
      job_id: id,
      input: rec.wdpost?.input,
      output: { proofs: out.proofs.map(b64), faults: out.faults },
    }
    ctx.log.info({ job: id, faults: out.faults.length }, 'WindowPoSt job computed')
  } catch (err) {
    if (ctx.signal.aborted) throw err
    // Reported, not retried here: the manager gives the job to a worker again (while it has tries).
    rec.wdpost = { job_id: id, input: rec.wdpost?.input, output: null, error: describeError(err) }
    ctx.log.warn({ job: id, err: describeError(err) }, 'WindowPoSt job failed')
  } finally {
    clearInterval(timer)
  }
  return 'Generate'
}

/** `C2Done`: hands the outcome back. */
const finish: Step = async (ctx) => {
  const c = client(ctx)
  const j = ctx.record.wdpost
  if (j === undefined) throw abort('the record holds no WindowPoSt job')
  const output =
    j.output === undefined || j.output === null
      ? null
      : { proofs: j.output.proofs.map(unb64), faults: j.output.faults }
  try {
    await c.finish(j.job_id, output, output === null ? (j.error ?? 'no output') : '')
  } catch (err) {
    if (isVenusError(err) && /does not exist/.test(err.message)) {
      // Removed by an operator meanwhile: nothing to hand back.
      ctx.log.warn({ job: j.job_id }, 'the job was removed before it finished')
      return 'Finish'
    }
    throw temporary('WdPoStFinishJob failed', err)
  }
  return 'Finish'
}

const TABLE: Record<string, Partial<Record<WdPoStEvent, 'Allocated' | 'C2Done' | 'Finished'>>> = {
  Empty: { Allocate: 'Allocated' },
  Allocated: { Generate: 'C2Done' },
  C2Done: { Finish: 'Finished' },
}

/**
 * The `wdpost` plan (see the module comment).
 *
 * @example
 * ```ts
 * const plans = new PlanRegistry() // sealer and wdpost are built in
 * // venus-worker.toml: [[sealing_thread]] location = "/data/wdpost1"  plan = "wdpost"
 * ```
 */
export const wdpostPlan: Plan<WdPoStEvent> = Object.freeze({
  name: 'wdpost',
  description:
    'computes WindowPoSt jobs of the manager (--worker-prover): vanilla proofs and SNARK, with heartbeats',
  states: ['Empty', 'Allocated', 'C2Done', 'Finished', 'Aborted'] as const,
  initial: { state: 'Empty', asks: 'Venus.WdPoStAllocateJobs' } as const,
  steps: Object.freeze({ Empty: allocate, Allocated: generate, C2Done: finish }),
  next(state: SealingState, event: WdPoStEvent): SealingState {
    if (event === 'Abort' && state !== 'Finished' && state !== 'Aborted') return 'Aborted'
    const to = TABLE[state]?.[event]
    if (to === undefined)
      throw permanent(`event ${event} is not allowed in state ${state} of the wdpost plan`)
    return to
  },
  stages: ['c2'] as const,
  // The next job (the next batch of the same deadline, often) is taken at once: resting
  // `seal_interval` (30 s by default) between jobs would eat into the challenge window.
  restsBetweenTasks: false,
  async finish(ctx: StepContext, outcome: PlanOutcome) {
    const j = ctx.record.wdpost
    const fin = ctx.manager.wdPoStFinishJob
    if (outcome.state === 'Aborted' && j !== undefined && fin !== undefined)
      await fin(j.job_id, null, outcome.reason).catch(() => {})
  },
})
