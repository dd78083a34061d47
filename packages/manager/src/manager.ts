import { access, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  blake2bHash,
  cborEncode,
  cidToCommitment,
  commD,
  commitmentToCid,
  DomainSeparationTag,
  EPOCHS_PER_DAY,
  encodeBase64Json,
  encodePreCommitSectorBatch2,
  encodeProveCommitSectors3,
  encodeTerminateSectors,
  idAddress,
  MinerMethod,
  OnChainState,
  type PieceActivationManifest,
  type ProofsBackend,
  proverId,
  RegisteredAggregationProof,
  randomnessEntropy,
  SECTOR_SIZES,
  type SectorPreCommitInfo,
  SubmitResult,
  sealProofFacts,
  sealProofForSectorSize,
  VenusError,
  type WireSectorId,
  type WorkerPingInfo,
  zeroCommitment,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type {
  ManagerChain,
  ManagerMessage,
  ManagerMessager,
  ManagerNetworkParams,
  ManagerSendSpec,
} from './chain.js'
import type { CommitKindConfig, ManagerConfig, MinerConfig } from './config.js'
import { checkSectorPieces, layoutDealPieces, type ManagerMarket } from './deals.js'
import { KeyedMutex } from './mutex.js'
import type { SectorState, WireReportStateReq, WireTerminateInfo } from './sector-state.js'
import { sectorKey } from './sector-state.js'
import type { CommitKind, ManagerStore, StoredMessage } from './store/types.js'
import { WorkerRegistry, type WorkerRegistryOptions } from './worker-registry.js'

/** The sector size of a V1_1 seal proof id (5–9), else undefined (then the miner's is read). */
const sectorSizeOfProof = (proof: number): number | undefined =>
  proof >= 5 && proof <= 9 ? sealProofFacts(proof).sectorSize : undefined
/** The CID of a 32-byte CommR (`sealed`) or CommD (`unsealed`). */
const commitmentCid = (bytes: Uint8Array, kind: 'sealed' | 'unsealed') =>
  commitmentToCid(bytes, kind === 'sealed' ? 'commR' : 'commD')
/** The 32 bytes inside a commitment CID string. */
const commitmentBytes = (cid: string) => cidToCommitment(cid).commitment
/** The randomness entropy of a miner: the CBOR of its ID address. */
const minerEntropy = (miner: number) => randomnessEntropy(idAddress(miner))
/** Fewest proofs worth aggregating (below, per-sector proofs in one message). */
export const MIN_AGGREGATED_SECTORS = 4
const MAX_AGGREGATED_SECTORS = 819
const MAX_PRECOMMIT_BATCH = 256
const AGGREGATE_SNARKPACK_V2 = RegisteredAggregationProof.SnarkPackV2
/** Miner actor method `TerminateSectors`. */
const MINER_TERMINATE_SECTORS = 9

/** Minimal logger. */
export interface ManagerLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

const silent: ManagerLogger = { info() {}, warn() {}, error() {} }

/** Options of {@link SectorManager}. */
export interface SectorManagerOptions {
  store: ManagerStore
  chain: ManagerChain
  messager: ManagerMessager
  config: ManagerConfig
  /** Used to verify submitted proofs and aggregate them; without it proofs are not verified. */
  proofs?: Pick<ProofsBackend, 'verifySeal' | 'aggregateSealProofs'> | undefined
  logger?: ManagerLogger | undefined
  /** Milliseconds clock (tests). */
  now?: (() => number) | undefined
  /** Batch checks run at least this often (ms); default the smallest configured CheckInterval. */
  tickMs?: number | undefined
  /** Where deals come from (miners with `deal.enabled`); without it every sector is CC. */
  market?: ManagerMarket | undefined
  /**
   * An allocated record that no worker claimed (no ticket, no deals, no ReportState) for this
   * long is finished as aborted (ms; default 30 min; 0 = never). Such a record is left when the
   * manager dies after committing an allocation and before the worker got the answer: the
   * worker asks again and gets the next number, and the first one would stay online forever.
   */
  unclaimedTimeoutMs?: number | undefined
  /** Bounds of the worker registry (how many pinging workers, when one counts as gone). */
  workers?: Omit<WorkerRegistryOptions, 'now'> | undefined
}

/** `AbortReason` of an allocation no worker ever claimed. */
export const UNCLAIMED_ABORT_REASON = 'allocation never claimed by a worker'

/** Answer of `PollPreCommitState` / `PollProofState`: an {@link OnChainState} and its description. */
export type PollResult = { State: number; Desc: string | null }
/** Answer of the `Submit*` methods: a {@link SubmitResult} and its description. */
export type SubmitResp = { Res: number; Desc: string | null }

/**
 * The sector manager: allocation, randomness, commit checks, batching and message tracking,
 * over a {@link ManagerStore}, a chain and a messager. `Venus.*` methods wrap it
 * (see `createSealerApi`).
 *
 * @example
 * ```ts
 * const mgr = new SectorManager({ store, chain, messager, config })
 * await mgr.start()
 * const s = await mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null })
 * ```
 */
export class SectorManager {
  readonly store: ManagerStore
  readonly chain: ManagerChain
  readonly messager: ManagerMessager
  #config: ManagerConfig
  #proofs: SectorManagerOptions['proofs']
  #log: ManagerLogger
  #now: () => number
  readonly #unclaimedTimeoutMs: number
  /** When each unclaimed online record was first seen (this process's clock, so a restart waits again). */
  readonly #unclaimedSince = new Map<string, number>()
  #lastSweep = Number.NEGATIVE_INFINITY
  #tickMs: number | undefined
  #locks = new KeyedMutex()
  #dealLock = new KeyedMutex()
  /** Whether online sectors may have terminations in flight (skips the scan when not). */
  #terminationsSeen = true
  #market: ManagerMarket | undefined
  #minerInfo = new Map<number, Promise<{ sectorSize: number }>>()
  #params: Promise<ManagerNetworkParams> | undefined
  /** The workers that ping or report: pinned names, bounded (see {@link WorkerRegistry}). */
  readonly workers: WorkerRegistry
  #timer: NodeJS.Timeout | undefined
  #running = new Map<string, Promise<void>>()
  #again = new Set<string>()
  #stopped = true

  constructor(opts: SectorManagerOptions) {
    this.store = opts.store
    this.chain = opts.chain
    this.messager = opts.messager
    this.#config = opts.config
    this.#proofs = opts.proofs
    this.#log = opts.logger ?? silent
    this.#now = opts.now ?? Date.now
    this.#unclaimedTimeoutMs = opts.unclaimedTimeoutMs ?? 30 * 60_000
    this.#tickMs = opts.tickMs
    this.#market = opts.market
    this.workers = new WorkerRegistry({ ...opts.workers, now: () => this.#now() })
  }

  /** The live configuration. */
  get config(): ManagerConfig {
    return this.#config
  }

  /** Swaps the live configuration (SIGUSR1 reload); values are read at use time. */
  setConfig(config: ManagerConfig): void {
    this.#config = config
  }

  /** Re-pushes claimed but unsent messages, re-checks every queue, starts the batch timer. */
  async start(): Promise<void> {
    this.#stopped = false
    // A messager that is down must not stop the start: the timer re-pushes on every tick.
    await this.#repushCreated().catch((err) =>
      this.#log.warn({ err }, 're-push failed; retried on the next tick'),
    )
    await this.#repairTerminations()
    const every =
      this.#tickMs ??
      Math.max(
        50,
        Math.min(
          60_000,
          ...this.#config.miners.flatMap((m) => [
            m.commitment.pre.batch.checkIntervalMs,
            m.commitment.prove.batch.checkIntervalMs,
          ]),
        ),
      )
    this.#timer = setInterval(() => void this.tick(), every)
    this.#timer.unref()
    await this.tick()
  }

  /** Stops the timer and waits for batches in flight. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    await Promise.allSettled([...this.#running.values()])
  }

  /** One batch check of every miner and kind (the timer calls it; tests may too). */
  async tick(): Promise<void> {
    await this.#repushCreated().catch((err) => this.#log.warn({ err }, 're-push failed'))
    await Promise.allSettled(
      this.#config.miners.flatMap((m) => [
        this.#kick(m.actor, 'pre', true),
        this.#kick(m.actor, 'prove', true),
        this.#kick(m.actor, 'terminate', true),
      ]),
    )
    await this.#checkTerminations().catch((err) => this.#log.warn({ err }, 'termination check failed'))
    await this.#sweepUnclaimed().catch((err) => this.#log.warn({ err }, 'unclaimed allocation sweep failed'))
  }

  /** Finishes allocations no worker claimed within `unclaimedTimeoutMs` (see the option). */
  async #sweepUnclaimed(): Promise<void> {
    const timeout = this.#unclaimedTimeoutMs
    if (!(timeout > 0)) return
    const now = this.#now()
    if (now - this.#lastSweep < Math.min(timeout / 4, 60_000)) return
    this.#lastSweep = now
    const claimed = (x: SectorState) =>
      x.Ticket != null || (x.Deals?.length ?? 0) > 0 || x.LatestState != null || x.Pre != null
    const still = new Set<string>()
    for (const st of await this.store.listSectors(true)) {
      if (claimed(st)) continue
      const key = sectorKey(st.ID)
      still.add(key)
      // Records carry their allocation time, so a restart does not restart the clock; older
      // records without it are timed from when this manager first saw them.
      const since = st.AllocatedAt ?? this.#unclaimedSince.get(key)
      if (since === undefined) this.#unclaimedSince.set(key, now)
      if (since === undefined || now - since < timeout) continue
      let claimedMeanwhile = false
      try {
        await this.#locks.run(key, () =>
          this.store.finalizeSector(st.ID, (x) => {
            // Checked again inside the transaction: a worker may have shown up since the scan.
            if (claimed(x)) {
              claimedMeanwhile = true
              throw new Error('claimed meanwhile')
            }
            return { ...x, AbortReason: UNCLAIMED_ABORT_REASON }
          }),
        )
        this.#log.warn({ sector: key, unclaimedMs: now - since }, 'unclaimed allocation finished as aborted')
      } catch (err) {
        if (!claimedMeanwhile) throw err
      }
      this.#unclaimedSince.delete(key)
    }
    for (const key of this.#unclaimedSince.keys()) if (!still.has(key)) this.#unclaimedSince.delete(key)
  }

  #miner(actor: number): MinerConfig | undefined {
    return this.#config.miners.find((m) => m.actor === actor)
  }

  networkParams(): Promise<ManagerNetworkParams> {
    if (this.#params === undefined) {
      this.#params = this.chain.networkParams()
      this.#params.catch(() => {
        this.#params = undefined
      })
    }
    return this.#params
  }

  async #minerSectorSize(actor: number): Promise<number> {
    let p = this.#minerInfo.get(actor)
    if (p === undefined) {
      p = this.chain.minerInfo(actor)
      this.#minerInfo.set(actor, p)
      p.catch(() => this.#minerInfo.delete(actor))
    }
    return (await p).sectorSize
  }

  async #online(id: WireSectorId): Promise<SectorState> {
    const got = await this.store.getSector(id)
    if (got === undefined || !got.online) {
      throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`, {
        details: { miner: id.Miner, number: id.Number, offline: got !== undefined },
      })
    }
    return got.state
  }

  // ---------------------------------------------------------------- allocation

  /**
   * Picks an enabled miner allowed by the spec, takes its next number and creates the record.
   * A number the chain reports as allocated is burnt (record moved offline with a reason) and
   * the next one is tried. Resolves `null` when no miner can take a sector.
   */
  async allocateSector(spec: {
    allowedMiners: number[] | null
    allowedProofTypes: number[] | null
  }): Promise<{ ID: WireSectorId; ProofType: number } | null> {
    const candidates: { m: MinerConfig; proofType: number }[] = []
    for (const m of this.#config.miners) {
      if (!m.sector.enabled) continue
      if (spec.allowedMiners && spec.allowedMiners.length > 0 && !spec.allowedMiners.includes(m.actor))
        continue
      let size: number
      try {
        size = await this.#minerSectorSize(m.actor)
      } catch (err) {
        this.#log.warn({ err, miner: m.actor }, 'miner info unavailable, skipped for allocation')
        continue
      }
      const proofType = SECTOR_SIZES.includes(size) ? sealProofForSectorSize(size) : undefined
      if (proofType === undefined) continue
      if (
        spec.allowedProofTypes &&
        spec.allowedProofTypes.length > 0 &&
        !spec.allowedProofTypes.includes(proofType)
      )
        continue
      candidates.push({ m, proofType })
    }
    while (candidates.length > 0) {
      const idx = Math.floor(Math.random() * candidates.length)
      const c = candidates[idx] as (typeof candidates)[number]
      for (let attempt = 0; attempt < 16; attempt++) {
        const state = await this.store.allocateSector(
          c.m.actor,
          { initNumber: c.m.sector.initNumber, maxNumber: c.m.sector.maxNumber, allocatedAt: this.#now() },
          c.proofType,
        )
        if (state === null) break
        let allocated: boolean
        try {
          allocated = await this.chain.isSectorAllocated(state.ID.Miner, state.ID.Number)
        } catch (cause) {
          await this.#burn(state.ID, 'allocation check against the chain failed')
          throw new VenusError('CHAIN_ERROR', `checking ${sectorKey(state.ID)} on chain failed`, { cause })
        }
        if (!allocated) return { ID: state.ID, ProofType: c.proofType }
        this.#log.warn({ sector: sectorKey(state.ID) }, 'sector number already allocated on chain, burnt')
        await this.#burn(state.ID, 'sector number already allocated on chain')
      }
      candidates.splice(idx, 1)
    }
    return null
  }

  async #burn(id: WireSectorId, reason: string): Promise<void> {
    await this.store.finalizeSector(id, (s) => ({ ...s, AbortReason: reason })).catch(() => {})
  }

  // ---------------------------------------------------------------- deals & randomness

  /**
   * The sector's pieces. Pieces already stored are returned again (a retrying worker
   * gets the same answer). Otherwise, if the miner has deals enabled and a market is wired, the
   * market assigns deals and the sector is filled with zero pieces (DealID 0) after them; the
   * layout is checked, stored, and on any failure the deals go back to the market. `null` = CC.
   */
  async acquireDeals(
    id: WireSectorId,
    spec: { maxDeals: number | null } = { maxDeals: null },
  ): Promise<SectorState['Deals']> {
    const s = await this.#online(id)
    if (s.Deals && s.Deals.length > 0) return s.Deals
    const market = this.#market
    if (market === undefined || !this.#miner(id.Miner)?.deal?.enabled || spec.maxDeals === 0) return null
    return this.#locks.run(sectorKey(id), async () => {
      const again = await this.#online(id)
      if (again.Deals && again.Deals.length > 0) return again.Deals
      if (again.Pre !== null) return null // precommitted as CC: too late for pieces
      const sectorSize = sectorSizeOfProof(again.SectorType) ?? (await this.#minerSectorSize(id.Miner))
      // One assignment at a time, as the original's global deal mutex: markets hand out in order.
      const deals = await this.#dealLock.run('market', () =>
        market.assignDeals(id.Miner, id.Number, { sectorSize, maxDeals: spec.maxDeals }),
      )
      if (deals.length === 0) return null
      try {
        const pieces = layoutDealPieces(deals, sectorSize)
        const bad = checkSectorPieces(pieces, sectorSize)
        if (bad !== undefined)
          throw new VenusError('INVALID_ARGUMENT', `market pieces for ${sectorKey(id)}: ${bad}`)
        const saved = await this.store.updateSector(id, (st) => ({ ...st, Deals: pieces }))
        this.#log.info({ sector: sectorKey(id), deals: deals.map((d) => d.id) }, 'deals assigned')
        return saved.Deals
      } catch (err) {
        await market
          .release(
            id.Miner,
            deals.map((d) => d.id),
          )
          .catch((e) => this.#log.error({ err: e, sector: sectorKey(id) }, 'releasing deals failed'))
        throw err
      }
    })
  }

  /** Draws a ticket at head − SealRandomnessLookback and stores it. */
  async assignTicket(id: WireSectorId): Promise<{ Ticket: string; Epoch: number }> {
    return this.#locks.run(sectorKey(id), async () => {
      await this.#online(id)
      const [head, p] = await Promise.all([this.chain.head(), this.networkParams()])
      const epoch = Math.max(0, head.height - p.sealRandomnessLookback)
      const rand = await this.chain.randomnessFromTickets({
        dst: DomainSeparationTag.SealRandomness,
        epoch,
        entropy: minerEntropy(id.Miner),
      })
      const Ticket = { Ticket: encodeBase64Json(rand), Epoch: epoch }
      await this.store.updateSector(id, (s) => ({ ...s, Ticket }))
      return Ticket
    })
  }

  /** The interactive seed once the precommit is buried deep enough, else how long to wait. */
  async waitSeed(
    id: WireSectorId,
  ): Promise<{ ShouldWait: boolean; Delay: number; Seed: { Seed: string; Epoch: number } | null }> {
    return this.#locks.run(sectorKey(id), async () => {
      const state = await this.#online(id)
      const [head, p, pci] = await Promise.all([
        this.chain.head(),
        this.networkParams(),
        this.chain.preCommitInfo(id.Miner, id.Number),
      ])
      if (pci === null) {
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `precommit info of ${sectorKey(id)} not found on chain`,
          {
            details: { miner: id.Miner, number: id.Number },
          },
        )
      }
      const seedEpoch = pci.preCommitEpoch + p.preCommitChallengeDelay
      if (state.Seed && state.Seed.Epoch === seedEpoch)
        return { ShouldWait: false, Delay: 0, Seed: state.Seed }
      const ready = seedEpoch + p.interactivePoRepConfidence
      if (head.height < ready) {
        return { ShouldWait: true, Delay: Math.max(1, (ready - head.height) * p.blockDelaySecs), Seed: null }
      }
      const rand = await this.chain.randomnessFromBeacon({
        dst: DomainSeparationTag.InteractiveSealChallengeSeed,
        epoch: seedEpoch,
        entropy: minerEntropy(id.Miner),
      })
      const Seed = { Seed: encodeBase64Json(rand), Epoch: seedEpoch }
      await this.store.updateSector(id, (s) => ({ ...s, Seed }))
      return { ShouldWait: false, Delay: 0, Seed }
    })
  }

  // ---------------------------------------------------------------- precommit

  /** Checks and queues a precommit (`SubmitPreCommit`; docs/manager.md lists the checks). */
  async submitPreCommit(
    sector: { ID: WireSectorId; ProofType: number },
    info: {
      CommR: Uint8Array
      CommD: Uint8Array
      Ticket: { Ticket: Uint8Array; Epoch: number }
      Deals: number[]
    },
    reset: boolean,
  ): Promise<SubmitResp> {
    const id = sector.ID
    return this.#locks.run(sectorKey(id), async () => {
      const state = await this.#online(id)
      const m = this.#miner(id.Miner)
      if (!m || m.commitment.pre.sender === '') {
        throw new VenusError('MINER_NOT_CONFIGURED', `miner ${id.Miner} has no precommit sender configured`, {
          details: { miner: id.Miner },
        })
      }
      if (sector.ProofType !== state.SectorType) {
        return rejected(`proof type ${sector.ProofType} differs from the allocated ${state.SectorType}`)
      }
      const CommR = { '/': commitmentCid(info.CommR, 'sealed').toString() }
      const CommD = { '/': commitmentCid(info.CommD, 'unsealed').toString() }
      const Ticket = { Ticket: encodeBase64Json(info.Ticket.Ticket), Epoch: info.Ticket.Epoch }
      if (state.Pre && !reset) {
        const same =
          state.Pre.CommR['/'] === CommR['/'] &&
          state.Pre.CommD['/'] === CommD['/'] &&
          state.Pre.Ticket.Epoch === Ticket.Epoch &&
          state.Pre.Ticket.Ticket === Ticket.Ticket
        return same
          ? { Res: SubmitResult.Accepted, Desc: null }
          : {
              Res: SubmitResult.MismatchedSubmission,
              Desc: 'precommit info differs from the earlier submission',
            }
      }
      if (!state.Ticket || state.Ticket.Epoch !== Ticket.Epoch || state.Ticket.Ticket !== Ticket.Ticket) {
        return rejected('ticket does not match the one assigned by AssignTicket')
      }
      const [head, p] = await Promise.all([this.chain.head(), this.networkParams()])
      if (Ticket.Epoch < head.height - p.maxPreCommitRandomnessLookback) {
        return rejected(`ticket expired: epoch ${Ticket.Epoch}, head ${head.height}`)
      }
      const pieceDeals = (state.Deals ?? []).filter((d) => d.ID !== 0).map((d) => d.ID)
      if (info.Deals.length !== pieceDeals.length || info.Deals.some((d, i) => d !== pieceDeals[i])) {
        return rejected('deal ids differ from the deals assigned to the sector')
      }
      const sectorSize = sectorSizeOfProof(state.SectorType) ?? (await this.#minerSectorSize(id.Miner))
      const pieces = (state.Deals ?? []).map((d) => ({
        commP: commitmentBytes(d.Piece.Cid['/']),
        paddedSize: d.Piece.Size,
      }))
      const expected = pieces.length === 0 ? zeroCommitment(sectorSize) : commD(pieces, sectorSize)
      if (!equalBytes(expected, info.CommD)) return rejected('CommD does not match the pieces of the sector')
      const pci = await this.chain.preCommitInfo(id.Miner, id.Number)
      const Pre = { CommR, CommD, Ticket, Deals: info.Deals }
      if (pci !== null) {
        if (pci.sealRandEpoch !== Ticket.Epoch) {
          return rejected(`bad ticket: on-chain precommit uses epoch ${pci.sealRandEpoch}`)
        }
        // Already on chain: remember it and let polling report Landed from chain facts.
        await this.store.updateSector(id, (s) => ({
          ...s,
          Pre,
          MessageInfo: { ...s.MessageInfo, NeedSend: false, PreCommitCid: null },
        }))
        return { Res: SubmitResult.Accepted, Desc: null }
      }
      if (await this.chain.isSectorAllocated(id.Miner, id.Number)) return rejected('sector number allocated')
      await this.store.updateSector(
        id,
        (s) => ({
          ...s,
          Pre,
          Seed: null,
          Proof: null,
          MessageInfo: { PreCommitCid: null, CommitCid: null, NeedSend: true },
        }),
        { dequeue: true, enqueue: 'pre' },
      )
      this.#kickSoon(id.Miner, 'pre')
      return { Res: SubmitResult.Accepted, Desc: null }
    })
  }

  /** Precommit message state as the worker sees it. */
  async pollPreCommitState(id: WireSectorId): Promise<PollResult> {
    const s = await this.#online(id)
    const cid = s.MessageInfo.PreCommitCid
    if (cid === null) {
      if (s.MessageInfo.NeedSend) return { State: OnChainState.Pending, Desc: null }
      if (s.Pre && (await this.chain.preCommitInfo(id.Miner, id.Number)) !== null) {
        return { State: OnChainState.Landed, Desc: null }
      }
      if (s.Pre && (await this.chain.sectorInfo(id.Miner, id.Number)) !== null) {
        return { State: OnChainState.Landed, Desc: null }
      }
      return { State: OnChainState.Failed, Desc: 'attempt to publish message but failed' }
    }
    const r = await this.#messageState(id, cid['/'])
    if (r.State !== OnChainState.Landed) return r
    if ((await this.chain.preCommitInfo(id.Miner, id.Number)) !== null) return r
    if ((await this.chain.sectorInfo(id.Miner, id.Number)) !== null) return r
    return {
      State: OnChainState.Failed,
      Desc: 'precommit message landed but the sector has no precommit on chain',
    }
  }

  async #messageState(id: WireSectorId, uid: string): Promise<PollResult> {
    const stored = await this.store.getMessage(uid)
    if (stored?.state === 'created') return { State: OnChainState.Pending, Desc: null }
    const st = await this.messager.getMessageByUid(uid)
    const m = this.#miner(id.Miner)
    if (st.state === 'onchain') {
      if (st.confidence < (m?.commitment.confidence ?? 10)) return { State: OnChainState.Packed, Desc: null }
      if (!st.receipt) return { State: OnChainState.Failed, Desc: 'message on chain without receipt' }
      if (st.receipt.exitCode !== 0) {
        return { State: OnChainState.Failed, Desc: `exit code ${st.receipt.exitCode}` }
      }
      return { State: OnChainState.Landed, Desc: null }
    }
    if (st.state === 'failed') return { State: OnChainState.Failed, Desc: st.error ?? 'message failed' }
    return { State: OnChainState.Pending, Desc: null }
  }

  // ---------------------------------------------------------------- persisted files

  /** Checks the sector's files in the named persist store and records the index. */
  async submitPersisted(id: WireSectorId, instance: string): Promise<boolean> {
    const got = await this.store.getSector(id)
    if (got === undefined) {
      throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`)
    }
    const ps = this.#config.persistStores.find((p) => p.name === instance)
    if (!ps) {
      throw new VenusError(
        'PERSIST_STORE_UNKNOWN',
        `persist store ${JSON.stringify(instance)} is not attached`,
        {
          details: { instance },
        },
      )
    }
    const size = sectorSizeOfProof(got.state.SectorType) ?? (await this.#minerSectorSize(id.Miner))
    const problem = await checkSectorFiles(ps.path, id, size)
    if (problem !== null) return false
    await this.store.setLocation(id, 'normal', { sealed: instance, cache: instance })
    return true
  }

  // ---------------------------------------------------------------- proof

  /** Checks and queues a proof (`SubmitProof`; docs/manager.md lists the checks). */
  async submitProof(id: WireSectorId, proof: Uint8Array, reset: boolean): Promise<SubmitResp> {
    return this.#locks.run(sectorKey(id), async () => {
      const s = await this.#online(id)
      const m = this.#miner(id.Miner)
      if (!m || m.commitment.prove.sender === '') {
        throw new VenusError('MINER_NOT_CONFIGURED', `miner ${id.Miner} has no prove sender configured`, {
          details: { miner: id.Miner },
        })
      }
      if (!s.Pre) return rejected('precommit info not found')
      const Proof = { Proof: encodeBase64Json(proof) }
      if (s.Proof && !reset) {
        return s.Proof.Proof === Proof.Proof
          ? { Res: SubmitResult.Accepted, Desc: null }
          : { Res: SubmitResult.MismatchedSubmission, Desc: 'proof differs from the earlier submission' }
      }
      if (!s.Seed) return rejected('seed not assigned')
      const [p, pci] = await Promise.all([
        this.networkParams(),
        this.chain.preCommitInfo(id.Miner, id.Number),
      ])
      const onChain = pci === null ? await this.chain.sectorInfo(id.Miner, id.Number) : null
      if (onChain !== null) {
        await this.store.updateSector(id, (x) => ({
          ...x,
          Proof,
          MessageInfo: { ...x.MessageInfo, NeedSend: false, CommitCid: null },
        }))
        return { Res: SubmitResult.Accepted, Desc: null }
      }
      if (pci === null) return rejected('no precommit on chain')
      if (s.Seed.Epoch !== pci.preCommitEpoch + p.preCommitChallengeDelay) {
        return rejected(`seed epoch ${s.Seed.Epoch} is not precommit epoch + challenge delay`)
      }
      const seed = await this.chain.randomnessFromBeacon({
        dst: DomainSeparationTag.InteractiveSealChallengeSeed,
        epoch: s.Seed.Epoch,
        entropy: minerEntropy(id.Miner),
      })
      if (encodeBase64Json(seed) !== s.Seed.Seed) return rejected('stored seed differs from the chain')
      if (this.#proofs) {
        const ok = await this.#proofs
          .verifySeal({
            proofType: s.SectorType,
            proverId: proverId(id.Miner),
            sectorNumber: id.Number,
            commR: commitmentBytes(s.Pre.CommR['/']),
            commD: commitmentBytes(s.Pre.CommD['/']),
            ticket: new Uint8Array(Buffer.from(s.Pre.Ticket.Ticket, 'base64')),
            seed,
            proof,
          })
          .catch((err) => {
            this.#log.warn({ err, sector: sectorKey(id) }, 'verifySeal failed')
            return false
          })
        if (!ok) return rejected('invalid proof')
      }
      await this.store.updateSector(
        id,
        (x) => ({ ...x, Proof, MessageInfo: { ...x.MessageInfo, NeedSend: true, CommitCid: null } }),
        { enqueue: 'prove' },
      )
      this.#kickSoon(id.Miner, 'prove')
      return { Res: SubmitResult.Accepted, Desc: null }
    })
  }

  /** Proof message state as the worker sees it. */
  async pollProofState(id: WireSectorId): Promise<PollResult> {
    const s = await this.#online(id)
    const cid = s.MessageInfo.CommitCid
    if (cid === null) {
      if (s.MessageInfo.NeedSend) return { State: OnChainState.Pending, Desc: null }
      if (s.Proof && (await this.chain.sectorInfo(id.Miner, id.Number)) !== null) {
        return { State: OnChainState.Landed, Desc: null }
      }
      return { State: OnChainState.Failed, Desc: 'attempt to publish message but failed' }
    }
    const r = await this.#messageState(id, cid['/'])
    if (r.State !== OnChainState.Landed) return r
    if ((await this.chain.sectorInfo(id.Miner, id.Number)) === null) {
      return { State: OnChainState.Failed, Desc: 'prove message landed but the sector is not on chain' }
    }
    return r
  }

  // ---------------------------------------------------------------- reports

  /** Stores the worker's last state report. */
  async reportState(id: WireSectorId, req: WireReportStateReq): Promise<void> {
    await this.store.updateSector(id, (s) => ({ ...s, LatestState: req }))
    this.workers.noteReport(req.Worker.Instance)
  }

  /** Moves the record offline as finalized; repeated calls are no-ops. */
  async reportFinalized(id: WireSectorId): Promise<void> {
    await this.#locks.run(sectorKey(id), async () => {
      const got = await this.store.getSector(id)
      if (got && !got.online && got.state.Finalized) return
      await this.store.finalizeSector(id, (s) => ({ ...s, Finalized: true }))
    })
  }

  /** Moves the record offline with a reason. */
  async reportAborted(id: WireSectorId, reason: string): Promise<void> {
    await this.#locks.run(sectorKey(id), async () => {
      // Deals go back to the market first: if that fails the worker's retry of
      // ReportAborted tries again, instead of the deals staying assigned to a dead sector.
      const got = await this.store.getSector(id)
      const dealIds = got?.online ? (got.state.Deals ?? []).map((d) => d.ID).filter((n) => n !== 0) : []
      if (dealIds.length > 0 && this.#market !== undefined) await this.#market.release(id.Miner, dealIds)
      await this.store.finalizeSector(id, (s) => ({ ...s, AbortReason: reason === '' ? 'aborted' : reason }))
    })
  }

  /** Moves an offline record back online (non-forced: only aborted records without deals). */
  async restoreSector(id: WireSectorId, forced: boolean): Promise<void> {
    await this.#locks.run(sectorKey(id), async () => {
      const got = await this.store.getSector(id)
      if (got === undefined || got.online) {
        throw new VenusError('SECTOR_NOT_FOUND', `no offline record of ${sectorKey(id)}`)
      }
      if (!forced) {
        const hasDeals = (got.state.Deals ?? []).some((d) => d.ID !== 0)
        if (hasDeals || got.state.AbortReason === '') {
          throw new VenusError(
            'SECTOR_STATE_INVALID',
            `${sectorKey(id)} can only be restored with force (it has deals or was not aborted)`,
          )
        }
      }
      await this.store.restoreSector(id, (s) => ({ ...s, Finalized: false }))
    })
  }

  /**
   * Deletes the files of an offline sector that is no longer on chain (expired, terminated, or
   * never committed) from the persist stores of the sector index, forgets its index entries and
   * marks the record `Removed`. Refuses while the sector is being sealed, is still live or
   * pre-committed on chain, or sits in a read-only or unattached store. Resolves the deleted
   * paths; a second call deletes nothing.
   */
  async removeSector(id: WireSectorId): Promise<string[]> {
    return this.#locks.run(sectorKey(id), async () => {
      const got = await this.store.getSector(id)
      if (got === undefined) throw new VenusError('SECTOR_NOT_FOUND', `no record of ${sectorKey(id)}`)
      if (got.online)
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `${sectorKey(id)} is still being sealed; abort it before removing its files`,
        )
      const [live, pre] = await Promise.all([
        this.chain.sectorInfo(id.Miner, id.Number),
        this.chain.preCommitInfo(id.Miner, id.Number),
      ])
      if (live !== null)
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `${sectorKey(id)} is live on chain until epoch ${live.expiration}; terminate it or let it expire first`,
          { details: { expiration: live.expiration } },
        )
      if (pre !== null)
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `${sectorKey(id)} is pre-committed on chain; it cannot be removed yet`,
        )
      const name = `s-t0${id.Miner}-${id.Number}`
      const targets: { kind: 'normal' | 'upgrade'; paths: string[] }[] = []
      for (const [kind, sealedDir, cacheDir] of [
        ['normal', 'sealed', 'cache'],
        ['upgrade', 'update', 'update-cache'],
      ] as const) {
        const loc = await this.store.findLocation(id, kind)
        if (loc === undefined) continue
        const paths = [
          [loc.sealed, sealedDir],
          [loc.cache, cacheDir],
        ].map(([store, dir]) => {
          const ps = this.#config.persistStores.find((p) => p.name === store)
          if (ps === undefined)
            throw new VenusError(
              'PERSIST_STORE_UNKNOWN',
              `persist store ${store} of ${sectorKey(id)} is not attached`,
            )
          if (ps.readOnly)
            throw new VenusError(
              'PERSIST_STORE_READ_ONLY',
              `persist store ${store} holding ${sectorKey(id)} is read-only`,
            )
          return join(ps.path, dir as string, name)
        })
        targets.push({ kind, paths })
      }
      const removed: string[] = []
      for (const t of targets) {
        for (const p of t.paths) {
          const there = await stat(p).then(
            () => true,
            () => false,
          )
          await rm(p, { recursive: true, force: true })
          if (there) removed.push(p)
        }
        await this.store.removeLocation(id, t.kind)
      }
      await this.store.updateOfflineSector(id, (s) => (s.Removed ? undefined : { ...s, Removed: true }))
      this.#log.info({ sector: sectorKey(id), removed }, 'sector files removed')
      return removed
    })
  }

  /** Records a worker's ping; throws when its name is taken elsewhere or out of bounds. */
  workerPing(info: WorkerPingInfo['Info']): void {
    this.workers.ping(info)
  }

  /** All worker pings, by name. */
  workerPings(): WorkerPingInfo[] {
    return this.workers.pings()
  }

  /** One worker's ping, or undefined. */
  workerPingOf(name: string): WorkerPingInfo | undefined {
    return this.workers.pingOf(name)
  }

  /** Checks sectors' files in their indexed stores; returns problems by sector number. */
  async checkProvable(
    miner: number,
    sectors: { SectorNumber: number; SealProof: number }[],
  ): Promise<Record<string, string>> {
    const bad: Record<string, string> = {}
    for (const s of sectors) {
      const id = { Miner: miner, Number: s.SectorNumber }
      const loc = await this.store.findLocation(id, 'normal')
      if (!loc) {
        bad[String(s.SectorNumber)] = 'sector not found in the sector index'
        continue
      }
      const ps = this.#config.persistStores.find((p) => p.name === loc.sealed)
      if (!ps) {
        bad[String(s.SectorNumber)] = `persist store ${loc.sealed} not attached`
        continue
      }
      const size = sectorSizeOfProof(s.SealProof) ?? (await this.#minerSectorSize(miner))
      const problem = await checkSectorFiles(ps.path, id, size)
      if (problem !== null) bad[String(s.SectorNumber)] = problem
    }
    return bad
  }

  /** The path of a persist store by name. */
  persistStorePath(name: string): string | undefined {
    return this.#config.persistStores.find((p) => p.name === name)?.path
  }

  // ---------------------------------------------------------------- batching

  #kickSoon(miner: number, kind: CommitKind): void {
    if (this.#stopped) return
    setImmediate(() => void this.#kick(miner, kind, false))
  }

  /** Serializes processing per miner and kind; a kick during a run schedules one more run. */
  #kick(miner: number, kind: CommitKind, tick: boolean): Promise<void> {
    const key = `${miner}/${kind}`
    const cur = this.#running.get(key)
    if (cur) {
      if (tick) this.#again.add(`${key}/tick`)
      else this.#again.add(key)
      return cur
    }
    const run = (async () => {
      let isTick = tick
      for (;;) {
        try {
          await this.#process(miner, kind, isTick)
        } catch (err) {
          this.#log.error({ err, miner, kind }, 'batch processing failed')
        }
        if (this.#again.delete(`${key}/tick`)) {
          this.#again.delete(key)
          isTick = true
        } else if (this.#again.delete(key)) isTick = false
        else break
        if (this.#stopped) break
      }
    })().finally(() => this.#running.delete(key))
    this.#running.set(key, run)
    return run
  }

  async #process(miner: number, kind: CommitKind, tick: boolean): Promise<void> {
    if (kind === 'terminate') return this.#processTerminations(miner)
    const m = this.#miner(miner)
    if (!m) return
    const cfg = kind === 'pre' ? m.commitment.pre : m.commitment.prove
    const queue = await this.store.listQueue(kind, miner)
    if (queue.length === 0) return
    const numbers = queue.map((q) => q.number)
    if (!cfg.batch.enabled) {
      for (const n of numbers) await this.#send(m, kind, cfg, [n], false)
      return
    }
    const cap = kind === 'pre' ? MAX_PRECOMMIT_BATCH : MAX_AGGREGATED_SECTORS
    const oldest = Math.min(...queue.map((q) => q.enqueuedAt))
    const expired = tick && this.#now() - oldest >= cfg.batch.maxWaitMs
    if (numbers.length < cfg.batch.threshold && !expired) return
    for (let i = 0; i < numbers.length; i += cap) {
      const chunk = numbers.slice(i, i + cap)
      if (chunk.length < cfg.batch.threshold && !expired) break
      await this.#send(m, kind, cfg, chunk, true)
    }
  }

  async #send(
    m: MinerConfig,
    kind: CommitKind,
    cfg: CommitKindConfig,
    numbers: number[],
    batched: boolean,
  ): Promise<void> {
    const [head, p] = await Promise.all([this.chain.head(), this.networkParams()])
    const included: number[] = []
    let value = 0n
    let params: Uint8Array
    const states: SectorState[] = []
    for (const n of [...numbers].sort((a, b) => a - b)) {
      const got = await this.store.getSector({ Miner: m.actor, Number: n })
      if (got?.online) states.push(got.state)
    }
    if (kind === 'pre') {
      const infos: SectorPreCommitInfo[] = []
      for (const s of states) {
        if (!s.Pre) continue
        const expiration = sectorExpiration(head.height, s.Pre.Ticket.Epoch, m.sector.lifetimeDays, p)
        const info: SectorPreCommitInfo = {
          sealProof: s.SectorType,
          sectorNumber: s.ID.Number,
          sealedCid: CID.parse(s.Pre.CommR['/']),
          sealRandEpoch: s.Pre.Ticket.Epoch,
          // ProveCommitSectors3 takes deals as piece manifests; precommitted deal ids are refused.
          dealIds: [],
          expiration,
          unsealedCid: CID.parse(s.Pre.CommD['/']),
        }
        try {
          value += await this.chain.preCommitDeposit(m.actor, {
            sealProof: info.sealProof,
            sealedCid: s.Pre.CommR['/'],
            expiration,
          })
        } catch (err) {
          this.#log.warn(
            { err, sector: sectorKey(s.ID) },
            'precommit deposit unavailable, sector left queued',
          )
          continue
        }
        infos.push(info)
        included.push(s.ID.Number)
      }
      if (infos.length === 0) return
      params = encodePreCommitSectorBatch2({ sectors: infos })
    } else {
      const ready: { s: SectorState; proof: Uint8Array; seed: Uint8Array }[] = []
      for (const s of states) {
        if (!s.Proof || !s.Pre || !s.Seed) continue
        const pci = await this.chain.preCommitInfo(m.actor, s.ID.Number)
        if (pci === null) continue
        const pledge = await this.chain.initialPledge(m.actor, {
          sealProof: s.SectorType,
          sealedCid: s.Pre.CommR['/'],
          expiration: pci.expiration,
        })
        value += pledge > pci.preCommitDeposit ? pledge - pci.preCommitDeposit : 0n
        ready.push({
          s,
          proof: new Uint8Array(Buffer.from(s.Proof.Proof, 'base64')),
          seed: new Uint8Array(Buffer.from(s.Seed.Seed, 'base64')),
        })
        included.push(s.ID.Number)
      }
      if (ready.length === 0) return
      const first = ready[0] as (typeof ready)[number]
      if (batched && ready.length >= MIN_AGGREGATED_SECTORS && this.#proofs) {
        const aggregate = await this.#proofs.aggregateSealProofs({
          proofType: first.s.SectorType,
          aggregateType: AGGREGATE_SNARKPACK_V2,
          commRs: ready.map((r) => commitmentBytes((r.s.Pre as NonNullable<SectorState['Pre']>).CommR['/'])),
          seeds: ready.map((r) => r.seed),
          proofs: ready.map((r) => r.proof),
        })
        params = encodeProveCommitSectors3({
          activations: ready.map((r) => ({ sectorNumber: r.s.ID.Number, pieces: activationPieces(r.s) })),
          sectorProofs: [],
          aggregateProof: aggregate,
          aggregateProofType: AGGREGATE_SNARKPACK_V2,
          requireActivationSuccess: false,
          requireNotificationSuccess: false,
        })
      } else {
        params = encodeProveCommitSectors3({
          activations: ready.map((r) => ({ sectorNumber: r.s.ID.Number, pieces: activationPieces(r.s) })),
          sectorProofs: ready.map((r) => r.proof),
          aggregateProof: new Uint8Array(0),
          aggregateProofType: null,
          // One bad sector must not fail the whole batch.
          requireActivationSuccess: false,
          requireNotificationSuccess: false,
        })
      }
    }
    const net = p.addressPrefix
    const msg: ManagerMessage = {
      from: cfg.sender,
      to: `${net}0${m.actor}`,
      method: kind === 'pre' ? MinerMethod.PreCommitSectorBatch2 : MinerMethod.ProveCommitSectors3,
      params,
      value,
    }
    // Batch messages use the batch fee settings (v0.1.x used the single ones; docs/manager.md, deviation 4).
    const fee = batched ? cfg.batch : cfg
    const spec: ManagerSendSpec = {
      gasOverEstimation: fee.gasOverEstimation,
      maxFeeCap: fee.maxFeeCap,
      maxFee: cfg.perSectorMaxFee * BigInt(included.length),
    }
    const uid = await this.#uniqueUid(msg)
    const field = kind === 'pre' ? 'PreCommitCid' : 'CommitCid'
    let claimed: StoredMessage
    try {
      claimed = await this.store.claimMessage(
        { uid, miner: m.actor, kind, sectors: included, body: messageBody(msg, spec) },
        (s) => ({ ...s, MessageInfo: { ...s.MessageInfo, [field]: { '/': uid }, NeedSend: false } }),
      )
    } catch (err) {
      if (err instanceof VenusError && err.code === 'ALREADY_EXISTS') {
        this.#log.info({ uid, miner: m.actor, kind }, 'sectors claimed elsewhere, batch dropped')
        return
      }
      throw err
    }
    this.#log.info({ uid, miner: m.actor, kind, sectors: included }, 'commit message claimed')
    await this.#push(claimed)
  }

  async #uniqueUid(msg: ManagerMessage): Promise<string> {
    const body = cborEncode([msg.to, msg.from, msg.method, msg.params, msg.value.toString()])
    for (let i = 0; i < 256; i++) {
      const pre = new Uint8Array(body.length + 1)
      pre[0] = i
      pre.set(body, 1)
      const uid = CID.createV1(0x55, Digest.create(0xb220, blake2bHash(pre))).toString()
      if ((await this.store.getMessage(uid)) !== undefined) continue
      if (await this.messager.hasMessageByUid(uid)) continue
      return uid
    }
    throw new VenusError('INTERNAL', 'no free message uid after 256 tries')
  }

  async #push(msg: StoredMessage): Promise<void> {
    const { message, spec } = messageFromBody(msg.body)
    try {
      if (!(await this.messager.hasMessageByUid(msg.uid)))
        await this.messager.pushMessageWithId(msg.uid, message, spec)
      await this.store.markMessagePushed(msg.uid)
    } catch (err) {
      this.#log.warn({ err, uid: msg.uid }, 'push to messager failed, will retry')
    }
  }

  // ---------------------------------------------------------------- termination

  /**
   * `TerminateSector`: queues the termination of a finalized, active sector. The record comes
   * back online with `TerminateInfo` and joins the `terminate` queue in the same step; the
   * `TerminateSectors` message (deadline and partition from `StateSectorPartition`) is sent at
   * once, or on a later tick while the sector's deadline is immutable (current or next). Once the
   * message landed with `Confidence` the record goes offline again with `TerminatedAt` set.
   */
  async terminateSector(id: WireSectorId): Promise<SubmitResp> {
    const res = await this.#locks.run(sectorKey(id), async (): Promise<SubmitResp> => {
      const got = await this.store.getSector(id)
      if (got === undefined) {
        throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`, {
          details: { miner: id.Miner, number: id.Number },
        })
      }
      if (got.state.TerminateInfo) {
        return { Res: SubmitResult.DuplicateSubmit, Desc: 'termination already requested' }
      }
      if (got.online) return rejected('sector is still sealing; only finalized sectors can be terminated')
      const m = this.#miner(id.Miner)
      if (!m) return rejected(`miner ${id.Miner} is not configured`)
      if (m.commitment.prove.sender === '') return rejected('no sender configured for the miner')
      if (!this.chain.sectorPartition || !this.chain.provingDeadline)
        return rejected('the chain client cannot locate sectors (StateSectorPartition)')
      if ((await this.chain.sectorInfo(id.Miner, id.Number)) === null)
        return rejected('sector is not active on chain')
      const head = await this.chain.head()
      await this.store.restoreSector(id, (s) => ({
        ...s,
        TerminateInfo: { TerminateCid: null, TerminatedAt: 0, AddedHeight: head.height },
      }))
      await this.store.updateSector(id, () => undefined, { enqueue: 'terminate' })
      return { Res: SubmitResult.Accepted, Desc: null }
    })
    if (res.Res === SubmitResult.Accepted) {
      await this.#kick(id.Miner, 'terminate', true).catch((err) =>
        this.#log.warn({ err, sector: sectorKey(id) }, 'termination left queued'),
      )
    }
    return res
  }

  /** `PollTerminateSectorState`: the sector's `TerminateInfo`, after checking its message. */
  async pollTerminateSectorState(id: WireSectorId): Promise<WireTerminateInfo> {
    const got = await this.store.getSector(id)
    if (got === undefined) {
      throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`)
    }
    if (got.online && got.state.TerminateInfo?.TerminateCid) await this.#checkTermination(got.state)
    const now = (await this.store.getSector(id))?.state.TerminateInfo
    return now ?? { TerminateCid: null, TerminatedAt: 0, AddedHeight: 0 }
  }

  /** Sends the miner's queued terminations whose deadlines are mutable now, one message. */
  async #processTerminations(miner: number): Promise<void> {
    const m = this.#miner(miner)
    const locate = this.chain.sectorPartition?.bind(this.chain)
    if (!m || !locate || !this.chain.provingDeadline) return
    const queued = await this.store.listQueue('terminate', miner)
    if (queued.length === 0) return
    const [dl, head, p] = await Promise.all([
      this.chain.provingDeadline(miner),
      this.chain.head(),
      this.networkParams(),
    ])
    const groups = new Map<string, { deadline: number; partition: number; sectors: number[] }>()
    for (const q of [...queued].sort((a, b) => a.number - b.number)) {
      const id = { Miner: miner, Number: q.number }
      const loc = await locate(miner, q.number)
      if (loc === null) {
        // Not live any more (expired or terminated elsewhere): nothing to send.
        await this.store.finalizeSector(id, (s) => ({
          ...s,
          TerminateInfo: { ...(s.TerminateInfo as WireTerminateInfo), TerminatedAt: head.height },
        }))
        continue
      }
      // The actor refuses terminations in the current and the next deadline.
      if (loc.deadline === dl.index || loc.deadline === (dl.index + 1) % dl.deadlines) continue
      const key = `${loc.deadline}/${loc.partition}`
      const g = groups.get(key) ?? { ...loc, sectors: [] }
      g.sectors.push(q.number)
      groups.set(key, g)
    }
    if (groups.size === 0) return
    const entries = [...groups.values()]
    const included = entries.flatMap((e) => e.sectors)
    const msg: ManagerMessage = {
      from: m.commitment.prove.sender,
      to: `${p.addressPrefix}0${miner}`,
      method: MINER_TERMINATE_SECTORS,
      params: encodeTerminateSectors({ entries }),
      value: 0n,
    }
    const spec: ManagerSendSpec = {
      gasOverEstimation: m.commitment.prove.gasOverEstimation,
      maxFeeCap: m.commitment.prove.maxFeeCap,
      maxFee: m.commitment.prove.perSectorMaxFee * BigInt(included.length),
    }
    const uid = await this.#uniqueUid(msg)
    let claimed: StoredMessage
    try {
      claimed = await this.store.claimMessage(
        { uid, miner, kind: 'terminate', sectors: included, body: messageBody(msg, spec) },
        (s) => ({
          ...s,
          TerminateInfo: { ...(s.TerminateInfo as WireTerminateInfo), TerminateCid: { '/': uid } },
        }),
      )
    } catch (err) {
      if (err instanceof VenusError && err.code === 'ALREADY_EXISTS') return
      throw err
    }
    this.#terminationsSeen = true
    this.#log.info({ uid, miner, sectors: included }, 'terminate message claimed')
    await this.#push(claimed)
  }

  /** Settles one sector's claimed termination once its message landed (or failed). */
  async #checkTermination(s: SectorState): Promise<void> {
    const uid = s.TerminateInfo?.TerminateCid?.['/']
    if (uid === undefined) return
    const m = this.#miner(s.ID.Miner)
    const st = await this.messager.getMessageByUid(uid)
    const failed = st.state === 'failed' || (st.state === 'onchain' && (st.receipt?.exitCode ?? 0) !== 0)
    if (failed) {
      this.#log.error(
        { uid, sector: sectorKey(s.ID), error: st.error, receipt: st.receipt?.exitCode },
        'termination failed',
      )
      // Back offline without TerminateInfo, so the termination may be requested again.
      await this.store.finalizeSector(s.ID, ({ TerminateInfo: _t, ...rest }) => rest)
      return
    }
    if (st.state !== 'onchain' || st.confidence < (m?.commitment.confidence ?? 0)) return
    const head = await this.chain.head()
    await this.store.finalizeSector(s.ID, (x) => ({
      ...x,
      TerminateInfo: { ...(x.TerminateInfo as WireTerminateInfo), TerminatedAt: head.height },
    }))
    this.#log.info({ uid, sector: sectorKey(s.ID) }, 'sector terminated')
  }

  /**
   * Re-queues terminations that were accepted but whose queue entry was lost between the two
   * commits of `terminateSector` (a crash right after the record came back online).
   */
  async #repairTerminations(): Promise<void> {
    const queued = new Set((await this.store.listQueue('terminate')).map((q) => `${q.miner}/${q.number}`))
    for (const s of await this.store.listSectors(true)) {
      const t = s.TerminateInfo
      if (!t || t.TerminateCid !== null || queued.has(`${s.ID.Miner}/${s.ID.Number}`)) continue
      await this.store.updateSector(s.ID, () => undefined, { enqueue: 'terminate' })
    }
  }

  /** Checks every online sector with a claimed termination. */
  async #checkTerminations(): Promise<void> {
    if (this.#terminationsSeen === false) return
    let any = false
    for (const s of await this.store.listSectors(true)) {
      if (!s.TerminateInfo) continue
      any = true
      if (s.TerminateInfo.TerminateCid) await this.#checkTermination(s)
    }
    if (!any) this.#terminationsSeen = false
  }

  async #repushCreated(): Promise<void> {
    for (const m of await this.store.listMessages('created')) await this.#push(m)
  }
}

function rejected(desc: string): SubmitResp {
  return { Res: SubmitResult.Rejected, Desc: desc }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function messageBody(msg: ManagerMessage, spec: ManagerSendSpec): unknown {
  return {
    From: msg.from,
    To: msg.to,
    Method: msg.method,
    Params: encodeBase64Json(msg.params),
    Value: msg.value.toString(),
    Spec: {
      GasOverEstimation: spec.gasOverEstimation,
      MaxFeeCap: spec.maxFeeCap.toString(),
      MaxFee: spec.maxFee.toString(),
    },
  }
}

function messageFromBody(body: unknown): { message: ManagerMessage; spec: ManagerSendSpec } {
  const b = body as {
    From: string
    To: string
    Method: number
    Params: string
    Value: string
    Spec: { GasOverEstimation: number; MaxFeeCap: string; MaxFee: string }
  }
  return {
    message: {
      from: b.From,
      to: b.To,
      method: b.Method,
      params: new Uint8Array(Buffer.from(b.Params, 'base64')),
      value: BigInt(b.Value),
    },
    spec: {
      gasOverEstimation: b.Spec.GasOverEstimation,
      maxFeeCap: BigInt(b.Spec.MaxFeeCap),
      maxFee: BigInt(b.Spec.MaxFee),
    },
  }
}

/**
 * Sector expiration for a CC sector with the proving period taken into account (v0.1.2 used 0;
 * docs/manager.md, deviation 5).
 */
export function sectorExpiration(
  head: number,
  ticketEpoch: number,
  lifetimeDays: number,
  p: ManagerNetworkParams,
): number {
  const maxEnd = head + p.preCommitChallengeDelay + p.maxSectorExpirationExtension - p.provingPeriod
  let end = lifetimeDays > 0 ? head + lifetimeDays * EPOCHS_PER_DAY : maxEnd
  end = Math.max(end, head + p.minSectorExpiration + p.provingPeriod)
  end = Math.max(
    end,
    ticketEpoch + p.maxPreCommitRandomnessLookback + p.maxProveCommitDuration + p.minSectorExpiration,
  )
  return Math.min(end, maxEnd)
}

/** File names of the tree-r-last layers for a sector size. */
function treeRLast(sectorSize: number): string[] {
  if (sectorSize === 34359738368)
    return Array.from({ length: 8 }, (_, i) => `sc-02-data-tree-r-last-${i}.dat`)
  if (sectorSize === 68719476736)
    return Array.from({ length: 16 }, (_, i) => `sc-02-data-tree-r-last-${i}.dat`)
  return ['sc-02-data-tree-r-last.dat']
}

/** Checks a sector's persisted files; null when fine, else what is wrong. */
export async function checkSectorFiles(
  root: string,
  id: WireSectorId,
  sectorSize: number,
): Promise<string | null> {
  const name = `s-t0${id.Miner}-${id.Number}`
  try {
    const st = await stat(join(root, 'sealed', name))
    if (st.size !== sectorSize) return `sealed file is ${st.size} bytes, expected ${sectorSize}`
  } catch {
    return 'sealed file missing'
  }
  for (const f of ['p_aux', ...treeRLast(sectorSize)]) {
    try {
      await access(join(root, 'cache', name, f))
    } catch {
      return `cache file ${f} missing`
    }
  }
  return null
}

/**
 * The piece manifests of a sector's activation: none for CC; for a deal sector every piece in
 * order (fillers included, so the actor recomputes the declared CommD), deal pieces notifying
 * the market actor (f05) with the CBOR deal id, as `ProveCommitSectors3` expects.
 */
/** The piece manifests of a sector: none for CC; deal pieces notify the market actor (f05) of their deal. */
function activationPieces(s: SectorState): PieceActivationManifest[] {
  const pieces = s.Deals ?? []
  if (!pieces.some((p) => p.ID !== 0)) return []
  return pieces.map((p) => ({
    cid: CID.parse(p.Piece.Cid['/']),
    size: p.Piece.Size,
    verifiedAllocationKey: null,
    notify: p.ID === 0 ? [] : [{ address: 'f05', payload: cborEncode(p.ID) }],
  }))
}
