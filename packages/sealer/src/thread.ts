/**
 * The sealing thread runtime: owns one sealing store, takes one task at a time from the manager
 * and drives it through its plan's state machine, persisting the record after every step so a
 * killed worker resumes the same sector at the same step. What each step does is the plan's
 * (`plans/`); the runtime does the loop, pause and resume, retries and backoff, the record, stage
 * limits, processors, reports and events.
 */
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  childLogger,
  type GpuStage,
  type Logger,
  makeDirs,
  type ProofsBackend,
  type SectorId,
  sectorIdFromWire,
  silentLogger,
  TypedEmitter,
  VenusError,
  type WorkerSealingConfig,
  type WorkerStage,
} from '@venus-cluster/core'
import type { WorkerEvents } from './events.js'
import { isProcessorCrash } from './external.js'
import {
  asFailure,
  critical,
  describeError,
  type FailureLevel,
  interrupted,
  permanent,
  SealingFailure,
  temporary,
} from './failure.js'
import type { GpuSlots } from './gpu.js'
import type { SlotPool } from './limits.js'
import { sectorPaths } from './paths.js'
import type { AttachedStore, FreeSpaceFn } from './persist.js'
import type { PieceFetcher } from './piece-fetch.js'
import type { Plan, StepContext } from './plans/types.js'
import type { SealStage, StageIo, StageProcessor } from './processors.js'
import { emptySectorRecord, type SectorRecord, SectorRecordStore } from './record.js'
import type { SealerClient } from './sealer-client.js'
import { openSealingStore } from './sealing-store.js'
import { isTerminalState, SEALING_STATES, type SealingState } from './states.js'

/** Options of {@link SealingThread}. */
export interface SealingThreadOptions {
  index: number
  location: string
  /** What the thread does (`sealerPlan`, …). */
  plan: Plan
  sealing: WorkerSealingConfig
  /** The worker's instance name (ReportState `Worker.Instance`). */
  instance: string
  sealer: SealerClient
  processor: StageProcessor
  /** In-process backend for add-piece, CommD and clear-cache. */
  proofs: ProofsBackend
  limits: SlotPool
  /** The worker's GPU slots, for `StepContext.withGpu` (default: none, `fn` runs at once). */
  gpus?: GpuSlots | undefined
  attached: readonly AttachedStore[]
  freeSpace?: FreeSpaceFn | undefined
  /** Present only when the global `[sealing] enable_deals` is on. */
  pieceFetcher?: PieceFetcher | undefined
  /** Sector size string (`"2KiB"`) → prebuilt CC tree_d file. */
  staticTreeD?: Record<string, string> | undefined
  /** fsync the record on every step (default true); see {@link SectorRecordStore}. */
  recordSync?: boolean | undefined
  /** Wait before re-submitting after an on-chain `Failed` (default 30 s). */
  resubmitWaitMs?: number | undefined
  /** See `WorkerConfig.autoResume` (default `{ maxMs: 600_000 }`). */
  autoResume?: false | { maxMs?: number | undefined } | undefined
  log?: Logger | undefined
  /** Where the thread's events go (a worker shares one among its threads). */
  events?: TypedEmitter<WorkerEvents> | undefined
}

/** What `worker list` shows of a thread. */
export interface SealingThreadInfo {
  index: number
  /** The thread's sealing store (absolute). */
  location: string
  plan: string
  /** The sector (or task) in hand; null when the thread has none. */
  sectorId: SectorId | null
  state: SealingState
  paused: boolean
  /** Milliseconds since the thread paused; null while it runs. */
  pausedForMs: number | null
  /** The failure that paused the thread; null when it runs or an operator paused it. */
  lastError: string | null
}

/**
 * A sealing thread. `start()` runs its loop in the background; `stop()` interrupts it at the
 * next step boundary (running processor calls are aborted; their step re-runs on restart).
 *
 * @example
 * ```ts
 * const t = new SealingThread({ index: 0, location: '/store1', plan: sealerPlan, sealing, instance: 'w1',
 *   sealer, processor, proofs, limits, attached })
 * t.events.on('sector:state', (e) => console.log(e.next))
 * await t.start()
 * t.pause() // at the next step boundary
 * t.resume('TreeDBuilt')
 * ```
 */
export class SealingThread {
  readonly index: number
  readonly location: string
  readonly plan: Plan
  readonly events: TypedEmitter<WorkerEvents>
  readonly #o: SealingThreadOptions
  readonly #records: SectorRecordStore
  readonly #log: Logger
  readonly #stop = new AbortController()
  #pauseCtl = new AbortController()
  #pausePending = false
  #resumeWaiter: ((state: SealingState | null) => void) | undefined
  #pausedAt: number | undefined
  #lastError: string | null = null
  /** Automatic resumes since the last step that succeeded: the exponent of the backoff. */
  #autoResumes = 0
  #rec: SectorRecord
  #loop: Promise<void> | undefined

  constructor(options: SealingThreadOptions) {
    this.#o = options
    this.index = options.index
    this.plan = options.plan
    // Absolute: the tree_d symlink's target and the location sent to the manager must not depend
    // on the working directory.
    this.location = resolve(options.location)
    this.#records = new SectorRecordStore(this.location, { sync: options.recordSync ?? true })
    this.#log = childLogger(options.log ?? silentLogger, { thread: options.index })
    this.events =
      options.events ??
      new TypedEmitter<WorkerEvents>({
        onListenerError: (err, type) =>
          this.#log.warn({ err: describeError(err), event: type }, 'event listener failed'),
      })
    this.#rec = this.#emptyRecord()
  }

  /** The thread's `[sealing]` settings now. */
  get sealing(): Readonly<WorkerSealingConfig> {
    return this.#o.sealing
  }

  /** Replaces the `[sealing]` settings (a config reload); the next step and wait read them. */
  setSealing(sealing: WorkerSealingConfig): void {
    this.#o.sealing = sealing
  }

  /** Starts the loop; resolves at once (the loop runs in the background). */
  async start(): Promise<void> {
    this.#loop ??= this.#run().catch((err) => {
      this.#log.error({ err: describeError(err) }, 'sealing thread crashed')
    })
  }

  /** Interrupts the loop and waits for it to end. */
  async stop(): Promise<void> {
    this.#stop.abort(new VenusError('ABORTED', 'worker is stopping'))
    this.#pauseCtl.abort()
    this.#resumeWaiter?.(null)
    await this.#loop
  }

  /** Requests a pause at the next step boundary; false when one is pending already. */
  pause(): boolean {
    if (this.#pausePending || this.#resumeWaiter !== undefined) return false
    this.#pausePending = true
    this.#pauseCtl.abort()
    return true
  }

  /**
   * Resumes a paused thread, optionally into `state`; false when it is not paused.
   *
   * @throws VenusError `INVALID_ARGUMENT` for a state the thread's plan does not have.
   */
  resume(state: SealingState | null = null): boolean {
    if (state !== null && !this.plan.states.includes(state)) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `state ${state} is not a state of the ${this.plan.name} plan of thread ${this.index}`,
        { details: { state, plan: this.plan.name, known: [...this.plan.states] } },
      )
    }
    const w = this.#resumeWaiter
    if (w === undefined) return false
    this.#resumeWaiter = undefined
    w(state)
    return true
  }

  /** What `worker list` shows of this thread. */
  info(): SealingThreadInfo {
    const paused = this.#resumeWaiter !== undefined
    return {
      index: this.index,
      location: this.location,
      plan: this.plan.name,
      sectorId: this.#sectorId(),
      state: SEALING_STATES[this.#rec.state] ?? 'Empty',
      paused,
      pausedForMs: paused && this.#pausedAt !== undefined ? Date.now() - this.#pausedAt : null,
      lastError: this.#lastError,
    }
  }

  // ------------------------------------------------------------------ loop

  get #stopping(): boolean {
    return this.#stop.signal.aborted
  }

  #emptyRecord(): SectorRecord {
    const rec = emptySectorRecord(this.plan.name)
    rec.state = SEALING_STATES.indexOf(this.plan.initial.state)
    rec.state_name = this.plan.initial.state
    return rec
  }

  #sectorId(rec = this.#rec): SectorId | null {
    const a = rec.base?.allocated.ID
    return a === undefined ? null : sectorIdFromWire(a)
  }

  /** Loads the record of the store; a record of another plan is not this thread's to run. */
  async #load(): Promise<SectorRecord | undefined> {
    const rec = await this.#records.load()
    if (rec !== undefined && rec.plan !== this.plan.name) {
      throw critical(
        `${this.#records.path} holds a ${JSON.stringify(rec.plan)} task, but the thread runs the ${JSON.stringify(this.plan.name)} plan: set the thread's plan back until the task is done`,
      )
    }
    return rec
  }

  async #run(): Promise<void> {
    for (;;) {
      try {
        await openSealingStore(this.location)
        this.#rec = (await this.#load()) ?? this.#emptyRecord()
        break
      } catch (err) {
        // Nothing is lost: the thread waits (for resume, or checks again later), then opens it again.
        const f = asFailure('Critical', `sealing store ${this.location} cannot be used`, err)
        this.#log.error({ err: f.describe() }, 'sealing store cannot be used')
        await this.#waitForResume(f, true)
        if (this.#stopping) return
      }
    }
    while (!this.#stopping) {
      if (this.#pausePending) {
        await this.#waitForResume(interrupted())
        continue
      }
      const state = SEALING_STATES[this.#rec.state] as SealingState
      if (isTerminalState(state)) {
        const ok = await this.#finalize(state)
        if (ok && this.plan.restsBetweenTasks !== false)
          await this.#interruptibleSleep(this.#o.sealing.sealIntervalMs)
        continue
      }
      try {
        await this.#step(state)
      } catch (err) {
        // A bug or an unexpected error must not kill the thread silently: pause it visibly.
        await this.#waitForResume(asFailure('Critical', `${state}: unexpected error`, err))
      }
    }
  }

  async #step(prev: SealingState): Promise<void> {
    const draft = structuredClone(this.#rec)
    let event: string | null
    try {
      const handler = this.plan.steps[prev]
      if (handler === undefined) throw permanent(`state ${prev} has no step in the ${this.plan.name} plan`)
      event = await handler(this.#context(draft))
    } catch (err) {
      await this.#onFailure(prev, asFailure('Permanent', `${prev} failed`, err))
      return
    }
    if (event === null) return
    let next: SealingState
    try {
      next = this.plan.next(prev, event)
    } catch (err) {
      await this.#onFailure(prev, asFailure('Critical', 'state machine refused the event', err))
      return
    }
    draft.prev_state = SEALING_STATES.indexOf(prev)
    draft.state = SEALING_STATES.indexOf(next)
    draft.state_name = next
    draft.retry = 0
    try {
      await this.#records.save(draft)
    } catch (err) {
      await this.#onFailure(prev, critical('writing the sector record failed', err))
      return
    }
    this.#rec = draft
    this.#autoResumes = 0
    await this.#report(prev, next, null)
  }

  /** The world of one step, as its handler sees it. */
  #context(draft: SectorRecord): StepContext {
    const o = this.#o
    return {
      thread: { index: this.index, location: this.location, instance: o.instance },
      record: draft,
      manager: o.sealer,
      proofs: o.proofs,
      sealing: o.sealing,
      stores: { attached: o.attached, freeSpace: o.freeSpace },
      pieceFetcher: o.pieceFetcher,
      staticTreeD: o.staticTreeD ?? {},
      resubmitWaitMs: o.resubmitWaitMs ?? 30_000,
      log: this.#log,
      signal: this.#stop.signal,
      paths: () => {
        const id = draft.base?.allocated.ID
        if (id === undefined) throw permanent('the record has no sector yet')
        return sectorPaths(this.location, id)
      },
      withSlot: (stage, fn) => this.#withSlot(stage, fn),
      withGpu: (stage, fn) => this.#withGpu(stage, fn),
      runStage: (stage, req, opts) => this.#runStage(stage, req, opts?.failure),
      checkpoint: async () => {
        try {
          await this.#records.save(draft)
        } catch (err) {
          throw critical('writing the sector record failed', err)
        }
        this.#rec = structuredClone(draft)
      },
      sleep: (ms) => this.#interruptibleSleep(ms),
      pollWait: (ms) => this.#pollWait(ms),
      throwIfInterrupted: () => {
        if (this.#pausePending || this.#stopping) throw interrupted()
      },
    }
  }

  async #onFailure(prev: SealingState, f: SealingFailure): Promise<void> {
    if (f.interrupt && this.#stopping) return
    await this.#report(prev, prev, f)
    // `failureLevel`, not `level`: pino writes its own numeric `level` on every line.
    this.#log.warn({ state: prev, failureLevel: f.level, err: f.describe() }, 'sealing step failed')
    if (f.interrupt) {
      await this.#waitForResume(f)
      return
    }
    switch (f.level) {
      case 'Temporary': {
        if (this.#rec.retry >= this.#o.sealing.maxRetries) {
          const esc = permanent(`${prev}: ${this.#rec.retry} retries used up`, f)
          this.#rec.retry = 0
          await this.#records.save(this.#rec).catch(() => {})
          // Still a temporary cause (e.g. the manager is down): paused, but it tries again on its own.
          await this.#waitForResume(esc, true)
          return
        }
        this.#rec.retry++
        try {
          await this.#records.save(this.#rec)
        } catch (err) {
          await this.#waitForResume(critical('writing the sector record failed', err))
          return
        }
        await this.#interruptibleSleep(this.#o.sealing.recoverIntervalMs)
        return
      }
      case 'Abort': {
        const rec = structuredClone(this.#rec)
        rec.prev_state = rec.state
        rec.state = SEALING_STATES.indexOf('Aborted')
        rec.state_name = 'Aborted'
        rec.retry = 0
        rec.abort_reason = f.describe()
        try {
          await this.#records.save(rec)
          this.#rec = rec
        } catch (err) {
          await this.#waitForResume(critical('writing the sector record failed', err))
          return
        }
        const sector = this.#sectorId(rec)
        if (sector !== null) {
          this.events.emit('sector:state', {
            thread: this.index,
            plan: this.plan.name,
            sector,
            prev,
            next: 'Aborted',
          })
        }
        return
      }
      default:
        await this.#waitForResume(f)
    }
  }

  /** The wait before the next automatic resume, or undefined when only an operator resumes. */
  #autoResumeDelay(): number | undefined {
    const auto = this.#o.autoResume
    if (auto === false) return undefined
    const base = Math.max(1, this.#o.sealing.recoverIntervalMs)
    const max = Math.max(base, auto?.maxMs ?? 600_000)
    return Math.min(max, base * 2 ** Math.min(this.#autoResumes, 30))
  }

  /**
   * Pauses until resume (or stop); on resume reloads the record and applies a named state. With
   * `auto`, the thread also resumes by itself after a backoff (see `autoResume`).
   */
  async #waitForResume(f: SealingFailure, auto = false): Promise<void> {
    if (this.#stopping) return
    if (!f.interrupt) this.#lastError = f.describe()
    this.#pausedAt = Date.now()
    this.#pausePending = false
    const delay = auto ? this.#autoResumeDelay() : undefined
    this.#log.warn(
      { err: this.#lastError, ...(delay === undefined ? {} : { autoResumeInMs: delay }) },
      delay === undefined
        ? 'sealing thread paused, waiting for resume'
        : 'sealing thread paused; it tries again on its own',
    )
    this.events.emit('thread:paused', {
      thread: this.index,
      state: SEALING_STATES[this.#rec.state] ?? this.plan.initial.state,
      error: this.#lastError,
      autoResumeInMs: delay ?? null,
    })
    let timer: NodeJS.Timeout | undefined
    const state = await new Promise<SealingState | null>((resolve) => {
      this.#resumeWaiter = resolve
      if (delay !== undefined) {
        timer = setTimeout(() => {
          this.#autoResumes++
          resolve(null)
        }, delay)
      }
    })
    clearTimeout(timer)
    this.#resumeWaiter = undefined
    this.#pausedAt = undefined
    this.#pauseCtl = new AbortController()
    if (this.#stopping) return
    this.#lastError = null
    try {
      const loaded = await this.#load()
      const rec = loaded ?? this.#emptyRecord()
      if (state !== null) {
        rec.prev_state = rec.state
        rec.state = SEALING_STATES.indexOf(state)
        rec.state_name = state
      }
      rec.retry = 0
      // Nothing to keep when there is no record and no state to set: write nothing (the store may
      // be one the thread has not accepted yet, e.g. the original worker's).
      if (loaded !== undefined || state !== null) await this.#records.save(rec)
      this.#rec = rec
    } catch (err) {
      // The store is still broken (e.g. not initialised); the loop checks it again.
      this.#lastError = asFailure('Critical', 'reloading the sector record failed', err).describe()
    }
    this.#log.info({ state }, 'sealing thread resumed')
    this.events.emit('thread:resumed', { thread: this.index, into: state })
  }

  async #finalize(state: SealingState): Promise<boolean> {
    const rec = this.#rec
    const sector = this.#sectorId(rec)
    const reason = rec.abort_reason ?? 'aborted by worker'
    try {
      try {
        await this.plan.finish(
          this.#context(structuredClone(rec)),
          state === 'Finished' ? { state: 'Finished' } : { state: 'Aborted', reason },
        )
      } catch (err) {
        // A record already moved offline (repeated report after a crash) counts as done.
        if (!(err instanceof SealingFailure && err.level === 'Abort')) throw err
      }
      const data = join(this.location, 'data')
      await rm(data, { recursive: true, force: true })
      await makeDirs(data)
      await this.#records.remove()
      this.#log.info({ sector: rec.base?.allocated.ID, state }, 'sector done')
      this.#rec = this.#emptyRecord()
      if (sector !== null) {
        this.events.emit('sector:done', {
          thread: this.index,
          plan: this.plan.name,
          sector,
          state: state === 'Finished' ? 'Finished' : 'Aborted',
          reason: state === 'Finished' ? null : reason,
        })
      }
      return true
    } catch (err) {
      await this.#onFailure(state, asFailure('Temporary', 'finalizing the sector failed', err))
      return false
    }
  }

  async #report(prev: SealingState, next: SealingState, f: SealingFailure | null): Promise<void> {
    const sector = this.#sectorId()
    const failure = f === null ? null : { level: f.level, desc: f.describe() }
    const plan = this.plan.name
    this.events.emit('thread:step', { thread: this.index, plan, sector, prev, next, failure })
    if (sector === null) return
    if (next !== prev) this.events.emit('sector:state', { thread: this.index, plan, sector, prev, next })
    try {
      await this.#o.sealer.reportState(sector, {
        worker: { instance: this.#o.instance, location: this.location },
        // Event is "None" as in the original (the event is consumed before the report).
        stateChange: { prev, next, event: 'None' },
        failure,
      })
    } catch (err) {
      this.#log.debug({ err: describeError(err) }, 'ReportState failed')
    }
  }

  /** Sleeps unless paused or stopped; a pause during the sleep raises the interrupt. */
  async #interruptibleSleep(ms: number): Promise<void> {
    if (ms <= 0) return
    const signal = AbortSignal.any([this.#stop.signal, this.#pauseCtl.signal])
    try {
      await sleep(ms, undefined, { signal })
    } catch {
      // woken by pause/stop; the loop notices the flag
    }
  }

  /** A polling wait that turns a pause into the interrupt failure. */
  async #pollWait(ms: number): Promise<void> {
    await this.#interruptibleSleep(ms)
    if (this.#pausePending || this.#stopping) throw interrupted()
  }

  async #withSlot<T>(stage: WorkerStage, fn: () => Promise<T>): Promise<T> {
    let release: () => void
    try {
      release = await this.#o.limits.acquire(stage, this.#stop.signal)
    } catch (err) {
      throw asFailure('Critical', `acquiring the ${stage} slot failed`, err)
    }
    try {
      return await fn()
    } finally {
      release()
    }
  }

  async #withGpu<T>(stage: GpuStage, fn: () => Promise<T>): Promise<T> {
    let release: () => void = () => {}
    try {
      if (this.#o.gpus !== undefined) release = await this.#o.gpus.acquireAll(stage, this.#stop.signal)
    } catch (err) {
      throw asFailure('Critical', `acquiring the GPU slots of ${stage} failed`, err)
    }
    try {
      return await fn()
    } finally {
      release()
    }
  }

  async #runStage<S extends SealStage>(
    stage: S,
    req: StageIo[S]['req'],
    level: FailureLevel = 'Permanent',
  ): Promise<StageIo[S]['res']> {
    try {
      return await this.#o.processor.run(stage, req, { signal: this.#stop.signal })
    } catch (err) {
      // An external child that died under the request is restarted: the step is tried again.
      if (isProcessorCrash(err)) throw temporary(`${stage} processor crashed; the step is retried`, err)
      throw asFailure(level, `${stage} processor failed`, err)
    }
  }
}
