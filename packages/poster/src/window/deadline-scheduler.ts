/**
 * The deadline scheduler: on each head, decides what happens to which deadline. Proving starts
 * for the current deadline and the next one once their challenge is `challengeConfidence`
 * epochs deep; a failed proof is tried again on a later head while the window is open; proven
 * batches are submitted from `Open + submitConfidence`; a deadline is proven or missed when its
 * window closes; a revert below a deadline's `Open` resets it.
 */
import { type ChainClient, type LotusDeadlineInfo, type LotusTipSet, VenusError } from '@venus-cluster/core'
import type { WindowPoStConfig } from '../config.js'
import { errMsg } from '../util.js'
import { nextDeadlineInfo } from './deadlines.js'
import type { DeadlineLeases } from './leases.js'
import type { DeadlineJob, Emit, Track } from './types.js'

/** What the deadline scheduler needs: the chain, and the modules that do the work. */
export interface DeadlineSchedulerComponents {
  miner: string
  config: WindowPoStConfig
  chain: Pick<ChainClient, 'stateMinerProvingDeadline'>
  prover: { prove(job: DeadlineJob, ts: LotusTipSet): Promise<void> }
  submitter: {
    submit(job: DeadlineJob, ts: LotusTipSet): Promise<void>
    allLanded(job: DeadlineJob, ts: LotusTipSet): Promise<boolean>
  }
  declarations: {
    readonly enabled: boolean
    covers(d: LotusDeadlineInfo): boolean
    prune(height: number): void
    start(d: LotusDeadlineInfo, ts: LotusTipSet): void
    watch(height: number): Promise<void>
  }
  leases: DeadlineLeases
  emit: Emit
  track: Track
}

/** The jobs of one miner's deadlines (see the module comment). */
export class DeadlineScheduler {
  readonly #c: DeadlineSchedulerComponents
  readonly #jobs = new Map<number, DeadlineJob>()
  /** Proving attempts after errors, by deadline open epoch. */
  readonly #tries = new Map<number, number>()
  /** Deadlines whose lease was refused (reported once), by open epoch. */
  readonly #refused = new Set<number>()

  constructor(components: DeadlineSchedulerComponents) {
    this.#c = components
  }

  /** The jobs known, by deadline open epoch. */
  jobs(): DeadlineJob[] {
    return [...this.#jobs.values()]
  }

  /**
   * Proves deadline `index` now, if it is the open one or the next one and its challenge is drawn:
   * a job that failed, was missed or was held elsewhere starts again (asking for the lease
   * again). Resolves the job's state afterwards.
   *
   * @throws VenusError `INVALID_ARGUMENT` when that deadline cannot be proven now.
   */
  async proveNow(index: number, ts: LotusTipSet): Promise<{ deadline: number; open: number; state: string }> {
    const di = await this.#c.chain.stateMinerProvingDeadline(this.#c.miner, ts.Cids)
    const d = [di, nextDeadlineInfo(di)].find((x) => x.Index === index)
    if (d === undefined || ts.Height < d.Challenge + 1 || ts.Height >= d.Close)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `deadline ${index} of ${this.#c.miner} cannot be proven now: the current deadline is ${di.Index} (open ${di.Open}–${di.Close}); only it and the next one, once its challenge is drawn, can`,
        { details: { deadline: index, current: di.Index } },
      )
    const job = this.#jobs.get(d.Open)
    if (job === undefined || job.state === 'error' || job.state === 'failed' || job.state === 'elsewhere') {
      if (job !== undefined) {
        job.controller.abort()
        this.#jobs.delete(d.Open)
        await this.#release(job)
      }
      this.#refused.delete(d.Open)
      await this.#startJob(d, ts)
    }
    return { deadline: d.Index, open: d.Open, state: this.#jobs.get(d.Open)?.state ?? 'unknown' }
  }

  /** Aborts every job and gives up its lease. */
  async abortAll(): Promise<void> {
    for (const j of this.#jobs.values()) j.controller.abort()
    await Promise.all([...this.#jobs.values()].map((j) => this.#release(j)))
  }

  /** Handles head `ts`; `revertHeight` is the lowest height reverted since the last head (or ∞). */
  async onHead(ts: LotusTipSet, revertHeight: number): Promise<void> {
    const { miner, config, emit, declarations } = this.#c
    const h = ts.Height
    if (Number.isFinite(revertHeight)) {
      for (const [open, job] of this.#jobs) {
        if (revertHeight < job.di.Open && h < job.di.Close + 1) {
          job.controller.abort()
          this.#jobs.delete(open)
          void this.#release(job)
          emit({ type: 'deadline-reset', miner, deadline: job.di.Index, open, revertHeight })
        }
      }
    }
    for (const [open, job] of this.#jobs) {
      if (h >= job.di.Close) await this.#close(open, job, ts)
    }
    declarations.prune(h)
    const di = await this.#c.chain.stateMinerProvingDeadline(miner, ts.Cids)
    await declarations.watch(h)
    if (h < di.PeriodStart) return
    const next = nextDeadlineInfo(di)
    // Declarations of a started deadline that failed or were dropped go out again.
    const current = this.#jobs.get(di.Open)
    if (
      declarations.enabled &&
      current !== undefined &&
      current.state !== 'elsewhere' &&
      !declarations.covers(di)
    ) {
      declarations.start(di, ts)
    }
    for (const [open, job] of this.#jobs) {
      // Held elsewhere: ask again, since its holder may have given it up or gone away.
      if (job.state === 'elsewhere' && h < job.di.Close) this.#jobs.delete(open)
      // A failed proof is proven again, on a later head, for as long as the window is open.
      const tries = this.#tries.get(open) ?? 0
      if (job.state === 'error' && h < job.di.Close && Date.now() >= job.nextTryAt) {
        this.#tries.set(open, tries + 1)
        this.#jobs.delete(open)
        await this.#release(job)
      }
    }
    for (const d of [di, next]) {
      if (this.#jobs.has(d.Open)) continue
      if (h >= d.Challenge + config.challengeConfidence && h < d.Close) await this.#startJob(d, ts)
    }
    for (const job of this.#jobs.values()) {
      if (job.state !== 'proved' || job.submitting) continue
      if (h >= job.di.Open + config.submitConfidence && h < job.di.Close && Date.now() >= job.nextTryAt) {
        job.submitting = true
        void this.#c.track(
          this.#c.submitter
            .submit(job, ts)
            .catch((e) => {
              if (!job.controller.signal.aborted)
                emit({
                  type: 'error',
                  miner,
                  deadline: job.di.Index,
                  open: job.di.Open,
                  message: `submit: ${errMsg(e)}`,
                })
            })
            .finally(() => {
              job.submitting = false
            }),
        )
      }
    }
  }

  /** The window of `job` has closed at `ts`: proven, or missed; forgotten a period later. */
  async #close(open: number, job: DeadlineJob, ts: LotusTipSet): Promise<void> {
    const { miner, emit } = this.#c
    const h = ts.Height
    job.controller.abort()
    if (job.state === 'proved' && (await this.#c.submitter.allLanded(job, ts))) {
      job.state = 'done'
      emit({ type: 'deadline-proven', miner, deadline: job.di.Index, open, height: h })
    }
    if (job.state !== 'done' && job.state !== 'failed' && job.state !== 'elsewhere') {
      job.state = 'failed'
      emit({
        type: 'deadline-missed',
        miner,
        deadline: job.di.Index,
        open,
        reason: job.batches.some((b) => b.cid) ? 'proof did not land in time' : 'no proof submitted in time',
      })
    }
    await this.#release(job)
    if (h >= job.di.Close + job.di.WPoStProvingPeriod) {
      this.#jobs.delete(open)
      this.#tries.delete(open)
      this.#refused.delete(open)
    }
  }

  async #startJob(d: LotusDeadlineInfo, ts: LotusTipSet): Promise<void> {
    const { miner, emit } = this.#c
    let lease: DeadlineJob['lease']
    try {
      lease = await this.#c.leases.acquire({ miner, deadline: d.Index, open: d.Open }, {})
    } catch (e) {
      // No job is recorded: the next head asks again.
      emit({ type: 'error', miner, deadline: d.Index, open: d.Open, message: `lease: ${errMsg(e)}` })
      return
    }
    const job: DeadlineJob = {
      di: d,
      controller: new AbortController(),
      state: lease === undefined ? 'elsewhere' : 'proving',
      batches: [],
      submitting: false,
      nextTryAt: 0,
      lease,
    }
    this.#jobs.set(d.Open, job)
    if (lease === undefined) {
      if (!this.#refused.has(d.Open)) emit({ type: 'lease-refused', miner, deadline: d.Index, open: d.Open })
      this.#refused.add(d.Open)
      return
    }
    emit({ type: 'proving-started', miner, deadline: d.Index, open: d.Open, height: ts.Height })
    if (this.#c.declarations.enabled) this.#c.declarations.start(d, ts)
    job.running = this.#c.track(
      this.#c.prover.prove(job, ts).catch((e) => {
        if (job.controller.signal.aborted) return
        job.state = 'error'
        job.nextTryAt = Date.now() + this.#c.config.retryDelayMs
        emit({ type: 'error', miner, deadline: d.Index, open: d.Open, message: errMsg(e) })
      }),
    )
  }

  /** Gives up the job's lease once (errors are the lease store's to report). */
  async #release(job: DeadlineJob): Promise<void> {
    const lease = job.lease
    if (lease === undefined) return
    job.lease = undefined
    await this.#c.leases.release(lease).catch(() => {})
  }
}
