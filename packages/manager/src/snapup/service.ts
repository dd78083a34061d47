/**
 * The snap-up service: CC sectors become data sectors (SnapDeals). It keeps the candidate pool,
 * allocates a candidate with its pieces to a worker, checks the worker's update proof, batches the
 * accepted ones into `ProveReplicaUpdates3` messages per miner under a policy like the commit
 * batcher's (threshold, longest wait, at most 256 updates), follows each message until it is
 * buried `confidence` epochs, reads each sector's result, and once the update is final on chain
 * (`finalityEpochs` after it landed) drops the CC sealed file (the sector key) and moves the
 * record offline. The record's `upgrade` field holds every step, so a restart resumes anywhere.
 */
import { access, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  cidToCommitment,
  commD,
  commitmentToCid,
  decodeProveReplicaUpdates3Return,
  MANAGER_CONFIG_DEFAULTS,
  MinerMethod,
  type PieceActivationManifest,
  PROVE_REPLICA_UPDATES_MAX_SIZE,
  type ProofsBackend,
  type SectorId,
  type SnapUpMinerConfig,
  type SnapUpMinerInit,
  type Startable,
  sealProofFacts,
  snapUpMinerConfig,
  TypedEmitter,
  updateProofFacts,
  VenusError,
} from '@venus-cluster/core'
import type { ManagerMessage } from '../chain.js'
import type { SectorFileChecks } from '../checks/index.js'
import type { MessageOutbox } from '../commit-batcher/outbox.js'
import type { ServiceContext } from '../context.js'
import { PieceActivation } from '../deals/activation.js'
import type { DealAssigner } from '../deals/index.js'
import { checkSectorPieces } from '../deals/market.js'
import {
  ACCEPTED,
  type ManagedSector,
  newSector,
  rejected,
  type SectorPiece,
  type SubmitResponse,
  sectorKey,
} from '../sector.js'
import { chooseSender } from '../senders/index.js'
import { SerialRuns } from '../serial-runs.js'
import { onlinePages } from '../store/pages.js'
import { buildProveReplicaUpdates3, dataPieces } from './build.js'
import { SnapCandidates } from './candidates.js'
import type { SectorUpgrade, SnapCandidate, SnapUpProven, SnapUpPublic } from './types.js'

/**
 * How one miner's snap-ups are sent and cleaned up: its `[Miners.SnapUp]` settings
 * (`ManagerMinerConfig.snapup`). Empty `senders` = the miner's prove-commit senders.
 */
export type SnapUpPolicy = SnapUpMinerConfig

/**
 * The default policy (`MANAGER_CONFIG_DEFAULTS.miner.snapup`): batching on (4 sectors or 1 hour),
 * 180 days of lifetime left (2880 epochs a day), 900 epochs of finality, 0.5 FIL of fee per sector.
 */
export const DEFAULT_SNAP_UP_POLICY: SnapUpPolicy = MANAGER_CONFIG_DEFAULTS.miner.snapup

/** Events of {@link SnapUpService}. */
export type SnapUpEvents = {
  'snapup:allocated': { sector: SectorId; pieces: number }
  'snapup:queued': { sector: SectorId }
  'snapup:sent': { miner: number; uid: string; sectors: number[] }
  'snapup:landed': { sector: SectorId; epoch: number }
  'snapup:failed': { sector: SectorId; error: string }
  /** The update is final and the CC sealed file was dropped. */
  'snapup:done': { sector: SectorId }
}

/** What a worker says it proved (`SubmitSnapUpProof`), in domain types. */
export interface SnapUpSubmission {
  /** CommR of the new replica. */
  commRNew: Uint8Array
  /** CommD of the pieces (the staged data). */
  commDNew: Uint8Array
  /** Piece CIDs in sector order; must be the allocated pieces. */
  pieces: readonly string[]
  proof: Uint8Array
  /** Persist store instance the new replica was written to. */
  accessInstance: string
}

/** What {@link SnapUpService.allocate} hands a worker. */
export interface SnapUpAllocation {
  id: SectorId
  proofType: number
  pieces: SectorPiece[]
  public: SnapUpPublic
}

/** Options of {@link SnapUpService}. */
export interface SnapUpServiceOptions {
  /** Claims and pushes messages (the commit batcher's outbox in a `SectorManager`). */
  outbox: MessageOutbox
  /** Where persist stores are (to drop the sector key, to check the new replica). */
  files: SectorFileChecks
  /** Deals for allocations that do not bring their pieces. */
  deals?: DealAssigner | undefined
  /**
   * Piece checks at allocation (as sealing does before a precommit) and the data pieces'
   * manifests (verified allocations to claim, deals to notify); default a `PieceActivation` over
   * the context. A `SectorManager` shares its own with sealing.
   */
  activation?: Pick<PieceActivation, 'check' | 'manifests' | 'updateWindow'> | undefined
  /** Verifies update proofs on submission; without it proofs are checked by length only. */
  proofs?: Pick<ProofsBackend, 'verifyUpdateProof'> | undefined
  /**
   * Overrides of a miner's policy over its config (`miners[].snapup`, `[Miners.SnapUp]`), for
   * an embedder that decides per miner at run time.
   */
  policy?: ((miner: number) => SnapUpMinerInit | undefined) | undefined
}

const snapUpInFlight = (u: SectorUpgrade | undefined) =>
  u !== undefined && (u.state === 'allocated' || u.state === 'queued' || u.state === 'sent')

/**
 * Snap-up over a manager context (see the module comment).
 *
 * @example
 * ```ts
 * const snap = new SnapUpService(mgr.context, { outbox: mgr.batcher.outbox, files: mgr.files })
 * await snap.fetchCandidates(1000)
 * const a = await snap.allocate({ allowedMiners: [1000], allowedProofTypes: null, pieces })
 * // … a worker encodes and proves, then:
 * await snap.submitProof(a!.id, { commRNew, commDNew, pieces: [pieceCid], proof, accessInstance: 'ps1' })
 * await snap.tick() // sends ProveReplicaUpdates3 under the policy, follows it, cleans up after finality
 * ```
 */
export class SnapUpService extends TypedEmitter<SnapUpEvents> implements Startable {
  readonly candidates: SnapCandidates
  readonly #ctx: ServiceContext
  readonly #opts: SnapUpServiceOptions
  readonly #runs: SerialRuns
  readonly #activation: Pick<PieceActivation, 'check' | 'manifests' | 'updateWindow'>

  constructor(ctx: ServiceContext, opts: SnapUpServiceOptions) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#opts = opts
    this.#activation = opts.activation ?? new PieceActivation(ctx)
    this.candidates = new SnapCandidates(ctx, (m) => this.policy(m).minLifetimeEpochs)
    this.#runs = new SerialRuns(
      (key, tick) => this.#process(Number(key), tick),
      (err, key) => ctx.log.error({ err, miner: Number(key) }, 'snap-up batch processing failed'),
    )
  }

  /**
   * The policy of a miner: its config (`miners[].snapup`, default {@link DEFAULT_SNAP_UP_POLICY}
   * for a miner not configured) under the `policy` overrides; `senders` filled with the miner's
   * prove-commit senders when it names none.
   */
  policy(miner: number): SnapUpPolicy {
    const m = this.#ctx.miner(miner)
    const u = snapUpMinerConfig(this.#opts.policy?.(miner), m?.snapup ?? DEFAULT_SNAP_UP_POLICY)
    if (u.senders.length > 0) return u
    const senders = [...(m?.commitment.prove.senders ?? [])]
    return { ...u, sender: senders[0], senders }
  }

  async start(): Promise<void> {
    // The pool fetched before a restart (taken candidates left it when they were taken).
    await this.candidates.load()
    this.#runs.resume()
  }

  async stop(): Promise<void> {
    await this.#runs.stop()
  }

  /** One pass: every miner's queue under its policy, then messages in flight and finality. */
  async tick(): Promise<void> {
    await Promise.allSettled(this.#ctx.config().miners.map((m) => this.#runs.request(String(m.actor), true)))
    await this.#follow().catch((err) => this.#ctx.log.warn({ err }, 'following snap-up messages failed'))
  }

  /** See {@link SnapCandidates.fetch}. */
  fetchCandidates(miner: number, deadline?: number): Promise<{ total: number; added: number }> {
    return this.candidates.fetch(miner, deadline)
  }

  /**
   * Takes a candidate of an allowed miner and gives it pieces: `pieces` when given (checked to
   * fit), else queued direct pieces whose terms allow the sector's expiration, else deals from
   * the market. Every piece is checked as sealing checks before a precommit (`PieceActivation.check`
   * over the update's window and the sector's fixed expiration); a candidate they do not fit is
   * skipped (and back in the pool afterwards). Null when no candidate or no deals are there;
   * `INVALID_ARGUMENT` with the problems when the given `pieces` fit no candidate. The sector's
   * record goes (back) online with its `upgrade`; a candidate without pieces goes back to the pool.
   */
  async allocate(spec: {
    allowedMiners: readonly number[] | null
    allowedProofTypes: readonly number[] | null
    maxDeals?: number | null | undefined
    pieces?: readonly SectorPiece[] | undefined
  }): Promise<SnapUpAllocation | null> {
    const ctx = this.#ctx
    // A miner whose snap-up is off (`[Miners.SnapUp] Enabled = false`) hands out no CC sector.
    const miners = ctx
      .config()
      .miners.map((m) => m.actor)
      .filter(
        (a) =>
          (spec.allowedMiners === null ||
            spec.allowedMiners.length === 0 ||
            spec.allowedMiners.includes(a)) &&
          this.policy(a).enabled,
      )
    // Candidates whose expiration the pieces' terms do not allow go back to the pool afterwards.
    const unfit: SnapCandidate[] = []
    let problems: string[] = []
    try {
      for (const miner of miners) {
        for (
          let c = await this.candidates.take(miner);
          c !== undefined;
          c = await this.candidates.take(miner)
        ) {
          const key = sectorKey(c)
          const taken = await ctx.locks.run(key, () => this.#allocateOne(c!, spec))
          if (taken === 'next') continue
          const { previous, expiration, ...got } = taken
          const window = await this.#activation.updateWindow()
          const assigned = got.pieces.length === 0
          if (assigned) {
            // Direct pieces whose terms allow this sector's fixed expiration, else deals from the
            // market (the assigner takes the sector's lock itself).
            got.pieces =
              (await this.#opts.deals?.acquire(
                got.id,
                { maxDeals: spec.maxDeals ?? null },
                { upgrade: true, fit: { window, expiration } },
              )) ?? []
          }
          if (got.pieces.length === 0) {
            // No deals now: the record goes back as it was, the candidate back to the pool.
            await this.#unallocate(got.id, previous)
            await this.candidates.giveBack(c)
            return null
          }
          // What sealing checks before a precommit: verified allocations of this provider and
          // piece, claimable until the update can land, terms that allow the sector's expiration.
          const check = await this.#activation.check(miner, got.pieces, { window, expiration })
          if (check.problems.length > 0) {
            problems = check.problems
            ctx.log.warn({ sector: key, problems }, 'snap-up pieces cannot be activated in this sector')
            if (assigned) await this.#opts.deals?.release(got.id, got.pieces)
            await this.#unallocate(got.id, previous)
            unfit.push(c)
            continue
          }
          ctx.log.info({ sector: key, pieces: got.pieces.length }, 'snap-up allocated')
          this.emit('snapup:allocated', { sector: got.id, pieces: got.pieces.length })
          return got
        }
      }
    } finally {
      for (const c of unfit) await this.candidates.giveBack(c)
    }
    if (spec.pieces !== undefined && problems.length > 0)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `snap-up pieces cannot be activated in any candidate sector: ${problems.join('; ')}`,
        { details: { problems } },
      )
    return null
  }

  /** Puts a sector's record back as it was before {@link allocate} took it. */
  async #unallocate(id: SectorId, previous: ManagedSector | undefined): Promise<void> {
    const ctx = this.#ctx
    await ctx.locks.run(sectorKey(id), () =>
      ctx.store.finalizeSector(id, (x) => ({
        ...x,
        pieces: previous?.pieces ?? null,
        upgrade: undefined,
        finalized: previous?.finalized ?? true,
      })),
    )
  }

  async #allocateOne(
    c: SnapCandidate,
    spec: Parameters<SnapUpService['allocate']>[0],
  ): Promise<(SnapUpAllocation & { previous: ManagedSector | undefined; expiration: number }) | 'next'> {
    const ctx = this.#ctx
    const id = { miner: c.miner, number: c.number }
    const onChain = await ctx.chain.sectorInfo(c.miner, c.number)
    if (onChain === null || onChain.sealedCid !== c.public.sealedCid) return 'next'
    if (
      spec.allowedProofTypes &&
      spec.allowedProofTypes.length > 0 &&
      !spec.allowedProofTypes.includes(onChain.sealProof)
    )
      return 'next'
    const rec = await ctx.store.getSector(id)
    if (rec?.online) return 'next'
    const upgrade: SectorUpgrade = {
      state: 'allocated',
      public: c.public,
      proven: null,
      messageUid: null,
      landedEpoch: null,
      failure: '',
    }
    const sectorSize = await ctx.sectorSize(c.miner, onChain.sealProof)
    const pieces: SectorPiece[] | null = spec.pieces ? [...spec.pieces] : null
    if (pieces !== null) {
      const bad = pieces.length === 0 ? 'no pieces' : checkSectorPieces(pieces, sectorSize)
      if (bad !== undefined) throw new VenusError('INVALID_ARGUMENT', `snap-up pieces: ${bad}`)
    }
    const mark = (s: ManagedSector): ManagedSector => ({ ...s, pieces, upgrade, finalized: false })
    if (rec === undefined) {
      const fresh = newSector(id, onChain.sealProof, ctx.now())
      await ctx.store.createSector({ ...fresh, pieces, upgrade, finalized: false })
    } else {
      await ctx.store.restoreSector(id, mark)
    }
    return {
      id,
      proofType: onChain.sealProof,
      pieces: pieces ?? [],
      public: c.public,
      previous: rec?.state,
      expiration: onChain.expiration,
    }
  }

  /**
   * Checks a worker's update proof and queues the sector for `ProveReplicaUpdates3`. The same
   * submission again is accepted again (a retrying worker); a different one after the first was
   * accepted is rejected. Rejected (with why): not a snap-up, pieces that are not the allocated
   * ones, a CommD that is not the pieces', a proof of the wrong length or that does not verify.
   */
  async submitProof(id: SectorId, sub: SnapUpSubmission): Promise<SubmitResponse> {
    const ctx = this.#ctx
    return ctx.locks.run(sectorKey(id), async () => {
      const s = await ctx.online(id)
      const u = s.upgrade
      if (u === undefined) return rejected(`sector ${sectorKey(id)} is not being snapped up`)
      const proven: SnapUpProven = {
        newSealedCid: commitmentToCid(sub.commRNew, 'commR').toString(),
        unsealedCid: commitmentToCid(sub.commDNew, 'commD').toString(),
        proof: sub.proof,
        accessInstance: sub.accessInstance,
      }
      if (u.proven !== null) {
        const same =
          u.proven.newSealedCid === proven.newSealedCid &&
          u.proven.unsealedCid === proven.unsealedCid &&
          Buffer.from(u.proven.proof).equals(Buffer.from(proven.proof))
        return same ? ACCEPTED : rejected('another update proof was accepted for this sector already')
      }
      const problem = await this.#checkSubmission(s, u, sub, proven)
      if (problem !== undefined) return rejected(problem)
      await ctx.store.setLocation(id, 'upgrade', { sealed: sub.accessInstance, cache: sub.accessInstance })
      await ctx.store.updateSector(id, (x) => ({ ...x, upgrade: { ...u, state: 'queued', proven } }), {
        enqueue: 'upgrade',
      })
      this.emit('snapup:queued', { sector: id })
      this.#runs.soon(String(id.miner))
      return ACCEPTED
    })
  }

  async #checkSubmission(
    s: ManagedSector,
    u: SectorUpgrade,
    sub: SnapUpSubmission,
    proven: SnapUpProven,
  ): Promise<string | undefined> {
    const ctx = this.#ctx
    const pieces = s.pieces ?? []
    const want = pieces.map((p) => p.piece.cid)
    if (sub.pieces.length !== want.length || sub.pieces.some((p, i) => p !== want[i]))
      return `pieces ${JSON.stringify(sub.pieces)} are not the allocated ones ${JSON.stringify(want)}`
    const size = await ctx.sectorSize(s.id.miner, s.proofType)
    const expected = commD(
      pieces.map((p) => ({ commP: cidToCommitment(p.piece.cid).commitment, paddedSize: p.piece.size })),
      size,
    )
    if (!Buffer.from(expected).equals(Buffer.from(sub.commDNew)))
      return 'CommD is not the CommD of the pieces'
    if (proven.newSealedCid === u.public.sealedCid) return 'the new CommR is the CC sector key'
    const updateProofType = sealProofFacts(s.proofType).updateProof
    const facts = updateProofFacts(updateProofType)
    if (sub.proof.length !== facts.proofLength)
      return `update proof is ${sub.proof.length} bytes, expected ${facts.proofLength}`
    if (this.#opts.files.persistStorePath(sub.accessInstance) === undefined)
      return `persist store ${JSON.stringify(sub.accessInstance)} is not attached to the manager`
    if (this.#opts.proofs) {
      const ok = await this.#opts.proofs.verifyUpdateProof({
        updateProofType,
        commROld: cidToCommitment(u.public.sealedCid).commitment,
        commRNew: sub.commRNew,
        commDNew: sub.commDNew,
        proof: sub.proof,
      })
      if (!ok) return 'invalid update proof'
    }
    return undefined
  }

  /**
   * A worker persisted a sector's new replica (`SubmitPersistedEx` with `isUpgrade`): checks the
   * replica (`update/<name>`, sector-sized) and its `p_aux` (`update-cache/<name>/p_aux`) in the
   * named persist store and indexes it as the sector's `upgrade` location. False when a file is
   * missing; `PERSIST_STORE_UNKNOWN` for a store the manager does not have.
   */
  async persisted(id: SectorId, instance: string): Promise<boolean> {
    const ctx = this.#ctx
    const s = await ctx.online(id)
    if (s.upgrade === undefined)
      throw new VenusError('SECTOR_STATE_INVALID', `sector ${sectorKey(id)} is not being snapped up`)
    const root = this.#opts.files.persistStorePath(instance)
    if (root === undefined)
      throw new VenusError(
        'PERSIST_STORE_UNKNOWN',
        `persist store ${JSON.stringify(instance)} is not attached`,
        {
          details: { instance },
        },
      )
    const name = `s-t0${id.miner}-${id.number}`
    const size = await ctx.sectorSize(id.miner, s.proofType)
    try {
      const st = await stat(join(root, 'update', name))
      await access(join(root, 'update-cache', name, 'p_aux'))
      if (st.size !== size) return false
    } catch {
      return false
    }
    await ctx.store.setLocation(id, 'upgrade', { sealed: instance, cache: instance })
    return true
  }

  /** A sector's snap-up as it stands, or undefined when it has none. */
  async state(id: SectorId): Promise<SectorUpgrade | undefined> {
    return (await this.#ctx.store.getSector(id))?.state.upgrade
  }

  /**
   * Cancels a snap-up not yet sent (`util sealer snap cancel-commit`): the queue entry goes, the
   * deals go back to the market, the record goes offline as `failed`. A snap-up whose message was
   * sent cannot be called back: `SECTOR_STATE_INVALID`.
   */
  async cancel(id: SectorId): Promise<void> {
    const ctx = this.#ctx
    await ctx.locks.run(sectorKey(id), async () => {
      const s = await ctx.online(id)
      const u = s.upgrade
      if (u === undefined || (u.state !== 'allocated' && u.state !== 'queued')) {
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `sector ${sectorKey(id)} has no snap-up to cancel (${u?.state ?? 'none'}); a sent message cannot be called back`,
          { details: { miner: id.miner, number: id.number, state: u?.state ?? null } },
        )
      }
      await ctx.store.updateSector(id, (x) => x, { dequeue: true })
      await this.#opts.deals?.release(id, s.pieces)
      await ctx.store.finalizeSector(id, (x) => ({
        ...x,
        finalized: true,
        upgrade: { ...u, state: 'failed', failure: 'cancelled by the operator' },
      }))
      await ctx.store.removeLocation(id, 'upgrade')
      this.emit('snapup:failed', { sector: id, error: 'cancelled by the operator' })
    })
  }

  /**
   * A worker gave a snap-up up (`ReportAborted` from a `snapup` thread): a snap-up not yet sent
   * ends as `failed` with `aborted by the worker: <reason>`, its queue entry and `upgrade` index
   * entry go, its pieces go back (deals to the market, direct pieces to the queue), the record
   * goes offline as the CC sector it still is, and the sector goes back into the candidate pool
   * to be snapped up again. A snap-up whose message is out (or landed) is followed to its end
   * regardless.
   * Resolves false when the sector has no snap-up in flight (a sealing abort: the caller's).
   */
  async aborted(id: SectorId, reason: string): Promise<boolean> {
    const ctx = this.#ctx
    const why = `aborted by the worker: ${reason === '' ? 'no reason given' : reason}`
    const ended = await ctx.locks.run(sectorKey(id), async () => {
      const got = await ctx.store.getSector(id)
      const u = got?.state.upgrade
      if (got === undefined || u === undefined) return false
      // A retried report of a snap-up that ended already: nothing more to do.
      if (!got.online) return u.state === 'failed' ? ('kept' as const) : false
      if (u.state === 'sent' || u.state === 'landed') {
        ctx.log.warn(
          { sector: sectorKey(id), reason },
          'a worker aborted a snap-up whose ProveReplicaUpdates3 is out; it is followed to its end',
        )
        return 'kept' as const
      }
      if (u.state !== 'allocated' && u.state !== 'queued') return false
      if (u.state === 'queued') await ctx.store.updateSector(id, (x) => x, { dequeue: true })
      await this.#opts.deals?.release(id, got.state.pieces)
      // The pieces were the snap-up's: the sector is CC again (a later fetch finds it).
      await ctx.store.finalizeSector(id, (x) => ({
        ...x,
        pieces: null,
        finalized: true,
        upgrade: { ...u, state: 'failed', proven: null, failure: why },
      }))
      await ctx.store.removeLocation(id, 'upgrade')
      await this.candidates.giveBack({ miner: id.miner, number: id.number, public: u.public })
      return true
    })
    if (ended === true) {
      ctx.log.warn(
        { sector: sectorKey(id), reason },
        'snap-up aborted by the worker; the sector is a candidate again',
      )
      this.emit('snapup:failed', { sector: id, error: why })
    }
    return ended !== false
  }

  async #process(miner: number, tick: boolean): Promise<void> {
    const ctx = this.#ctx
    if (ctx.miner(miner) === undefined) return
    const policy = this.policy(miner)
    const queue = await ctx.store.listQueue('upgrade', miner)
    if (queue.length === 0) return
    const numbers = queue.map((q) => q.number).sort((a, b) => a - b)
    if (!policy.batch.enabled) {
      for (const n of numbers) await this.#send(miner, [n], policy)
      return
    }
    const oldest = Math.min(...queue.map((q) => q.enqueuedAt))
    const expired = tick && ctx.now() - oldest >= policy.batch.maxWaitMs
    for (let i = 0; i < numbers.length; i += PROVE_REPLICA_UPDATES_MAX_SIZE) {
      const chunk = numbers.slice(i, i + PROVE_REPLICA_UPDATES_MAX_SIZE)
      if (chunk.length < policy.batch.threshold && !expired) break
      await this.#send(miner, chunk, policy)
    }
  }

  async #send(miner: number, numbers: number[], policy: SnapUpPolicy): Promise<void> {
    const ctx = this.#ctx
    if (policy.senders.length === 0) {
      ctx.log.error({ miner }, 'no snap-up sender for the miner; sectors left queued')
      return
    }
    const states: ManagedSector[] = []
    for (const n of numbers) {
      const got = await ctx.store.getSector({ miner, number: n })
      if (got?.online && got.state.upgrade?.state === 'queued' && got.state.upgrade.proven)
        states.push(got.state)
    }
    if (states.length === 0) return
    // The data pieces' manifests: verified allocations still claimable are keyed in (an
    // unclaimable one goes in as unverified data), deals notify the market. Verified data raises
    // the sector's QA power and so its pledge: the difference is sent along.
    const manifests = new Map<number, PieceActivationManifest[]>()
    let value = 0n
    for (const s of states) {
      const u = s.upgrade!
      const got = await this.#activation.manifests(miner, s.pieces, u.public.expiration)
      for (const x of got.unclaimable)
        ctx.log.warn(
          { sector: sectorKey(s.id), piece: x.piece.piece.cid, reason: x.reason },
          'verified allocation can no longer be claimed: the piece is snapped in as unverified data',
        )
      const data = new Set(dataPieces(s.pieces))
      manifests.set(
        s.id.number,
        got.pieces.filter((_, i) => data.has(s.pieces![i]!)),
      )
      if (got.verifiedSize === 0) continue
      const onChain = await ctx.chain.sectorInfo(miner, s.id.number)
      const pledge = await ctx.chain.initialPledge(miner, {
        sealProof: s.proofType,
        sealedCid: u.proven!.newSealedCid,
        expiration: u.public.expiration,
        verifiedSize: got.verifiedSize,
      })
      const before = onChain?.initialPledge ?? 0n
      value += pledge > before ? pledge - before : 0n
    }
    const { same, params } = buildProveReplicaUpdates3(states, manifests)
    const p = await ctx.networkParams()
    const fee = same.length > 1 ? policy.batch : policy
    const spec = {
      gasOverEstimation: fee.gasOverEstimation,
      maxFeeCap: fee.maxFeeCap ?? 0n,
      maxFee: policy.perSectorMaxFee * BigInt(same.length),
    }
    const sender = await chooseSender(ctx.chain, policy.senders, value + spec.maxFee)
    if (sender === undefined) return
    if (!sender.covers)
      ctx.log.warn(
        { miner, sender: sender.address, balance: sender.balance, need: value + spec.maxFee },
        'no snap-up sender of the miner has the funds for this message; sent from the richest',
      )
    const message: ManagerMessage = {
      from: sender.address,
      to: `${p.addressPrefix}0${miner}`,
      method: MinerMethod.ProveReplicaUpdates3,
      params,
      value,
    }
    const claimed = await this.#opts.outbox.claim({
      kind: 'upgrade',
      miner,
      sectors: same.map((s) => s.id.number),
      message,
      spec,
      mark: (uid) => (s) =>
        s.upgrade === undefined ? s : { ...s, upgrade: { ...s.upgrade, state: 'sent', messageUid: uid } },
    })
    if (claimed === undefined) {
      ctx.log.info({ miner }, 'snap-up sectors claimed elsewhere, batch dropped')
      return
    }
    ctx.log.info({ uid: claimed.uid, miner, sectors: claimed.sectors }, 'ProveReplicaUpdates3 claimed')
    if (await this.#opts.outbox.push(claimed))
      this.emit('snapup:sent', { miner, uid: claimed.uid, sectors: [...claimed.sectors] })
  }

  /** Follows sent updates to landed or failed, and landed ones past finality to done. */
  async #follow(): Promise<void> {
    const ctx = this.#ctx
    // A page at a time: every online record is looked at on each tick, and a farm has
    // thousands (one per sealing thread) that must not be parsed in one turn of the event loop.
    const online: ManagedSector[] = []
    for await (const s of onlinePages(ctx.store))
      if (s.upgrade?.state === 'sent' || s.upgrade?.state === 'landed') online.push(s)
    if (online.length === 0) return
    const head = (await ctx.chain.head()).height
    const byUid = new Map<string, ManagedSector[]>()
    for (const s of online) {
      if (s.upgrade!.state === 'landed') {
        await this.#finish(s, head)
        continue
      }
      const uid = s.upgrade!.messageUid
      if (uid === null) continue
      byUid.set(uid, [...(byUid.get(uid) ?? []), s])
    }
    for (const [uid, sectors] of byUid) {
      const stored = await ctx.store.getMessage(uid)
      if (stored?.state === 'created') continue
      const st = await ctx.messager.getMessageByUid(uid)
      if (st.state === 'failed') {
        for (const s of sectors) await this.#fail(s.id, st.error ?? 'message failed')
        continue
      }
      const confidence = ctx.miner(sectors[0]!.id.miner)?.commitment.confidence ?? 10
      if (st.state !== 'onchain' || st.confidence < confidence) continue
      const exit = st.receipt?.exitCode
      if (exit !== 0 || st.receipt === undefined) {
        for (const s of sectors) await this.#fail(s.id, `ProveReplicaUpdates3 exit code ${exit ?? 'unknown'}`)
        continue
      }
      const carried = stored?.sectors ?? sectors.map((s) => s.id.number)
      let fails = new Map<number, number>()
      try {
        const ret = decodeProveReplicaUpdates3Return(st.receipt.return).activationResults
        fails = new Map(ret.failCodes.map((f) => [carried[f.index] ?? -1, f.code]))
      } catch (err) {
        ctx.log.warn(
          { err, uid },
          'ProveReplicaUpdates3 return did not decode; checking the chain per sector',
        )
      }
      for (const s of sectors) {
        const code = fails.get(s.id.number)
        if (code !== undefined) {
          await this.#fail(s.id, `the miner actor refused the update (exit code ${code})`)
          continue
        }
        const info = await ctx.chain.sectorInfo(s.id.miner, s.id.number)
        if (info?.sealedCid !== s.upgrade!.proven!.newSealedCid) {
          await this.#fail(s.id, 'message landed but the sector does not carry the new sealed CID')
          continue
        }
        const epoch = head - st.confidence
        await ctx.store.updateSector(s.id, (x) =>
          x.upgrade === undefined
            ? undefined
            : { ...x, upgrade: { ...x.upgrade, state: 'landed', landedEpoch: epoch } },
        )
        this.emit('snapup:landed', { sector: s.id, epoch })
      }
    }
  }

  async #fail(id: SectorId, error: string): Promise<void> {
    const ctx = this.#ctx
    await ctx.locks.run(sectorKey(id), async () => {
      const s = await ctx.online(id)
      if (!snapUpInFlight(s.upgrade)) return
      await this.#opts.deals?.release(id, s.pieces)
      await ctx.store.finalizeSector(id, (x) => ({
        ...x,
        finalized: true,
        upgrade: { ...x.upgrade!, state: 'failed', failure: error },
      }))
      // The CC sector keeps its sealed file and stays provable; the new replica is not used.
      await ctx.store.removeLocation(id, 'upgrade')
      ctx.log.warn({ sector: sectorKey(id), error }, 'snap-up failed')
      this.emit('snapup:failed', { sector: id, error })
    })
  }

  /** Past finality: drops the sector key's sealed file and cache, and moves the record offline. */
  async #finish(s: ManagedSector, head: number): Promise<void> {
    const ctx = this.#ctx
    const u = s.upgrade!
    if (u.landedEpoch === null || head < u.landedEpoch + this.policy(s.id.miner).finalityEpochs) return
    // Still the new replica on chain (a reorg deeper than finality is not expected).
    const info = await ctx.chain.sectorInfo(s.id.miner, s.id.number)
    if (info?.sealedCid !== u.proven?.newSealedCid) return
    const loc = await ctx.store.findLocation(s.id, 'normal')
    const name = `s-t0${s.id.miner}-${s.id.number}`
    if (loc !== undefined) {
      const sealedRoot = this.#opts.files.persistStorePath(loc.sealed)
      const cacheRoot = this.#opts.files.persistStorePath(loc.cache)
      if (sealedRoot !== undefined) await rm(join(sealedRoot, 'sealed', name), { force: true })
      if (cacheRoot !== undefined) await rm(join(cacheRoot, 'cache', name), { recursive: true, force: true })
      await ctx.store.removeLocation(s.id, 'normal')
    }
    await ctx.store.finalizeSector(s.id, (x) => ({
      ...x,
      finalized: true,
      upgrade: x.upgrade === undefined ? undefined : { ...x.upgrade, state: 'done' },
    }))
    ctx.log.info({ sector: sectorKey(s.id) }, 'snap-up final: sector key dropped')
    this.emit('snapup:done', { sector: s.id })
  }
}
