/**
 * The commit batcher: sectors whose precommit or proof is ready wait in the store's queues; per
 * miner and kind they are sent under the miner's policy (one message per sector with batching
 * off; with it on, once `threshold` sectors wait or the oldest waited `maxWaitMs`, in chunks of
 * the protocol's maximum, prove-commits aggregated from four sectors up), and their messages are
 * followed until they land.
 */
import {
  type ManagerConfig,
  MinerMethod,
  OnChainState,
  type ProofsBackend,
  type SectorId,
  type Startable,
  TypedEmitter,
} from '@venus-cluster/core'
import type { ManagerMessage, ManagerSendSpec } from '../chain.js'
import { requireSender } from '../checks/precommit.js'
import { createServiceContext, type ServiceContext, type ServiceContextOptions } from '../context.js'
import { PieceActivation } from '../deals/activation.js'
import type { ManagedSector, PollResult, SectorPreCommit } from '../sector.js'
import { chooseSender } from '../senders/index.js'
import { SerialRuns } from '../serial-runs.js'
import { onlinePages } from '../store/pages.js'
import { buildPreCommit, buildProveCommit, MAX_AGGREGATED_SECTORS, MAX_PRECOMMIT_BATCH } from './build.js'
import { MessageOutbox } from './outbox.js'

/** The two kinds of commit messages the batcher sends. */
export type CommitMessageKind = 'pre' | 'prove'

/** Events of {@link CommitBatcher}. */
export type CommitBatcherEvents = {
  /** A sector joined a queue. */
  'sector:queued': { sector: SectorId; kind: CommitMessageKind }
  /** The messager accepted a commit message. */
  'batch:sent': { kind: CommitMessageKind; miner: number; uid: string; sectors: number[] }
  /** A commit message is on chain, buried `confidence` epochs, and succeeded. */
  'batch:landed': {
    kind: CommitMessageKind
    miner: number
    uid: string
    sectors: number[]
    signedCid?: string
  }
  /** A commit message failed (refused by the messager, or on chain with a non-zero exit code). */
  'batch:failed': { kind: CommitMessageKind; miner: number; uid: string; sectors: number[]; error: string }
}

/** What the batcher builds its work on: its own context, or the one of a `SectorManager`. */
export type CommitBatcherContext = ServiceContextOptions | { context: ServiceContext; outbox?: MessageOutbox }

/** Options of {@link CommitBatcher}. */
export type CommitBatcherOptions = CommitBatcherContext & {
  /** Aggregates prove-commit proofs; without it every prove-commit carries per-sector proofs. */
  proofs?: Pick<ProofsBackend, 'aggregateSealProofs'> | undefined
  /** Piece checks and manifests of data sectors (default: a `PieceActivation` over the context). */
  activation?: PieceActivation | undefined
  /**
   * How often queues are checked (ms); default the smallest configured `checkIntervalMs` (at
   * least 50 ms, at most a minute). `false`: no timer, the owner calls {@link CommitBatcher.tick}.
   */
  tickMs?: number | false | undefined
}

/**
 * How often the queues of a config are checked: the smallest `checkIntervalMs` of its miners, at
 * least 50 ms and at most a minute.
 *
 * @example
 * ```ts
 * setInterval(tick, queueCheckInterval(config))
 * ```
 */
export function queueCheckInterval(config: Pick<ManagerConfig, 'miners'>): number {
  const intervals = config.miners.flatMap((m) => [
    m.commitment.pre.batch.checkIntervalMs,
    m.commitment.prove.batch.checkIntervalMs,
  ])
  return Math.max(50, Math.min(60_000, ...intervals))
}

interface Watched {
  kind: CommitMessageKind
  miner: number
  sectors: number[]
}

/**
 * Batches precommits and prove-commits of sectors sealed anywhere, over a store, a chain view and
 * a messager. Sectors need an online record in the store (from `allocateSector`, or
 * `createSector` for numbers allocated elsewhere).
 *
 * @example
 * ```ts
 * const batcher = new CommitBatcher({ store, chain, messager, config: managerConfig({ miners: [{
 *   actor: 1000, commitment: { pre: { sender: 't01000', batch: { enabled: true, threshold: 4 } } },
 * }] }) })
 * batcher.on('batch:landed', (b) => console.log(`${b.sectors.length} precommits in ${b.uid}`))
 * await batcher.start()
 * await batcher.queuePreCommit({ miner: 1000, number: 1 }, { commR, commD, ticket, dealIds: [] })
 * ```
 */
export class CommitBatcher extends TypedEmitter<CommitBatcherEvents> implements Startable {
  /** The context the batcher runs in (store, chain, messager, config, logger). */
  readonly context: ServiceContext
  /** Claims and pushes the batcher's messages (shared with terminations in a `SectorManager`). */
  readonly outbox: MessageOutbox
  readonly #proofs: CommitBatcherOptions['proofs']
  readonly #activation: PieceActivation
  readonly #tickMs: number | false | undefined
  readonly #runs: SerialRuns
  /** Pushed commit messages not yet landed or failed, by uid. */
  readonly #watched = new Map<string, Watched>()
  #timer: NodeJS.Timeout | undefined

  constructor(opts: CommitBatcherOptions) {
    const ctx = 'context' in opts ? opts.context : createServiceContext(opts)
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.context = ctx
    this.outbox = ('context' in opts ? opts.outbox : undefined) ?? new MessageOutbox(ctx)
    this.#proofs = opts.proofs
    this.#activation = opts.activation ?? new PieceActivation(ctx)
    this.#tickMs = opts.tickMs
    this.#runs = new SerialRuns(
      (key, tick) => {
        const [miner, kind] = key.split('/') as [string, CommitMessageKind]
        return this.#process(Number(miner), kind, tick)
      },
      (err, key) => {
        const [miner, kind] = key.split('/')
        ctx.log.error({ err, miner: Number(miner), kind }, 'batch processing failed')
      },
    )
    this.outbox.on('message:pushed', (m) => {
      if (m.kind !== 'pre' && m.kind !== 'prove') return
      this.#watched.set(m.uid, { kind: m.kind, miner: m.miner, sectors: m.sectors })
      this.emit('batch:sent', { kind: m.kind, miner: m.miner, uid: m.uid, sectors: [...m.sectors] })
    })
  }

  /**
   * Re-pushes claimed but unsent messages, follows those in flight, starts the timer and checks the
   * queues (with `tickMs: false`, the owner's first tick does).
   */
  async start(): Promise<void> {
    const ctx = this.context
    this.#runs.resume()
    // A messager that is down must not stop the start: the timer re-pushes on every tick.
    await this.outbox
      .repushCreated()
      .catch((err) => ctx.log.warn({ err }, 're-push failed; retried on the next tick'))
    await this.#watchInFlight().catch((err) => ctx.log.warn({ err }, 'reading messages in flight failed'))
    if (this.#tickMs !== false) {
      this.#timer = setInterval(() => void this.tick(), this.#tickMs ?? queueCheckInterval(ctx.config()))
      this.#timer.unref()
      await this.tick()
    }
  }

  /** Stops the timer and waits for sends in flight. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    await this.#runs.stop()
  }

  /** One check of every miner's queues, and of the messages in flight (the timer calls it; tests may too). */
  async tick(): Promise<void> {
    const ctx = this.context
    await this.outbox.repushCreated().catch((err) => ctx.log.warn({ err }, 're-push failed'))
    await Promise.allSettled(
      ctx
        .config()
        .miners.flatMap((m) => [this.#kick(m.actor, 'pre', true), this.#kick(m.actor, 'prove', true)]),
    )
    // A messager that is down shows in the health checks; here it only delays the events.
    await this.#follow().catch((err) => ctx.log.debug({ err }, 'following commit messages failed'))
  }

  /**
   * Records a sector's precommit and queues it; it goes out with the miner's next precommit
   * message. A proof and seed of an earlier precommit are dropped. Callers serialize calls per
   * sector (a `SectorManager` holds the sector's lock). Throws `MINER_NOT_CONFIGURED` when the
   * miner has no precommit sender, `SECTOR_NOT_FOUND` when the sector has no online record.
   */
  async queuePreCommit(id: SectorId, preCommit: SectorPreCommit): Promise<void> {
    requireSender(this.context, id, 'pre')
    await this.context.store.updateSector(
      id,
      (s) => ({
        ...s,
        preCommit,
        seed: null,
        proof: null,
        messages: { preCommit: null, proveCommit: null, needSend: true },
      }),
      { dequeue: true, enqueue: 'pre' },
    )
    this.emit('sector:queued', { sector: id, kind: 'pre' })
    this.#runs.soon(`${id.miner}/pre`)
  }

  /** Records a sector's proof and queues its prove-commit (see {@link CommitBatcher.queuePreCommit}). */
  async queueProveCommit(id: SectorId, proof: Uint8Array): Promise<void> {
    requireSender(this.context, id, 'prove')
    await this.context.store.updateSector(
      id,
      (x) => ({ ...x, proof, messages: { ...x.messages, needSend: true, proveCommit: null } }),
      { enqueue: 'prove' },
    )
    this.emit('sector:queued', { sector: id, kind: 'prove' })
    this.#runs.soon(`${id.miner}/prove`)
  }

  /** The sector's precommit as a worker polls it (`PollPreCommitState`). */
  async preCommitState(id: SectorId): Promise<PollResult> {
    const ctx = this.context
    const s = await ctx.online(id)
    const uid = s.messages.preCommit
    if (uid === null) {
      if (s.messages.needSend) return { state: OnChainState.Pending, description: null }
      if (s.preCommit && (await ctx.chain.preCommitInfo(id.miner, id.number)) !== null) {
        return { state: OnChainState.Landed, description: null }
      }
      if (s.preCommit && (await ctx.chain.sectorInfo(id.miner, id.number)) !== null) {
        return { state: OnChainState.Landed, description: null }
      }
      return { state: OnChainState.Failed, description: 'attempt to publish message but failed' }
    }
    const r = await this.#messageState(id.miner, uid)
    if (r.state !== OnChainState.Landed) return r
    if ((await ctx.chain.preCommitInfo(id.miner, id.number)) !== null) return r
    if ((await ctx.chain.sectorInfo(id.miner, id.number)) !== null) return r
    return {
      state: OnChainState.Failed,
      description: 'precommit message landed but the sector has no precommit on chain',
    }
  }

  /** The sector's prove-commit as a worker polls it (`PollProofState`). */
  async proveCommitState(id: SectorId): Promise<PollResult> {
    const ctx = this.context
    const s = await ctx.online(id)
    const uid = s.messages.proveCommit
    if (uid === null) {
      if (s.messages.needSend) return { state: OnChainState.Pending, description: null }
      if (s.proof && (await ctx.chain.sectorInfo(id.miner, id.number)) !== null) {
        return { state: OnChainState.Landed, description: null }
      }
      return { state: OnChainState.Failed, description: 'attempt to publish message but failed' }
    }
    const r = await this.#messageState(id.miner, uid)
    if (r.state !== OnChainState.Landed) return r
    if ((await ctx.chain.sectorInfo(id.miner, id.number)) === null) {
      return {
        state: OnChainState.Failed,
        description: 'prove message landed but the sector is not on chain',
      }
    }
    return r
  }

  #messageState(miner: number, uid: string): Promise<PollResult> {
    return this.outbox.state(uid, this.context.miner(miner)?.commitment.confidence ?? 10)
  }

  #kick(miner: number, kind: CommitMessageKind, tick: boolean): Promise<void> {
    return this.#runs.request(`${miner}/${kind}`, tick)
  }

  async #process(miner: number, kind: CommitMessageKind, tick: boolean): Promise<void> {
    const ctx = this.context
    const m = ctx.miner(miner)
    if (!m) return
    const cfg = kind === 'pre' ? m.commitment.pre : m.commitment.prove
    const queue = await ctx.store.listQueue(kind, miner)
    if (queue.length === 0) return
    const numbers = queue.map((q) => q.number)
    if (!cfg.batch.enabled) {
      for (const n of numbers) await this.#send(miner, kind, [n], false)
      return
    }
    const cap = kind === 'pre' ? MAX_PRECOMMIT_BATCH : MAX_AGGREGATED_SECTORS
    const oldest = Math.min(...queue.map((q) => q.enqueuedAt))
    const expired = tick && ctx.now() - oldest >= cfg.batch.maxWaitMs
    if (numbers.length < cfg.batch.threshold && !expired) return
    for (let i = 0; i < numbers.length; i += cap) {
      const chunk = numbers.slice(i, i + cap)
      if (chunk.length < cfg.batch.threshold && !expired) break
      await this.#send(miner, kind, chunk, true)
    }
  }

  async #send(miner: number, kind: CommitMessageKind, numbers: number[], batched: boolean): Promise<void> {
    const ctx = this.context
    const m = ctx.miner(miner)
    if (!m) return
    const cfg = kind === 'pre' ? m.commitment.pre : m.commitment.prove
    if (!cfg.sender) {
      ctx.log.error({ miner, kind }, 'no sender configured for the miner; sectors left queued')
      return
    }
    const [head, p] = await Promise.all([ctx.chain.head(), ctx.networkParams()])
    const states: ManagedSector[] = []
    for (const n of [...numbers].sort((a, b) => a - b)) {
      const got = await ctx.store.getSector({ miner, number: n })
      if (got?.online) states.push(got.state)
    }
    const built =
      kind === 'pre'
        ? await buildPreCommit(ctx, miner, m.sector.lifetimeDays, states, head.height, p, this.#activation)
        : await buildProveCommit(ctx, miner, states, batched, this.#proofs, this.#activation)
    if (built === undefined) return
    // Batch messages use the batch fee settings (v0.1.x used the single ones).
    const fee = batched ? cfg.batch : cfg
    const spec: ManagerSendSpec = {
      gasOverEstimation: fee.gasOverEstimation,
      maxFeeCap: fee.maxFeeCap ?? 0n,
      maxFee: cfg.perSectorMaxFee * BigInt(built.sectors.length),
    }
    const sender = await chooseSender(
      ctx.chain,
      cfg.senders.length > 0 ? cfg.senders : [cfg.sender],
      built.value + spec.maxFee,
    )
    if (sender === undefined) return
    if (!sender.covers)
      ctx.log.warn(
        { miner, kind, sender: sender.address, balance: sender.balance, need: built.value + spec.maxFee },
        'no sender of the miner has the funds for this message; sent from the richest',
      )
    const message: ManagerMessage = {
      from: sender.address,
      to: `${p.addressPrefix}0${miner}`,
      method: kind === 'pre' ? MinerMethod.PreCommitSectorBatch2 : MinerMethod.ProveCommitSectors3,
      params: built.params,
      value: built.value,
    }
    const claimed = await this.outbox.claim({
      kind,
      miner,
      sectors: built.sectors,
      message,
      spec,
      mark: (uid) => (s) => ({
        ...s,
        messages: { ...s.messages, [kind === 'pre' ? 'preCommit' : 'proveCommit']: uid, needSend: false },
      }),
    })
    if (claimed === undefined) {
      ctx.log.info({ miner, kind }, 'sectors claimed elsewhere, batch dropped')
      return
    }
    ctx.log.info({ uid: claimed.uid, miner, kind, sectors: built.sectors }, 'commit message claimed')
    await this.outbox.push(claimed)
  }

  /** After a start: follows the pushed messages of sectors still being sealed. */
  async #watchInFlight(): Promise<void> {
    const ctx = this.context
    const uids = new Set<string>()
    for await (const s of onlinePages(ctx.store)) {
      if (s.messages.preCommit !== null) uids.add(s.messages.preCommit)
      if (s.messages.proveCommit !== null) uids.add(s.messages.proveCommit)
    }
    for (const uid of uids) {
      const m = await ctx.store.getMessage(uid)
      if (m === undefined || m.state !== 'pushed' || (m.kind !== 'pre' && m.kind !== 'prove')) continue
      this.#watched.set(uid, { kind: m.kind, miner: m.miner, sectors: m.sectors })
    }
  }

  /** Emits `batch:landed` / `batch:failed` for messages that settled since the last look. */
  async #follow(): Promise<void> {
    const ctx = this.context
    for (const [uid, w] of [...this.#watched]) {
      const st = await ctx.messager.getMessageByUid(uid)
      const base = { kind: w.kind, miner: w.miner, uid, sectors: [...w.sectors] }
      if (st.state === 'failed') {
        this.#watched.delete(uid)
        this.emit('batch:failed', { ...base, error: st.error ?? 'message failed' })
        continue
      }
      if (st.state !== 'onchain') continue
      if (st.confidence < (ctx.miner(w.miner)?.commitment.confidence ?? 10)) continue
      this.#watched.delete(uid)
      const exit = st.receipt?.exitCode
      if (exit === 0) {
        this.emit('batch:landed', { ...base, ...(st.signedCid ? { signedCid: st.signedCid } : {}) })
      } else {
        this.emit('batch:failed', {
          ...base,
          error: exit === undefined ? 'message on chain without receipt' : `exit code ${exit}`,
        })
      }
    }
  }
}
