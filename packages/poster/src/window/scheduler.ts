/**
 * `WindowPoStScheduler`: WindowPoSt for one miner, composed of a {@link HeadFollower}, a
 * {@link DeadlineScheduler}, a {@link DeadlineProver}, a {@link DeadlineSubmitter} and the fault
 * and recovery {@link Declarations}. This file only wires them together and owns the lifecycle.
 */
import {
  type ChainClient,
  type Logger,
  type ProofsBackend,
  pickRichestSender,
  type Startable,
  silentLogger,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import { type WindowPoStConfig, windowPoStConfig } from '../config.js'
import {
  emitWindowPoStEvent,
  logWindowPoStEvent,
  type WindowPoStEvent,
  type WindowPoStEvents,
} from '../events.js'
import type { SectorLocator } from '../locator.js'
import { chainLookup, mpoolSender, type PoStLookup, type PoStSender } from '../messages.js'
import { errMsg } from '../util.js'
import { DeadlineScheduler } from './deadline-scheduler.js'
import { Declarations } from './declarations.js'
import { HeadFollower } from './head-follower.js'
import { type DeadlineLeases, soleLeases } from './leases.js'
import { readMinerIdentity } from './miner.js'
import {
  DeadlineProver,
  localWindowPoSt,
  type SimulateOptions,
  type SimulateResult,
  type WindowPoStComputer,
} from './prover.js'
import { DeadlineSubmitter } from './submitter.js'
import type { MinerIdentity } from './types.js'

/** Options of {@link WindowPoStScheduler}. */
export interface WindowPoStSchedulerOptions {
  /** Miner address (`t01000`). */
  miner: string
  chain: ChainClient
  /** Checks sectors and verifies each proof; also computes them unless `compute` is given. */
  proofs: ProofsBackend
  locate: SectorLocator
  config?: Partial<WindowPoStConfig>
  /** Defaults to `MpoolPushMessage` on `chain`. */
  send?: PoStSender
  /** Reads what `send` returned; defaults to `StateSearchMsg` on `chain` (ids are CIDs). */
  lookup?: PoStLookup
  /** Computes each batch's proof (default: `localWindowPoSt(proofs)`). */
  compute?: WindowPoStComputer
  /** Who may prove which deadline (default: this scheduler proves them all). */
  leases?: DeadlineLeases
  /** Where events go (default: a new emitter); pass one to share it between schedulers. */
  events?: TypedEmitter<WindowPoStEvents>
  /** Events are logged here too, by level (default: nothing is logged). */
  logger?: Logger
  /** Stops the scheduler when aborted. */
  signal?: AbortSignal
}

/**
 * WindowPoSt for one miner: follows `ChainNotify`, proves each deadline once its challenge is
 * `challengeConfidence` epochs deep, checks sector files first (bad ones skipped), verifies the
 * proof, submits after `Open + submitConfidence`, retries while the window is open, declares
 * recoveries (and optionally faults) for deadline index + 2, and resets a deadline when a reorg
 * reverts below its `Open`. Progress is reported on {@link WindowPoStScheduler.events}.
 *
 * @example
 * ```ts
 * const s = new WindowPoStScheduler({ miner: 't01000', chain, proofs, locate: dirLocator('/store') })
 * s.events.on('deadline-proven', (e) => console.log(`deadline ${e.deadline} proven`))
 * await s.start()
 * // ...
 * await s.stop()
 * ```
 */
export class WindowPoStScheduler implements Startable {
  readonly miner: string
  readonly config: WindowPoStConfig
  /** The scheduler's events, by type (`on('landed', …)`; `onAnyWindowPoStEvent` for all). */
  readonly events: TypedEmitter<WindowPoStEvents>
  readonly #chain: ChainClient
  readonly #logger: Logger
  readonly #follower: HeadFollower
  readonly #deadlines: DeadlineScheduler
  readonly #prover: DeadlineProver
  readonly #inflight = new Set<Promise<unknown>>()
  #identity: MinerIdentity | undefined
  #controller: AbortController | undefined

  constructor(opts: WindowPoStSchedulerOptions) {
    this.miner = opts.miner
    this.config = windowPoStConfig(opts.config)
    this.#chain = opts.chain
    this.#logger = opts.logger ?? silentLogger
    this.events =
      opts.events ??
      new TypedEmitter<WindowPoStEvents>({
        onListenerError: (err, event) =>
          this.#logger.warn(
            { miner: this.miner, event, err: errMsg(err) },
            'a WindowPoSt event listener failed',
          ),
      })
    const send = opts.send ?? mpoolSender(opts.chain)
    const lookup = opts.lookup ?? chainLookup(opts.chain)
    const shared = {
      miner: opts.miner,
      chain: opts.chain,
      config: this.config,
      emit: (e: WindowPoStEvent) => this.#emit(e),
      identity: () => this.#identityOrThrow(),
      // With several senders, each message goes from the one with the most funds.
      sender: async () => {
        const id = this.#identityOrThrow()
        const got = await pickRichestSender(
          id.senders,
          (a) => opts.chain.walletBalance(a),
          this.config.maxFee,
        )
        return got?.address ?? id.sender
      },
    }
    this.#prover = new DeadlineProver({
      ...shared,
      proofs: opts.proofs,
      compute: opts.compute ?? localWindowPoSt(opts.proofs),
      locate: opts.locate,
    })
    const leases = opts.leases ?? soleLeases()
    this.#deadlines = new DeadlineScheduler({
      ...shared,
      prover: this.#prover,
      submitter: new DeadlineSubmitter({ ...shared, send, lookup, leases }),
      declarations: new Declarations({
        ...shared,
        send,
        lookup,
        locate: opts.locate,
        proofs: opts.proofs,
        track: (p) => this.#track(p),
        signal: () => this.#controller?.signal ?? new AbortController().signal,
      }),
      leases,
      track: (p) => this.#track(p),
    })
    this.#follower = new HeadFollower({
      chain: opts.chain,
      onHead: (ts, revertHeight) => {
        this.#emit({ type: 'head', miner: this.miner, height: ts.Height })
        return this.#deadlines.onHead(ts, revertHeight)
      },
      onError: (message) => this.#emit({ type: 'error', miner: this.miner, message }),
    })
    opts.signal?.addEventListener('abort', () => void this.stop(), { once: true })
  }

  /** Highest head height fully handled. */
  get processedHeight(): number {
    return this.#follower.processedHeight
  }

  /** Reads the miner info (fails when the miner is unknown) and subscribes to head changes. */
  async start(): Promise<void> {
    if (this.#controller) return
    await this.#init()
    this.#controller = new AbortController()
    this.#follower.start()
  }

  /** Stops following the chain, aborts running proofs and gives up the deadline leases. */
  async stop(): Promise<void> {
    const c = this.#controller
    if (!c) return
    this.#controller = undefined
    c.abort()
    await this.#follower.stop()
    // The head being handled finishes first, so that no job it starts escapes the abort.
    await this.#follower.idle()
    await this.#deadlines.abortAll()
    await this.settled()
  }

  /**
   * Resolves when the head at `height` (default: any seen) has been handled and no proof,
   * submission or declaration is running. For tests and tools that mine by hand.
   */
  async settled(height = -1): Promise<void> {
    await this.#follower.reached(height)
    for (;;) {
      await this.#follower.idle()
      if (this.#inflight.size === 0) return
      await Promise.allSettled([...this.#inflight])
    }
  }

  /** The jobs known, by deadline open epoch (for the CLI and tests). */
  deadlines(): { index: number; open: number; close: number; state: string; batches: number }[] {
    return this.#deadlines.jobs().map((j) => ({
      index: j.di.Index,
      open: j.di.Open,
      close: j.di.Close,
      state: j.state,
      batches: j.batches.length,
    }))
  }

  /**
   * Proves deadline `index` now (a manual run): when it is the open deadline or the next one and
   * its challenge is drawn, a job that failed, was missed or was held by another poster starts
   * again under a fresh lease; the proof is submitted as usual. Resolves the job's state.
   *
   * @example
   * ```ts
   * await scheduler.proveNow(7) // { deadline: 7, open: 1620, state: 'proving' }
   * ```
   */
  async proveNow(index: number): Promise<{ deadline: number; open: number; state: string }> {
    if (this.#controller === undefined)
      throw new VenusError('NOT_STARTED', `WindowPoSt scheduler of ${this.miner} is not running`)
    const head = await this.#chain.chainHead()
    return this.#deadlines.proveNow(index, head)
  }

  /**
   * Generates (and verifies) the WindowPoSt of deadline `index` (default: the current one) at the
   * head without sending anything (`simulate-wdpost`). A deadline whose challenge is still ahead
   * uses the randomness of the head epoch.
   *
   * @example
   * ```ts
   * const r = await scheduler.simulate(3)
   * console.log(r.batches.map((b) => b.partitions))
   * ```
   */
  async simulate(
    index?: number,
    opts: SimulateOptions & { signal?: AbortSignal } = {},
  ): Promise<SimulateResult> {
    await this.#init()
    return this.#prover.simulate(index, opts)
  }

  async #init(): Promise<void> {
    this.#identity ??= await readMinerIdentity(
      this.#chain,
      this.miner,
      this.config.sender,
      this.config.senders,
    )
  }

  #identityOrThrow(): MinerIdentity {
    if (this.#identity === undefined)
      throw new VenusError('INTERNAL', `WindowPoSt scheduler of ${this.miner} used before start()`)
    return this.#identity
  }

  #emit(e: WindowPoStEvent): void {
    logWindowPoStEvent(this.#logger, e)
    emitWindowPoStEvent(this.events, e)
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p)
    void p.finally(() => this.#inflight.delete(p)).catch(() => {})
    return p
  }
}
