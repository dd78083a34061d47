/**
 * WindowPoSt computed by PoSt workers (`daemon run --worker-prover`): each batch the poster would
 * prove becomes a job in the store (miner, deadline, partitions, randomness, sector infos with the
 * stores holding their files, and the vanilla proofs when they are made here), and the poster
 * waits for a worker thread with `plan = "wdpost"` to hand the proof back. A sweep fails jobs
 * whose worker stopped heartbeating and puts failed jobs back while they have tries left; a job
 * removed by an operator is published again while the poster still waits for it.
 *
 * Job ids follow the input, so a manager that takes over a deadline finds the job its predecessor
 * published (and the worker already on it) instead of publishing a second one.
 */
import { dirname, resolve, sep } from 'node:path'
import {
  actorIdOf,
  generateWindowPoStVanillaProofs,
  type Logger,
  type PrivateReplicaInfo,
  type ProofsBackend,
  type Startable,
  silentLogger,
  TypedEmitter,
  VenusError,
  type WdPoStJobInput,
  type WindowPoStResult,
  wdPoStJobFinished,
  wdPoStJobId,
} from '@venus-cluster/core'
import type { StoredPostJob } from '../store/post-types.js'
import type { ManagerStore } from '../store/types.js'

/** One batch to prove, as the poster hands it over (structurally its `WindowPoStJob`). */
export interface PostJobRequest {
  miner: string
  deadline: number
  open: number
  batch: number
  partitions: number[]
  randomness: Uint8Array
  proverId: Uint8Array
  replicas: readonly PrivateReplicaInfo[]
}

/** Defaults of {@link PostJobQueueOptions} (damocles' `[Common.Proving.WorkerProver]`). */
export const POST_JOB_DEFAULTS = Object.freeze({
  maxTry: 2,
  heartbeatTimeoutMs: 15_000,
  jobLifetimeMs: 25 * 3600_000,
  sweepMs: 10_000,
  pollMs: 3_000,
})

/** Options of {@link createPostJobQueue}. */
export interface PostJobQueueOptions {
  store: Pick<ManagerStore, 'post'>
  /** Persist stores by name: a replica's files are named to workers by the store holding them. */
  persistStores?: readonly { name: string; path: string }[] | undefined
  /**
   * Where vanilla proofs are made: `worker` (default: the worker reads the sector files through
   * its attached stores, as damocles does) or `manager` (here, from the persist stores; the worker
   * only computes the SNARK, for workers without access to the files). Needs `proofs`.
   */
  vanilla?: 'worker' | 'manager' | undefined
  proofs?: Pick<ProofsBackend, 'generateFallbackSectorChallenges' | 'generateSingleVanillaProof'> | undefined
  /** Tries of a job before only a reset runs it again (default 2). */
  maxTry?: number | undefined
  /** A running job whose worker has not heartbeated for this long fails (default 15 s). */
  heartbeatTimeoutMs?: number | undefined
  /** Finished jobs are deleted after this long (default 25 h). */
  jobLifetimeMs?: number | undefined
  /** Period of the timeout and retry sweep (default 10 s). */
  sweepMs?: number | undefined
  /** How often a waiting poster looks at its job (default 3 s). */
  pollMs?: number | undefined
  logger?: Logger | undefined
}

/** What the job queue reports (for logs and metrics). */
export type PostJobEvents = {
  published: { id: string; miner: number; deadline: number; partitions: number[]; sectors: number }
  finished: { id: string; ok: boolean; faults: number; errorReason: string; tryNum: number }
  'timed-out': { ids: string[] }
  retried: { ids: string[] }
}

/** The queue; see {@link createPostJobQueue}. */
export interface PostJobQueue extends Startable {
  readonly events: TypedEmitter<PostJobEvents>
  readonly maxTry: number
  /** The poster's `WindowPoStComputer`: publishes the batch as a job and waits for its proof. */
  compute(job: PostJobRequest, opts: { signal: AbortSignal }): Promise<WindowPoStResult>
  /** One timeout and retry sweep now (what the timer runs). */
  sweep(): Promise<void>
}

/**
 * The job queue of `--worker-prover` (see the module comment).
 *
 * @example
 * ```ts
 * const jobs = createPostJobQueue({ store: node.store, persistStores: config.persistStores })
 * await jobs.start()
 * const poster = windowPoStService({ chain, proofs, locate, miners, compute: jobs.compute })
 * ```
 */
export function createPostJobQueue(opts: PostJobQueueOptions): PostJobQueue {
  const o = {
    maxTry: opts.maxTry ?? POST_JOB_DEFAULTS.maxTry,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? POST_JOB_DEFAULTS.heartbeatTimeoutMs,
    jobLifetimeMs: opts.jobLifetimeMs ?? POST_JOB_DEFAULTS.jobLifetimeMs,
    sweepMs: opts.sweepMs ?? POST_JOB_DEFAULTS.sweepMs,
    pollMs: opts.pollMs ?? POST_JOB_DEFAULTS.pollMs,
  }
  const log = opts.logger ?? silentLogger
  const post = opts.store.post
  const vanilla = opts.vanilla ?? 'worker'
  if (vanilla === 'manager' && opts.proofs === undefined)
    throw new VenusError(
      'CONFIG_INVALID_VALUE',
      'PoSt jobs with vanilla proofs made by the manager need a proofs backend',
    )
  const events = new TypedEmitter<PostJobEvents>({
    onListenerError: (err, event) =>
      log.warn({ event, err: String(err) }, 'a PoSt job event listener failed'),
  })
  const stores = (opts.persistStores ?? []).map((s) => ({ name: s.name, root: resolve(s.path) }))
  const storeOf = (path: string): string => {
    const root = resolve(dirname(dirname(path)))
    return (
      stores.find((s) => s.root === root)?.name ??
      stores.find((s) => root.startsWith(s.root + sep))?.name ??
      root
    )
  }
  let timer: NodeJS.Timeout | undefined
  let lastCleanup = 0

  const sweep = async () => {
    const timedOut = await post.failStaleJobs(Math.ceil(o.heartbeatTimeoutMs / 1000), 128)
    if (timedOut.length > 0) {
      log.warn({ jobs: timedOut }, 'PoSt jobs failed: heartbeat timeout')
      events.emit('timed-out', { ids: timedOut })
    }
    const retried = await post.retryFailedJobs(o.maxTry, 128)
    if (retried.length > 0) {
      log.info({ jobs: retried }, 'PoSt jobs queued again')
      events.emit('retried', { ids: retried })
    }
    if (Date.now() - lastCleanup > 30 * 60_000) {
      lastCleanup = Date.now()
      await post.cleanupJobs(Math.ceil(o.jobLifetimeMs / 1000))
    }
  }

  const inputOf = async (
    job: PostJobRequest,
    signal: AbortSignal,
  ): Promise<{ input: WdPoStJobInput } | { faulty: number[] }> => {
    const replicas = [...job.replicas].sort((a, b) => a.sectorNumber - b.sectorNumber)
    const postProofType = replicas[0]?.postProofType ?? 0
    const proofs = new Map<number, Uint8Array>()
    if (vanilla === 'manager' && opts.proofs) {
      const v = await generateWindowPoStVanillaProofs(
        opts.proofs,
        { randomness: job.randomness, proverId: job.proverId, replicas },
        { signal },
      )
      if (v.faultySectors.length > 0) return { faulty: v.faultySectors.map((f) => f.sectorNumber) }
      for (const s of v.sectors) proofs.set(s.sectorNumber, s.vanillaProof)
    }
    return {
      input: {
        minerId: actorIdOf(job.miner),
        postProofType,
        seed: job.randomness,
        sectors: replicas.map((r) => ({
          sectorNumber: r.sectorNumber,
          commR: r.commR,
          upgrade: /[/\\]update[/\\]/.test(r.sealedPath),
          sealedStore: storeOf(r.sealedPath),
          cacheStore: storeOf(r.cacheDir),
          ...(proofs.has(r.sectorNumber) ? { vanillaProof: proofs.get(r.sectorNumber) } : {}),
        })),
      },
    }
  }

  const publish = async (job: PostJobRequest, input: WdPoStJobInput): Promise<StoredPostJob> => {
    const id = wdPoStJobId(input)
    const stored = await post.putJob({
      id,
      miner: input.minerId,
      deadline: job.deadline,
      open: job.open,
      partitions: job.partitions,
      input,
    })
    events.emit('published', {
      id,
      miner: input.minerId,
      deadline: job.deadline,
      partitions: job.partitions,
      sectors: input.sectors.length,
    })
    return stored
  }

  return {
    events,
    maxTry: o.maxTry,
    sweep,
    async start() {
      if (timer !== undefined) return
      timer = setInterval(
        () => void sweep().catch((e) => log.warn({ err: String(e) }, 'PoSt job sweep failed')),
        o.sweepMs,
      )
      timer.unref()
      await sweep().catch((e) => log.warn({ err: String(e) }, 'PoSt job sweep failed'))
    },
    async stop() {
      clearInterval(timer)
      timer = undefined
    },
    async compute(job, { signal }) {
      const built = await inputOf(job, signal)
      if ('faulty' in built) return { proofs: [], faultySectors: built.faulty }
      const { input } = built
      let stored = await publish(job, input)
      if (stored.state === 'finished' && stored.errorReason !== '' && stored.tryNum >= o.maxTry) {
        // The poster tries again (its window is still open): the job gets a new round of tries.
        await post.resetJob(stored.id)
        stored = (await post.getJob(stored.id)) ?? (await publish(job, input))
      }
      for (;;) {
        if (signal.aborted)
          throw new VenusError('ABORTED', `PoSt job ${stored.id}: the deadline's window closed`)
        if (wdPoStJobFinished(stored, o.maxTry)) {
          events.emit('finished', {
            id: stored.id,
            ok: stored.errorReason === '',
            faults: stored.output?.faults.length ?? 0,
            errorReason: stored.errorReason,
            tryNum: stored.tryNum,
          })
          if (stored.errorReason !== '')
            throw new VenusError('POST_FAILED', `error from worker: ${stored.errorReason}`, {
              details: { job: stored.id, tries: stored.tryNum },
            })
          const out = stored.output ?? { proofs: [], faults: [] }
          if (out.faults.length > 0) {
            // Faulty sectors: the poster skips them and asks again; that input is a new job.
            await post.removeJob(stored.id).catch(() => {})
            return { proofs: [], faultySectors: out.faults }
          }
          if (out.proofs.length === 0)
            throw new VenusError('POST_FAILED', `PoSt job ${stored.id} finished without a proof`)
          return {
            proofs: out.proofs.map((proofBytes) => ({ postProof: input.postProofType, proofBytes })),
            faultySectors: [],
          }
        }
        await sleep(o.pollMs, signal)
        const now = await post.getJob(stored.id)
        // Removed by an operator while the poster still needs it: publish it again.
        stored = now ?? (await publish(job, input))
      }
    },
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        r()
      },
      { once: true },
    )
  })
}
