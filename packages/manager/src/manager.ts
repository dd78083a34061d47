/**
 * `SectorManager`: the façade the `Venus.*` API and the daemon use. It builds one
 * {@link ServiceContext} and the services over it — allocation, deals, randomness, checks,
 * the commit batcher, terminations, reports, the worker registry — and gives them one lifecycle,
 * one timer and one stream of events. Each service also works alone over a context.
 *
 * A new service (snap-up, PoSt jobs, leases, import) is built over `this.context` in the
 * constructor, added to the lifecycle list (start, tick, stop in order), and its events are
 * forwarded into {@link ManagerEvents}.
 */
import {
  type EpochRandomness,
  type Logger,
  type ManagerConfig,
  type ManagerConfigInit,
  managerConfig,
  type ProofsBackend,
  type SectorId,
  type SnapUpMinerInit,
  type Startable,
  TypedEmitter,
} from '@venus-cluster/core'
import { type AllocationEvents, type AllocationSpec, SectorAllocator } from './allocation/index.js'
import type { ManagerChain, ManagerMessager, ManagerNetworkParams } from './chain.js'
import { checkPreCommit, checkProof, type PreCommitSubmission, SectorFileChecks } from './checks/index.js'
import { CommitBatcher, type CommitBatcherEvents, queueCheckInterval } from './commit-batcher/index.js'
import { createServiceContext, type ServiceContext } from './context.js'
import {
  DealAssigner,
  type DealEvents,
  type DirectPieceEvents,
  type DirectPieceInput,
  DirectPieces,
  type ManagerMarket,
  PieceActivation,
  type PieceActivationOptions,
} from './deals/index.js'
import { SealRandomness } from './randomness/index.js'
import { type RepairEvents, RepairTasks, type RepairTasksOptions } from './repair/index.js'
import { type SectorReportEvents, SectorReports } from './reports/index.js'
import {
  ACCEPTED,
  type ManagedSector,
  type PollResult,
  type SectorAllocation,
  type SectorPiece,
  type SectorReport,
  type SectorTermination,
  type SeedWait,
  type SubmitResponse,
  sectorKey,
} from './sector.js'
import { SectorAdmin } from './sector-admin/index.js'
import { type SnapUpEvents, SnapUpService } from './snapup/index.js'
import type { DirectPieceFilter, DirectPieceRecord, ManagerStore, SectorMutator } from './store/types.js'
import { PersistStores, type StoreSpaceFn } from './stores/index.js'
import { type TerminationEvents, TerminationQueue } from './terminations/index.js'
import { WorkerRegistry, type WorkerRegistryOptions } from './worker-registry/index.js'

/** Every event of a {@link SectorManager}: those of its services, in one map. */
export type ManagerEvents = AllocationEvents &
  DealEvents &
  DirectPieceEvents &
  CommitBatcherEvents &
  TerminationEvents &
  SectorReportEvents &
  RepairEvents &
  SnapUpEvents

/** Options of {@link SectorManager}. */
export interface SectorManagerOptions {
  store: ManagerStore
  chain: ManagerChain
  messager: ManagerMessager
  /** The configuration: a full one, or the parts that differ from the defaults (see `managerConfig`). */
  config: ManagerConfig | ManagerConfigInit
  /**
   * Used to verify submitted proofs and aggregate them; without it proofs are not verified. When it
   * has `verifyUpdateProof`, snap-up proofs are verified too.
   */
  proofs?:
    | (Pick<ProofsBackend, 'verifySeal' | 'aggregateSealProofs'> &
        Partial<Pick<ProofsBackend, 'verifyUpdateProof'>>)
    | undefined
  /**
   * Snap-up policy overrides per miner, over the miner's `snapup` config (`[Miners.SnapUp]`);
   * without it the config decides.
   */
  snapUpPolicy?: ((miner: number) => SnapUpMinerInit | undefined) | undefined
  logger?: Logger | undefined
  /** Milliseconds clock (tests). */
  now?: (() => number) | undefined
  /** Batch checks run at least this often (ms); default the smallest configured `checkIntervalMs`. */
  tickMs?: number | undefined
  /** Where deals come from (miners with `deal.enabled`); without it every sector is CC. */
  market?: ManagerMarket | undefined
  /** See `SectorAllocatorOptions.unclaimedTimeoutMs` (default 30 min; 0 = never). */
  unclaimedTimeoutMs?: number | undefined
  /** Bounds of the worker registry (how many pinging workers, when one counts as gone). */
  workers?: Omit<WorkerRegistryOptions, 'now'> | undefined
  /** How data sectors' pieces are checked before sealing and activation (see `PieceActivation`). */
  activation?: PieceActivationOptions | undefined
  /** Bounds of the repair tasks (rebuild, unseal). */
  repair?: RepairTasksOptions | undefined
  /** Free and total bytes of a persist store (default `statfs`); replaceable to simulate a full disk. */
  storeSpace?: StoreSpaceFn | undefined
}

/** A service of the façade: what its lifecycle and timer call, in order. */
interface Part {
  start?(): Promise<void>
  stop?(): Promise<void>
  tick?(): Promise<void>
}

/**
 * The sector manager: allocation, randomness, commit checks, batching and message tracking,
 * over a {@link ManagerStore}, a chain and a messager. `Venus.*` methods wrap it
 * (see `createSealerApi`).
 *
 * @example
 * ```ts
 * const mgr = new SectorManager({ store, chain, messager, config: { miners: [defaultMinerConfig(1000, 't01000')] } })
 * mgr.on('batch:landed', (b) => console.log(b.kind, b.sectors))
 * await mgr.start()
 * const s = await mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null })
 * ```
 */
export class SectorManager extends TypedEmitter<ManagerEvents> implements Startable {
  readonly store: ManagerStore
  readonly chain: ManagerChain
  readonly messager: ManagerMessager
  /** What every service runs over (store, chain, messager, live config, logger, sector locks). */
  readonly context: ServiceContext
  /** The workers that ping or report: pinned names, bounded (see {@link WorkerRegistry}). */
  readonly workers: WorkerRegistry
  readonly allocator: SectorAllocator
  /** Checks and manifests of data sectors' pieces (shared by every activation path). */
  readonly activation: PieceActivation
  /** Pieces given to sealing without a market deal (direct data onboarding). */
  readonly direct: DirectPieces
  readonly deals: DealAssigner
  readonly randomness: SealRandomness
  readonly files: SectorFileChecks
  readonly batcher: CommitBatcher
  readonly terminations: TerminationQueue
  readonly reports: SectorReports
  /** Rebuild and unseal tasks for `rebuild` and `unseal` worker threads. */
  readonly repair: RepairTasks
  /** Snap-up (SnapDeals) of CC sectors: candidates, allocation, `ProveReplicaUpdates3` batches. */
  readonly snapup: SnapUpService
  /** Persist stores (the config's and those attached through the API) and placement. */
  readonly stores: PersistStores
  /** Operator repairs of single sectors (finalize, resend a precommit or proof, find a deal). */
  readonly admin: SectorAdmin
  #config: ManagerConfig
  readonly #proofs: SectorManagerOptions['proofs']
  readonly #tickMs: number | undefined
  readonly #parts: Part[]
  #timer: NodeJS.Timeout | undefined

  constructor(opts: SectorManagerOptions) {
    const log = opts.logger
    super({ onListenerError: (err, event) => log?.warn({ err, event }, 'event listener failed') })
    this.store = opts.store
    this.chain = opts.chain
    this.messager = opts.messager
    this.#config = managerConfig(opts.config)
    this.#proofs = opts.proofs
    this.#tickMs = opts.tickMs
    const ctx = createServiceContext({
      store: opts.store,
      chain: opts.chain,
      messager: opts.messager,
      config: () => this.#config,
      logger: opts.logger,
      now: opts.now,
      persistStores: () => this.stores.all(),
    })
    this.context = ctx
    this.stores = new PersistStores(ctx, { space: opts.storeSpace })
    this.workers = new WorkerRegistry({ ...opts.workers, now: () => ctx.now() })
    this.allocator = new SectorAllocator(ctx, { unclaimedTimeoutMs: opts.unclaimedTimeoutMs })
    this.activation = new PieceActivation(ctx, opts.activation)
    this.direct = new DirectPieces(ctx, this.activation)
    this.deals = new DealAssigner(ctx, opts.market, this.direct)
    this.randomness = new SealRandomness(ctx)
    this.files = new SectorFileChecks(ctx)
    this.batcher = new CommitBatcher({
      context: ctx,
      proofs: opts.proofs,
      tickMs: false,
      activation: this.activation,
    })
    this.terminations = new TerminationQueue(ctx, this.batcher.outbox)
    this.reports = new SectorReports(ctx, { workers: this.workers, deals: this.deals })
    this.repair = new RepairTasks(ctx, opts.repair)
    const verifyUpdateProof = opts.proofs?.verifyUpdateProof
    this.snapup = new SnapUpService(ctx, {
      outbox: this.batcher.outbox,
      files: this.files,
      deals: this.deals,
      activation: this.activation,
      proofs: verifyUpdateProof
        ? { verifyUpdateProof: (r) => verifyUpdateProof.call(opts.proofs, r) }
        : undefined,
      policy: opts.snapUpPolicy,
    })
    this.#forward(this.snapup, [
      'snapup:allocated',
      'snapup:queued',
      'snapup:sent',
      'snapup:landed',
      'snapup:failed',
      'snapup:done',
    ])
    this.admin = new SectorAdmin(ctx, {
      finalize: (id) => this.reports.finalized(id),
      releaseReservation: (id) => this.stores.release(id),
      submitPreCommit: (id, info, reset) => this.submitPreCommit(id, info, reset),
      submitProof: (id, proof, reset) => this.submitProof(id, proof, reset),
    })
    // A sector's store space is held from placement until its sealing ends, either way.
    const release = ({ sector }: { sector: SectorId }) => {
      this.stores
        .release(sector)
        .catch((err) =>
          ctx.log.warn({ err, sector: sectorKey(sector) }, 'releasing the store reservation failed'),
        )
    }
    this.reports.on('sector:finalized', release)
    this.reports.on('sector:aborted', release)
    this.#forward(this.allocator, ['sector:allocated', 'sector:aborted'])
    this.#forward(this.deals, ['deals:assigned', 'deals:released'])
    this.#forward(this.direct, [
      'direct:added',
      'direct:assigned',
      'direct:released',
      'direct:failed',
      'direct:sealed',
    ])
    this.batcher.on('batch:landed', (b) => {
      if (b.kind !== 'prove') return
      this.direct
        .sealed(b.miner, b.sectors)
        .catch((err) => ctx.log.warn({ err }, 'marking direct pieces sealed failed'))
    })
    // A snapped sector's direct pieces are sealed once its update landed.
    this.snapup.on('snapup:landed', (e) => {
      this.direct
        .sealed(e.sector.miner, [e.sector.number])
        .catch((err) => ctx.log.warn({ err }, 'marking direct pieces sealed failed'))
    })
    this.#forward(this.batcher, ['sector:queued', 'batch:sent', 'batch:landed', 'batch:failed'])
    this.#forward(this.terminations, [
      'termination:requested',
      'termination:sent',
      'termination:landed',
      'termination:failed',
    ])
    this.#forward(this.reports, [
      'sector:state',
      'sector:finalized',
      'sector:aborted',
      'sector:restored',
      'sector:removed',
    ])
    this.#forward(this.repair, ['repair:queued', 'repair:started', 'repair:done', 'repair:failed'])
    const sweep = async () => {
      await this.allocator
        .sweepUnclaimed()
        .catch((err) => ctx.log.warn({ err }, 'unclaimed allocation sweep failed'))
    }
    this.#parts = [
      this.stores,
      this.batcher,
      this.terminations,
      this.snapup,
      { tick: sweep },
      // The bad sectors the poster found before a restart, shown again at once.
      { start: () => this.repair.loadProblems() },
    ]
  }

  #forward<K extends keyof ManagerEvents & string>(
    from: { on(type: K, listener: (e: ManagerEvents[K]) => void): () => void },
    names: readonly K[],
  ): void {
    for (const name of names) from.on(name, (e) => this.emit(name, e))
  }

  /** The live configuration. */
  get config(): ManagerConfig {
    return this.#config
  }

  /** Swaps the live configuration (SIGUSR1 reload); values are read at use time. */
  setConfig(config: ManagerConfig | ManagerConfigInit): void {
    this.#config = managerConfig(config)
  }

  /** Re-pushes claimed but unsent messages, re-checks every queue, starts the timer. */
  async start(): Promise<void> {
    for (const p of this.#parts) await p.start?.()
    this.#timer = setInterval(() => void this.tick(), this.#tickMs ?? queueCheckInterval(this.#config))
    this.#timer.unref()
    await this.tick()
  }

  /** Stops the timer and waits for sends in flight. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    for (const p of [...this.#parts].reverse()) await p.stop?.()
  }

  /** One check of every service: queues, messages in flight, terminations, unclaimed allocations. */
  async tick(): Promise<void> {
    for (const p of this.#parts) await p.tick?.()
  }

  /** The chain's network parameters (read once). */
  networkParams(): Promise<ManagerNetworkParams> {
    return this.context.networkParams()
  }

  /** See {@link SectorAllocator.allocate}. */
  allocateSector(spec: AllocationSpec): Promise<SectorAllocation | null> {
    return this.allocator.allocate(spec)
  }

  /** See {@link DealAssigner.acquire}. */
  acquireDeals(
    id: SectorId,
    spec: { maxDeals: number | null } = { maxDeals: null },
  ): Promise<SectorPiece[] | null> {
    return this.deals.acquire(id, spec)
  }

  /** Queues a piece for sealing without a market deal (see {@link DirectPieces.add}). */
  addDirectPiece(input: DirectPieceInput): Promise<DirectPieceRecord> {
    return this.direct.add(input)
  }

  /** Direct pieces, oldest first. */
  listDirectPieces(filter?: DirectPieceFilter): Promise<DirectPieceRecord[]> {
    return this.direct.list(filter)
  }

  /** Removes a pending or failed direct piece. */
  removeDirectPiece(id: number): Promise<void> {
    return this.direct.remove(id)
  }

  /** Draws the sector's ticket (see {@link SealRandomness.assignTicket}). */
  assignTicket(id: SectorId): Promise<EpochRandomness> {
    return this.randomness.assignTicket(id)
  }

  /** The sector's seed, or how long to wait for it (see {@link SealRandomness.waitSeed}). */
  waitSeed(id: SectorId): Promise<SeedWait> {
    return this.randomness.waitSeed(id)
  }

  /** Checks a precommit (see `checkPreCommit`) and queues it for the commit batcher. */
  submitPreCommit(id: SectorId, info: PreCommitSubmission, reset: boolean): Promise<SubmitResponse> {
    return this.#submit(id, (s) => checkPreCommit(this.context, s, info, reset, this.activation), {
      // Already on chain: remember it and let polling report Landed from chain facts.
      onChain: (preCommit) => (s) => ({
        ...s,
        preCommit,
        messages: { ...s.messages, needSend: false, preCommit: null },
      }),
      queue: (preCommit) => this.batcher.queuePreCommit(id, preCommit),
    })
  }

  /** Precommit message state as the worker sees it. */
  pollPreCommitState(id: SectorId): Promise<PollResult> {
    return this.batcher.preCommitState(id)
  }

  /** Checks the sector's files in the named persist store and records the index. */
  submitPersisted(id: SectorId, instance: string): Promise<boolean> {
    return this.files.persisted(id, instance)
  }

  /** Checks a proof (see `checkProof`) and queues its prove-commit. */
  submitProof(id: SectorId, proof: Uint8Array, reset: boolean): Promise<SubmitResponse> {
    return this.#submit(id, (s) => checkProof(this.context, this.randomness, s, proof, reset, this.#proofs), {
      onChain: (p) => (s) => ({
        ...s,
        proof: p,
        messages: { ...s.messages, needSend: false, proveCommit: null },
      }),
      queue: (p) => this.batcher.queueProveCommit(id, p),
    })
  }

  /**
   * A submission under the sector's lock: the check answers at once, records what the chain
   * already has, or hands the submission to the commit batcher.
   */
  #submit<T>(
    id: SectorId,
    check: (s: ManagedSector) => Promise<{ done: SubmitResponse } | { onChain: T } | { queue: T }>,
    then: { onChain: (v: T) => SectorMutator; queue: (v: T) => Promise<void> },
  ): Promise<SubmitResponse> {
    const ctx = this.context
    return ctx.locks.run(sectorKey(id), async () => {
      const c = await check(await ctx.online(id))
      if ('done' in c) return c.done
      if ('onChain' in c) await ctx.store.updateSector(id, then.onChain(c.onChain))
      else await then.queue(c.queue)
      return ACCEPTED
    })
  }

  /** Proof message state as the worker sees it. */
  pollProofState(id: SectorId): Promise<PollResult> {
    return this.batcher.proveCommitState(id)
  }

  /** Stores the worker's last state report. */
  reportState(id: SectorId, report: SectorReport): Promise<void> {
    return this.reports.state(id, report)
  }

  /** Moves the record offline as finalized; repeated calls are no-ops. */
  reportFinalized(id: SectorId): Promise<void> {
    return this.reports.finalized(id)
  }

  /**
   * Moves the record offline with a reason (its deals go back to the market). A snap-up not yet
   * sent ends as failed and its CC sector becomes a candidate again (see `SnapUpService.aborted`).
   */
  async reportAborted(id: SectorId, reason: string): Promise<void> {
    if (await this.snapup.aborted(id, reason)) return
    await this.reports.aborted(id, reason)
  }

  /** Moves an offline record back online (non-forced: only aborted records without deals). */
  restoreSector(id: SectorId, forced: boolean): Promise<void> {
    return this.reports.restore(id, forced)
  }

  /** Deletes the files of an offline sector no longer on chain (see {@link SectorReports.remove}). */
  removeSector(id: SectorId): Promise<string[]> {
    return this.reports.remove(id)
  }

  /** Checks sectors' files in their indexed stores; returns problems by sector number. */
  checkProvable(
    miner: number,
    sectors: readonly { sectorNumber: number; sealProof: number }[],
  ): Promise<Record<string, string>> {
    return this.files.checkProvable(miner, sectors)
  }

  /** The path of a persist store (the config's or one attached through the API) by name. */
  persistStorePath(name: string): string | undefined {
    return this.files.persistStorePath(name)
  }

  /**
   * Picks a persist store for a sector and reserves `size` bytes there (see
   * {@link PersistStores.reserve}); undefined when none has room. The sector must be online.
   */
  async reserveStoreSpace(id: SectorId, size: number, candidates: readonly string[]) {
    await this.context.online(id)
    return this.stores.reserve(id, size, candidates)
  }

  /** Queues the termination of a finalized, active sector (see {@link TerminationQueue.request}). */
  terminateSector(id: SectorId): Promise<SubmitResponse> {
    return this.terminations.request(id)
  }

  /** The sector's termination, after checking its message. */
  pollTerminateSectorState(id: SectorId): Promise<SectorTermination> {
    return this.terminations.state(id)
  }
}
