/**
 * One sealing thread: owns one sealing store, takes one sector at a time from
 * the manager and drives it through the state machine, persisting the record after every step
 * so a killed worker resumes the same sector at the same step.
 */
import { open, readdir, rm, symlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  makeDirs,
  OnChainState,
  type ProofsBackend,
  type ProofsPieceInfo,
  proverId,
  sealProofFacts,
  silentLogger,
  VenusError,
  type WireDeal,
  type WorkerSealingConfig,
  zeroCommitment,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import {
  abort,
  asFailure,
  critical,
  describeError,
  interrupted,
  onChainFailure,
  permanent,
  SealingFailure,
  submitFailure,
  temporary,
} from './failure.js'
import type { SlotPool } from './limits.js'
import { type SectorPaths, sectorPaths } from './paths.js'
import { type AttachedStore, type FreeSpaceFn, persistSectorFiles, pickPersistStore } from './persist.js'
import { type SealStage, type StageIo, type StageProcessor, TREE_D_FILE } from './processors.js'
import { emptySectorRecord, type SectorRecord, SectorRecordStore } from './record.js'
import type { SealerClient } from './sealer-client.js'
import { openSealingStore } from './sealing-store.js'
import {
  isTerminalState,
  nextSealingState,
  SEALING_STATES,
  type SealingEvent,
  type SealingState,
} from './states.js'

/** A pino-compatible logger (only the methods the sealer uses). */
export interface SealerLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Fetches a deal's piece payload (through the manager's piece proxy). */
export type PieceFetcher = (pieceCid: string, payloadSize: number, signal: AbortSignal) => Promise<Uint8Array>

/** What a thread reports after each step (for tests and metrics). */
export interface ThreadStepEvent {
  index: number
  sector: string | null
  prev: SealingState
  next: SealingState
  failure: { level: string; desc: string } | null
}

/** Options of {@link SealingThread}. */
export interface SealingThreadOptions {
  index: number
  location: string
  sealing: WorkerSealingConfig
  /** The worker's instance name (ReportState `Worker.Instance`). */
  instance: string
  sealer: SealerClient
  processor: StageProcessor
  /** In-process backend for add-piece, CommD and clear-cache. */
  proofs: ProofsBackend
  limits: SlotPool
  attached: readonly AttachedStore[]
  freeSpace?: FreeSpaceFn
  /** Present only when the global `[sealing] enable_deals` is on. */
  pieceFetcher?: PieceFetcher | undefined
  /** Sector size string (`"2KiB"`) → prebuilt CC tree_d file. */
  staticTreeD?: Record<string, string>
  /** fsync the record on every step (default true); see {@link SectorRecordStore}. */
  recordSync?: boolean
  /** Wait before re-submitting after an on-chain `Failed` (default 30 s). */
  resubmitWaitMs?: number
  /**
   * A thread paused by a failure that may go away on its own (a manager unreachable for longer
   * than `max_retries × recover_interval`, a store not usable yet) checks again after
   * `recover_interval`, doubling up to `maxMs` (default 10 min); `false` waits for an operator.
   * Permanent and critical failures of a step always wait for an operator.
   */
  autoResume?: false | { maxMs?: number }
  log?: SealerLogger
  onStep?: (e: ThreadStepEvent) => void
}

/** `WorkerList` entry of a thread (snake_case as the original). */
export interface SealingThreadInfo {
  location: string
  sector_id: string | null
  index: number
  paused: boolean
  paused_elapsed: string | null
  state: SealingState
  last_error: string | null
}

type StepResult = { event: SealingEvent; none?: false } | { none: true }

const SIZE_NAMES: Record<number, string> = {
  2048: '2KiB',
  [8 << 20]: '8MiB',
  [512 << 20]: '512MiB',
  [32 * 2 ** 30]: '32GiB',
  [64 * 2 ** 30]: '64GiB',
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

function unb64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'))
}

function unpadded(padded: number): number {
  return padded - padded / 128
}

/**
 * A sealing thread. `start()` runs its loop in the background; `stop()` interrupts it at the
 * next step boundary (running processor calls are aborted; their step re-runs on restart).
 *
 * @example
 * ```ts
 * const t = new SealingThread({ index: 0, location: '/store1', sealing, instance: 'w1', sealer, processor, proofs, limits, attached })
 * t.start()
 * t.pause() // at the next step boundary
 * t.resume('TreeDBuilt')
 * ```
 */
export class SealingThread {
  readonly index: number
  readonly location: string
  readonly #o: SealingThreadOptions
  readonly #records: SectorRecordStore
  readonly #log: SealerLogger
  readonly #stop = new AbortController()
  #pauseCtl = new AbortController()
  #pausePending = false
  #resumeWaiter: ((state: SealingState | null) => void) | undefined
  #pausedAt: number | undefined
  #lastError: string | null = null
  /** Automatic resumes since the last step that succeeded: the exponent of the backoff. */
  #autoResumes = 0
  #rec: SectorRecord = emptySectorRecord()
  #loop: Promise<void> | undefined

  constructor(options: SealingThreadOptions) {
    this.#o = options
    this.index = options.index
    // Absolute: the tree_d symlink's target and the location sent to the manager must not depend
    // on the working directory.
    this.location = resolve(options.location)
    this.#records = new SectorRecordStore(this.location, { sync: options.recordSync ?? true })
    this.#log = options.log ?? silentLogger
  }

  /** Starts the loop; resolves at once. */
  start(): void {
    this.#loop ??= this.#run().catch((err) => {
      this.#log.error({ thread: this.index, err: describeError(err) }, 'sealing thread crashed')
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

  /** Resumes a paused thread, optionally into `state`; false when it is not paused. */
  resume(state: SealingState | null = null): boolean {
    const w = this.#resumeWaiter
    if (w === undefined) return false
    this.#resumeWaiter = undefined
    w(state)
    return true
  }

  /** The `WorkerList` view of this thread. */
  info(): SealingThreadInfo {
    const a = this.#rec.base?.allocated.ID
    const paused = this.#resumeWaiter !== undefined
    return {
      location: this.location,
      sector_id: a === undefined ? null : `m-${a.Miner}-s-${a.Number}`,
      index: this.index,
      paused,
      paused_elapsed:
        paused && this.#pausedAt !== undefined
          ? `${((Date.now() - this.#pausedAt) / 1000).toFixed(1)}s`
          : null,
      state: SEALING_STATES[this.#rec.state] ?? 'Empty',
      last_error: this.#lastError,
    }
  }

  // ------------------------------------------------------------------ loop

  get #stopping(): boolean {
    return this.#stop.signal.aborted
  }

  async #run(): Promise<void> {
    for (;;) {
      try {
        await openSealingStore(this.location)
        this.#rec = (await this.#records.load()) ?? emptySectorRecord()
        break
      } catch (err) {
        // Nothing is lost: the thread waits (for resume, or checks again later), then opens it again.
        const f = asFailure('Critical', `sealing store ${this.location} cannot be used`, err)
        this.#log.error({ thread: this.index, err: f.describe() }, 'sealing store cannot be used')
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
        if (ok) await this.#interruptibleSleep(this.#o.sealing.sealIntervalMs)
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
    let res: StepResult
    try {
      res = await this.#handle(prev, draft)
    } catch (err) {
      const f = asFailure('Permanent', `${prev} failed`, err)
      await this.#onFailure(prev, f)
      return
    }
    if (res.none === true) return
    let next: SealingState
    try {
      next = nextSealingState(prev, res.event)
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

  async #onFailure(prev: SealingState, f: SealingFailure): Promise<void> {
    if (f.interrupt && this.#stopping) return
    await this.#report(prev, prev, f)
    // `failureLevel`, not `level`: pino writes its own numeric `level` on every line.
    this.#log.warn(
      { thread: this.index, state: prev, failureLevel: f.level, err: f.describe() },
      'sealing step failed',
    )
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
        ;(rec as SectorRecord & { abort_reason?: string }).abort_reason = f.describe()
        try {
          await this.#records.save(rec)
          this.#rec = rec
        } catch (err) {
          await this.#waitForResume(critical('writing the sector record failed', err))
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
      { thread: this.index, err: this.#lastError, ...(delay === undefined ? {} : { autoResumeInMs: delay }) },
      delay === undefined
        ? 'sealing thread paused, waiting for resume'
        : 'sealing thread paused; it tries again on its own',
    )
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
      const loaded = await this.#records.load()
      const rec = loaded ?? emptySectorRecord()
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
    this.#log.info({ thread: this.index, state }, 'sealing thread resumed')
  }

  async #finalize(state: SealingState): Promise<boolean> {
    const id = this.#rec.base?.allocated.ID
    try {
      if (id !== undefined) {
        try {
          if (state === 'Finished') await this.#o.sealer.reportFinalized(id)
          else {
            const reason =
              (this.#rec as SectorRecord & { abort_reason?: string }).abort_reason ?? 'aborted by worker'
            await this.#o.sealer.reportAborted(id, reason)
          }
        } catch (err) {
          // A record already moved offline (repeated report after a crash) counts as done.
          if (!(err instanceof SealingFailure && err.level === 'Abort')) throw err
        }
      }
      const data = join(this.location, 'data')
      await rm(data, { recursive: true, force: true })
      await makeDirs(data)
      await this.#records.remove()
      this.#log.info({ thread: this.index, sector: id, state }, 'sector done')
      this.#rec = emptySectorRecord()
      return true
    } catch (err) {
      await this.#onFailure(state, asFailure('Temporary', 'finalizing the sector failed', err))
      return false
    }
  }

  async #report(prev: SealingState, next: SealingState, f: SealingFailure | null): Promise<void> {
    const id = this.#rec.base?.allocated.ID
    const failure = f === null ? null : { Level: f.level, Desc: f.describe() }
    this.#o.onStep?.({
      index: this.index,
      sector: id === undefined ? null : `m-${id.Miner}-s-${id.Number}`,
      prev,
      next,
      failure: failure === null ? null : { level: failure.Level, desc: failure.Desc },
    })
    if (id === undefined) return
    try {
      await this.#o.sealer.reportState(id, {
        Worker: { Instance: this.#o.instance, Location: this.location },
        // Event is "None" as in the original (the event is consumed before the report).
        StateChange: { Prev: prev, Next: next, Event: 'None' },
        Failure: failure,
      })
    } catch (err) {
      this.#log.debug({ thread: this.index, err: describeError(err) }, 'ReportState failed')
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

  async #withSlot<T>(stage: SealStage, fn: () => Promise<T>): Promise<T> {
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

  async #runStage<S extends SealStage>(stage: S, req: StageIo[S]['req']): Promise<StageIo[S]['res']> {
    try {
      return await this.#o.processor.run(stage, req, { signal: this.#stop.signal })
    } catch (err) {
      throw asFailure('Permanent', `${stage} processor failed`, err)
    }
  }

  // ------------------------------------------------------------------ handlers

  #need<T>(v: T | null | undefined, field: string): T {
    if (v === null || v === undefined) throw abort(`record field ${field} is required in this state`)
    return v
  }

  #paths(rec: SectorRecord): SectorPaths {
    return sectorPaths(this.location, this.#need(rec.base, 'base').allocated.ID)
  }

  #pieces(rec: SectorRecord): ProofsPieceInfo[] {
    return this.#need(rec.phases.pieces, 'phases.pieces').map((p) => ({
      commP: unb64(p.commitment),
      paddedSize: p.size,
    }))
  }

  async #handle(state: SealingState, rec: SectorRecord): Promise<StepResult> {
    switch (state) {
      case 'Empty':
        return this.#allocate(rec)
      case 'Allocated': {
        const id = this.#need(rec.base, 'base').allocated.ID
        rec.deals = this.#o.sealing.enableDeals
          ? await this.#o.sealer.acquireDeals(id, { MaxDeals: this.#o.sealing.maxDeals ?? null })
          : null
        return { event: 'AcquireDeals' }
      }
      case 'DealsAcquired':
        return this.#addPieces(rec)
      case 'PieceAdded':
        return this.#buildTreeD(rec)
      case 'TreeDBuilt':
        return { event: 'AssignTicket' }
      case 'TicketAssigned':
        return this.#pc1(rec)
      case 'PC1Done':
        return this.#pc2(rec)
      case 'PC2Done':
        return this.#submitPreCommit(rec)
      case 'PCSubmitted':
        return this.#pollPreCommit(rec)
      case 'PCLanded':
        return this.#persist(rec)
      case 'Persisted': {
        const id = this.#need(rec.base, 'base').allocated.ID
        const inst = this.#need(rec.phases.persist_instance, 'phases.persist_instance')
        const ok = await this.#o.sealer.submitPersisted(id, inst)
        if (!ok) throw permanent(`sector persisted to ${inst} but the manager cannot see the files`)
        return { event: 'SubmitPersistance' }
      }
      case 'PersistanceSubmitted':
        return this.#waitSeed(rec)
      case 'SeedAssigned':
        return this.#c1(rec)
      case 'C1Done':
        return this.#withSlot('c2', async () => {
          const base = this.#need(rec.base, 'base')
          const proof = await this.#runStage('c2', {
            phase1Output: unb64(this.#need(rec.phases.c1out, 'phases.c1out')),
            proverId: unb64(base.prove_input[0]),
            sectorNumber: base.prove_input[1],
          })
          rec.phases.c2out = { proof: b64(proof) }
          return { event: 'C2' as const }
        })
      case 'C2Done':
        return this.#submitProof(rec)
      case 'ProofSubmitted':
        return this.#pollProof(rec)
      default:
        throw abort(`unexpected state ${state} for the sealer plan`)
    }
  }

  async #allocate(rec: SectorRecord): Promise<StepResult> {
    const s = this.#o.sealing
    // A number allocated by an earlier try whose directories could not be made: use it again
    // rather than leave it unclaimed on the manager.
    const earlier = rec.base?.allocated
    if (earlier !== undefined) {
      this.#log.info(
        { thread: this.index, sector: earlier.ID },
        'continuing with the sector allocated before',
      )
      return this.#makeSectorDirs(earlier)
    }
    const proofTypes =
      s.allowedSizes === undefined
        ? null
        : s.allowedSizes.map((size) => {
            const id = [5, 6, 7, 8, 9].find((p) => sealProofFacts(p).sectorSize === size)
            if (id === undefined) throw permanent(`allowed size ${size} is not a sector size`)
            return id
          })
    let got: Awaited<ReturnType<SealerClient['allocateSector']>>
    try {
      got = await this.#o.sealer.allocateSector({
        AllowedMiners: s.allowedMiners ?? null,
        AllowedProofTypes: proofTypes,
      })
    } catch (err) {
      // As the original: a failed allocation is retried forever (manager not up yet, ...), it
      // spends no retry budget and never pauses the thread.
      this.#log.warn({ thread: this.index, err: describeError(err) }, 'AllocateSector failed; retrying')
      got = null
    }
    if (got === null) {
      // Nothing to seal now: poll again after recover_interval (not a failure).
      await this.#interruptibleSleep(s.recoverIntervalMs)
      return { none: true }
    }
    rec.base = {
      allocated: got,
      prove_input: [b64(proverId(got.ID.Miner)), got.ID.Number],
    }
    // The allocation is recorded before anything else can fail, so a later try resumes it.
    try {
      await this.#records.save(rec)
      this.#rec = structuredClone(rec)
    } catch (err) {
      // Not recorded, so never resumed: tell the manager at once, so the number does not wait
      // for its unclaimed-allocation sweep.
      const reason = `worker ${this.#o.instance} could not record the allocation: ${describeError(err)}`
      await this.#o.sealer.reportAborted(got.ID, reason).catch((e) => {
        this.#log.warn({ thread: this.index, sector: got.ID, err: describeError(e) }, 'ReportAborted failed')
      })
      throw critical('writing the sector record failed', err)
    }
    this.#log.info({ thread: this.index, sector: got.ID }, 'sector allocated')
    return this.#makeSectorDirs(got)
  }

  async #makeSectorDirs(allocated: { ID: { Miner: number; Number: number } }): Promise<StepResult> {
    const p = sectorPaths(this.location, allocated.ID)
    try {
      await makeDirs(p.cache)
      await makeDirs(join(p.dataDir, 'unsealed'))
      await makeDirs(join(p.dataDir, 'sealed'))
    } catch (err) {
      throw critical('creating sector directories failed', err)
    }
    return { event: 'Allocate' }
  }

  async #addPieces(rec: SectorRecord): Promise<StepResult> {
    const base = this.#need(rec.base, 'base')
    const proofType = base.allocated.ProofType
    const { sectorSize } = sealProofFacts(proofType)
    const p = this.#paths(rec)
    const deals: WireDeal[] = rec.deals ?? []
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
      return { event: 'AddPiece' }
    }
    const pieces: { commitment: string; size: number }[] = []
    const existing: number[] = []
    for (const deal of deals) {
      const size = unpadded(deal.Piece.Size)
      let source: Uint8Array
      if (deal.ID === 0) {
        source = new Uint8Array(0)
      } else {
        const fetch = this.#o.pieceFetcher
        if (fetch === undefined)
          throw permanent('piece store is required (global [sealing] enable_deals is off)')
        if (deal.PayloadSize > size) throw permanent(`deal ${deal.ID}: payload is larger than the piece`)
        try {
          source = await fetch(deal.Piece.Cid['/'], deal.PayloadSize, this.#stop.signal)
        } catch (err) {
          throw asFailure('Permanent', `fetching piece ${deal.Piece.Cid['/']} failed`, err)
        }
      }
      let added: Awaited<ReturnType<ProofsBackend['addPiece']>>
      try {
        added = await this.#o.proofs.addPiece(
          { proofType, source, unpaddedSize: size, stagedPath: p.staged, existingPieceSizes: existing },
          { signal: this.#stop.signal },
        )
      } catch (err) {
        throw asFailure('Permanent', `writing piece of deal ${deal.ID} failed`, err)
      }
      if (deal.ID !== 0) {
        let want: Uint8Array | undefined
        try {
          want = CID.parse(deal.Piece.Cid['/']).multihash.digest
        } catch {}
        if (want !== undefined && Buffer.compare(Buffer.from(want), Buffer.from(added.piece.commP)) !== 0) {
          throw permanent(`deal ${deal.ID}: piece data does not match its CID ${deal.Piece.Cid['/']}`)
        }
      }
      existing.push(size)
      pieces.push({ commitment: b64(added.piece.commP), size: added.piece.paddedSize })
    }
    rec.phases.pieces = pieces
    return { event: 'AddPiece' }
  }

  async #buildTreeD(rec: SectorRecord): Promise<StepResult> {
    const base = this.#need(rec.base, 'base')
    const p = this.#paths(rec)
    const pieces = this.#pieces(rec)
    return this.#withSlot('tree_d', async () => {
      const out = join(p.prepared, TREE_D_FILE)
      try {
        await makeDirs(p.prepared)
        await rm(out, { force: true })
      } catch (err) {
        throw critical('preparing the tree_d directory failed', err)
      }
      const sizeName = SIZE_NAMES[sealProofFacts(base.allocated.ProofType).sectorSize] ?? ''
      const staticFile = this.#o.staticTreeD?.[sizeName]
      if ((rec.deals ?? []).length === 0 && staticFile !== undefined) {
        try {
          // Absolute target: a relative one would be read relative to the link's directory.
          await symlink(resolve(staticFile), out)
        } catch (err) {
          throw critical(`linking static tree_d ${staticFile} failed`, err)
        }
      } else {
        await this.#runStage('tree_d', {
          proofType: base.allocated.ProofType,
          stagedPath: p.staged,
          outDir: p.prepared,
          pieces,
        })
      }
      return { event: 'BuildTreeD' as const }
    })
  }

  async #pc1(rec: SectorRecord): Promise<StepResult> {
    const base = this.#need(rec.base, 'base')
    const p = this.#paths(rec)
    const pieces = this.#pieces(rec)
    // The PC1 slot is taken before the ticket is asked for, so queued sectors hold no stale ticket.
    return this.#withSlot('pc1', async () => {
      const ticket = await this.#o.sealer.assignTicket(base.allocated.ID)
      const t = unb64(ticket.Ticket)
      if (t.length !== 32) throw temporary(`ticket is ${t.length} bytes, not 32`)
      try {
        await rm(p.cache, { recursive: true, force: true })
        await makeDirs(p.cache)
        const fh = await open(p.sealed, 'w')
        await fh.close()
        await symlink(join(p.prepared, TREE_D_FILE), join(p.cache, TREE_D_FILE))
      } catch (err) {
        throw critical('preparing the cache directory failed', err)
      }
      const out = await this.#runStage('pc1', {
        proofType: base.allocated.ProofType,
        cacheDir: p.cache,
        stagedPath: p.staged,
        sealedPath: p.sealed,
        proverId: unb64(base.prove_input[0]),
        sectorNumber: base.prove_input[1],
        ticket: t,
        pieces,
      })
      rec.phases.ticket = ticket
      rec.phases.pc1out = b64(out)
      return { event: 'PC1' as const }
    })
  }

  async #pc2(rec: SectorRecord): Promise<StepResult> {
    const p = this.#paths(rec)
    const pc1out = unb64(this.#need(rec.phases.pc1out, 'phases.pc1out'))
    return this.#withSlot('pc2', async () => {
      try {
        for (const f of await readdir(p.cache)) {
          if (f === 'p_aux' || f === 't_aux' || /tree-c|tree-r-last/.test(f))
            await rm(join(p.cache, f), { force: true })
        }
      } catch (err) {
        throw critical('cleaning the cache directory failed', err)
      }
      const out = await this.#runStage('pc2', {
        phase1Output: pc1out,
        cacheDir: p.cache,
        sealedPath: p.sealed,
      })
      rec.phases.pc2out = { comm_r: b64(out.commR), comm_d: b64(out.commD) }
      return { event: 'PC2' as const }
    })
  }

  async #submitPreCommit(rec: SectorRecord): Promise<StepResult> {
    const base = this.#need(rec.base, 'base')
    const out = this.#need(rec.phases.pc2out, 'phases.pc2out')
    const r = await this.#o.sealer.submitPreCommit(
      base.allocated,
      {
        CommR: [...unb64(out.comm_r)],
        CommD: [...unb64(out.comm_d)],
        Ticket: this.#need(rec.phases.ticket, 'phases.ticket'),
        Deals: (rec.deals ?? []).map((d) => d.ID),
      },
      rec.phases.pc2_re_submit,
    )
    // Rejected (expired ticket, bad deals) aborts the sector as in v0.3.
    const failed = submitFailure('pre commit', r)
    if (failed !== undefined) throw failed
    rec.phases.pc2_re_submit = false
    return { event: 'SubmitPC' }
  }

  async #pollOnChain(
    poll: () => Promise<{ State: number; Desc: string | null }>,
    what: 'pre commit' | 'proof',
  ): Promise<'landed' | 'resubmit'> {
    for (;;) {
      if (this.#pausePending || this.#stopping) throw interrupted()
      const r = await poll()
      switch (r.State) {
        case OnChainState.Landed:
          return 'landed'
        case OnChainState.Pending:
        case OnChainState.Packed:
          await this.#pollWait(this.#o.sealing.rpcPollingIntervalMs)
          break
        case OnChainState.Failed:
          this.#log.warn(
            { thread: this.index, desc: r.Desc },
            `${what} on-chain info failed; submitting again`,
          )
          await this.#pollWait(this.#o.resubmitWaitMs ?? 30_000)
          return 'resubmit'
        default:
          throw onChainFailure(what, r)
      }
    }
  }

  async #pollPreCommit(rec: SectorRecord): Promise<StepResult> {
    const id = this.#need(rec.base, 'base').allocated.ID
    const r = await this.#pollOnChain(() => this.#o.sealer.pollPreCommitState(id), 'pre commit')
    if (r === 'resubmit') {
      rec.phases.pc2_re_submit = true
      return { event: 'ReSubmitPC' }
    }
    return { event: 'CheckPC' }
  }

  async #persist(rec: SectorRecord): Promise<StepResult> {
    const base = this.#need(rec.base, 'base')
    const p = this.#paths(rec)
    const { sectorSize } = sealProofFacts(base.allocated.ProofType)
    const store = await pickPersistStore(this.#o.attached, sectorSize, this.#o.freeSpace)
    await persistSectorFiles(p.dataDir, store, p.name)
    rec.phases.persist_instance = store.name
    return { event: 'Persist' }
  }

  async #waitSeed(rec: SectorRecord): Promise<StepResult> {
    const id = this.#need(rec.base, 'base').allocated.ID
    for (;;) {
      if (this.#pausePending || this.#stopping) throw interrupted()
      const r = await this.#o.sealer.waitSeed(id)
      if (r.Seed !== null) {
        if (unb64(r.Seed.Seed).length !== 32) throw temporary('seed is not 32 bytes')
        rec.phases.seed = r.Seed
        return { event: 'AssignSeed' }
      }
      if (!r.ShouldWait || r.Delay <= 0) throw temporary('WaitSeed returned no seed and no delay')
      // Capped by rpc_polling_interval so that short test chains are not slept past.
      await this.#pollWait(Math.min(r.Delay * 1000, this.#o.sealing.rpcPollingIntervalMs))
    }
  }

  async #c1(rec: SectorRecord): Promise<StepResult> {
    const base = this.#need(rec.base, 'base')
    const p = this.#paths(rec)
    const out = this.#need(rec.phases.pc2out, 'phases.pc2out')
    const pieces = this.#pieces(rec)
    return this.#withSlot('c1', async () => {
      const c1 = await this.#runStage('c1', {
        proofType: base.allocated.ProofType,
        cacheDir: p.cache,
        sealedPath: p.sealed,
        proverId: unb64(base.prove_input[0]),
        sectorNumber: base.prove_input[1],
        ticket: unb64(this.#need(rec.phases.ticket, 'phases.ticket').Ticket),
        seed: unb64(this.#need(rec.phases.seed, 'phases.seed').Seed),
        commR: unb64(out.comm_r),
        commD: unb64(out.comm_d),
        pieces,
      })
      rec.phases.c1out = b64(c1)
      return { event: 'C1' as const }
    })
  }

  async #submitProof(rec: SectorRecord): Promise<StepResult> {
    const id = this.#need(rec.base, 'base').allocated.ID
    const proof = this.#need(rec.phases.c2out, 'phases.c2out').proof
    const r = await this.#o.sealer.submitProof(id, proof, rec.phases.c2_re_submit)
    const failed = submitFailure('proof', r)
    if (failed !== undefined) throw failed
    rec.phases.c2_re_submit = false
    return { event: 'SubmitProof' }
  }

  async #pollProof(rec: SectorRecord): Promise<StepResult> {
    const base = this.#need(rec.base, 'base')
    if (!this.#o.sealing.ignoreProofCheck) {
      const r = await this.#pollOnChain(() => this.#o.sealer.pollProofState(base.allocated.ID), 'proof')
      if (r === 'resubmit') {
        rec.phases.c2_re_submit = true
        return { event: 'ReSubmitProof' }
      }
    }
    const p = this.#paths(rec)
    try {
      await this.#o.proofs.clearCache({
        sectorSize: sealProofFacts(base.allocated.ProofType).sectorSize,
        cacheDir: p.cache,
      })
    } catch (err) {
      throw temporary('clearing the cache failed', err)
    }
    return { event: 'Finish' }
  }
}
