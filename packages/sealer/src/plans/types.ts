/**
 * What a plan is: a state machine over the shared on-disk states, a table of step handlers (one
 * per state) and what its first step asks the manager for. The thread runtime (`thread.ts`) runs
 * any plan; a handler sees the world only through its {@link StepContext}.
 */
import type { GpuStage, Logger, ProofsBackend, WorkerSealingConfig, WorkerStage } from '@venus-cluster/core'
import type { FailureLevel } from '../failure.js'
import type { SectorPaths } from '../paths.js'
import type { AttachedStore, FreeSpaceFn } from '../persist.js'
import type { PieceFetcher } from '../piece-fetch.js'
import type { SealStage, StageIo } from '../processors.js'
import type { SectorRecord } from '../record.js'
import type { SealerClient } from '../sealer-client.js'
import type { SealingState } from '../states.js'

/**
 * Everything a step handler may use. The runtime builds one per step; nothing else of the
 * thread is reachable from a handler, so a handler is a function of its context.
 */
export interface StepContext {
  /** The thread running the step. */
  readonly thread: { readonly index: number; readonly location: string; readonly instance: string }
  /**
   * The record of this step, a draft: what the handler writes into it is saved together with the
   * state its event leads to, and dropped when the step fails.
   */
  readonly record: SectorRecord
  /** The sector manager (`Venus.*`). */
  readonly manager: SealerClient
  /** The in-process proofs backend (add-piece, CommD, clear-cache). */
  readonly proofs: ProofsBackend
  /** The thread's `[sealing]` settings. */
  readonly sealing: Readonly<WorkerSealingConfig>
  /** The attached (persist) stores, and how their free space is measured. */
  readonly stores: {
    readonly attached: readonly AttachedStore[]
    readonly freeSpace: FreeSpaceFn | undefined
  }
  /** Fetches deal pieces through the manager; undefined unless `[sealing] enable_deals`. */
  readonly pieceFetcher: PieceFetcher | undefined
  /** Prebuilt CC tree_d files by sector size name (`"2KiB"`). */
  readonly staticTreeD: Readonly<Record<string, string>>
  /** Wait before submitting again after an on-chain `Failed`. */
  readonly resubmitWaitMs: number
  /** The thread's logger (every line carries `thread`). */
  readonly log: Logger
  /** Aborted when the worker stops: pass it to every long call. */
  readonly signal: AbortSignal
  /** The paths of the record's sector in the thread's store. */
  paths(): SectorPaths
  /** Runs `fn` holding a slot of `stage` (`[processors.limit]`, `[processors.limitation.staggered]`). */
  withSlot<T>(stage: WorkerStage, fn: () => Promise<T>): Promise<T>
  /**
   * Runs `fn` in this process holding the slots of a GPU stage on every worker GPU
   * (`[processors.gpu]`): for GPU work a plan does itself rather than through {@link runStage}
   * (a WindowPoSt). Without GPUs it just runs `fn`.
   */
  withGpu<T>(stage: GpuStage, fn: () => Promise<T>): Promise<T>
  /**
   * Runs a compute stage on the processors (in process, worker-thread pool or external child);
   * a GPU stage takes its GPU slots around the computation. A failure of the computation is
   * thrown at `opts.failure` (default Permanent); an external child that died under the request
   * is always Temporary (the child is restarted and the step retried).
   */
  runStage<S extends SealStage>(
    stage: S,
    req: StageIo[S]['req'],
    opts?: { failure?: FailureLevel },
  ): Promise<StageIo[S]['res']>
  /**
   * Saves the draft now, before the step ends, so a later try resumes from it (an allocation the
   * manager made). Throws a Critical failure when the record cannot be written.
   */
  checkpoint(): Promise<void>
  /** Sleeps; a pause or a stop ends the sleep early, without an error. */
  sleep(ms: number): Promise<void>
  /** A polling wait: sleeps, then throws the interrupt failure when a pause or a stop came. */
  pollWait(ms: number): Promise<void>
  /** Throws the interrupt failure when a pause or a stop is pending. */
  throwIfInterrupted(): void
}

/**
 * The handler of one state: does the work of the step and returns the event it ends with, or
 * `null` when there was nothing to do now (the thread comes back to the same state). A thrown
 * `SealingFailure` says how the runtime reacts (retry, pause, abort); any other error counts as
 * Permanent.
 */
export type StepHandler<E extends string = string> = (ctx: StepContext) => Promise<E | null>

/** How a plan's task ended, for {@link Plan.finish}. */
export type PlanOutcome = { state: 'Finished' } | { state: 'Aborted'; reason: string }

/**
 * A plan: what a sealing thread configured with `plan = "<name>"` does. Every plan ends its
 * tasks in `Finished` or `Aborted`; the runtime then calls {@link Plan.finish}, wipes the
 * store's `data/` and starts again from {@link Plan.initial}.
 *
 * @example
 * ```ts
 * const plans = new PlanRegistry([sealerPlan, myRebuildPlan])
 * createSealingWorker({ config, proofs, plans })
 * ```
 */
export interface Plan<E extends string = string> {
  /** The name `[[sealing_thread]] plan` gives (`"sealer"`, `"snapup"`, …). */
  readonly name: string
  /** One line: what a thread of this plan does. */
  readonly description: string
  /** The plan's states, from the shared on-disk enum `SEALING_STATES`; `Finished` and `Aborted` included. */
  readonly states: readonly SealingState[]
  /**
   * The initial step: the state of a thread with no task, and the manager method its handler
   * calls to get one (a sector to seal, a snap-up candidate, a rebuild task, a PoSt job).
   */
  readonly initial: { readonly state: SealingState; readonly asks: string }
  /** One handler per state that is not terminal; the initial state's handler asks for work. */
  readonly steps: Readonly<Partial<Record<SealingState, StepHandler<E>>>>
  /** The transition table: the state `event` leads to from `state` (pure; throws when not allowed). */
  next(state: SealingState, event: E): SealingState
  /** The processor stages the plan runs: the `[processors.limit]` names it takes slots of. */
  readonly stages: readonly WorkerStage[]
  /** Tells the manager the task ended (the record is still there; the store is wiped after). */
  finish(ctx: StepContext, outcome: PlanOutcome): Promise<void>
  /**
   * Whether the thread rests `seal_interval` after a task before asking for the next (default
   * true: it spaces out sector starts). A plan whose tasks are deadline-bound (PoSt jobs) says
   * false: its initial step already idles `recover_interval` when there is no work.
   */
  readonly restsBetweenTasks?: boolean
}
