/**
 * The devnet: a deterministic, single-process Filecoin chain with a message pool, the power and
 * miner actors (sealing and WindowPoSt), null rounds and reorgs. `Devnet` is a façade over the
 * {@link ChainStore}, the {@link MessagePool} and the {@link BlockProducer}; the actors live in
 * `actors/`, persistence in `persist.ts`, test shortcuts in `testing/`.
 */
import {
  commD as coreCommD,
  type LotusMessage,
  type LotusSignature,
  type ProofsBackend,
  type Startable,
  type TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import type { ActorRuntime, DevnetProofVerifier } from './actor-types.js'
import { blsAddress, FAUCET_ACTOR_ID, secpAddress } from './actors/account.js'
import { publishDeal, type TestDealInput } from './actors/market.js'
import type { CommDFromPieces } from './actors/miner/common.js'
import { BlockProducer, genesisTipset } from './block-producer.js'
import {
  ChainStore,
  type DevnetEvents,
  type DevnetHeadChange,
  type DevnetMessageLookup,
  type DevnetReceipt,
  type DevnetTipset,
  type ReplayEntry,
} from './chain-store.js'
import { MessagePool } from './message-pool.js'
import type { MessagerEntry } from './messager-api.js'
import { type DevnetStoredMessage, devnetSign, seededBytes, storedFrom } from './messages.js'
import { type DevnetParams, devnetParams2k } from './params.js'
import { resolveIn, type WorldState } from './state.js'
import { createTestMiner, type TestMiner, type TestMinerOptions } from './testing/miners.js'
import { type InjectedSector, injectSectors } from './testing/sectors.js'
import { isProofsBackend, proofsVerifier } from './verifier.js'

export type { DevnetHeadChange, DevnetMessageLookup, DevnetReceipt, DevnetTipset }
export { resolveIn }

/** Options of {@link createDevnet}. */
export interface DevnetOptions {
  /** Everything random (tickets, beacon, keys, offsets) derives from this. */
  seed: string | number
  /** Mine one tipset every `blockTimeMs` after `start()`; without it epochs advance only by `mine()`. */
  blockTimeMs?: number
  /** Verifies seal, aggregate and WindowPoSt proofs. */
  proofs: ProofsBackend | DevnetProofVerifier
  /** Overrides of the 2k network parameters. */
  params?: Partial<DevnetParams>
  /** Persist the chain here and restore it on `start()`. */
  dataDir?: string
  /** Data commitment of a sector's pieces; defaults to core `commD`. */
  commD?: CommDFromPieces
  /** World snapshots kept for state queries on old tipsets (default 2000). */
  keepStates?: number
}

/** A message as callers hand it in: Lotus JSON, with the gas and nonce fields optional. */
export type DevnetMessageInput = Omit<
  LotusMessage,
  'Nonce' | 'GasLimit' | 'GasFeeCap' | 'GasPremium' | 'Version' | 'Params' | 'Value'
> &
  Partial<
    Pick<LotusMessage, 'Nonce' | 'GasLimit' | 'GasFeeCap' | 'GasPremium' | 'Version' | 'Params' | 'Value'>
  >

/** How often a devnet with a `dataDir` saves itself while it runs. */
const SAVE_EVERY_MS = 5000

/**
 * Creates a devnet. Nothing runs until `start()` (or `mine()`); the genesis tipset exists at once.
 *
 * @example
 * ```ts
 * const devnet = createDevnet({ seed: 1, proofs: mockProofs() })
 * await devnet.start()
 * const owner = devnet.newAccount('bls')
 * await devnet.faucet(owner, 10n ** 18n)
 * await devnet.mine(2)
 * ```
 */
export function createDevnet(options: DevnetOptions): Devnet {
  return new Devnet(options)
}

/** The devnet engine. Create it with {@link createDevnet}. */
export class Devnet implements Startable {
  readonly params: DevnetParams
  readonly seed: string
  readonly blockTimeMs: number | undefined
  readonly dataDir: string | undefined
  /** @internal The messager's queue (see `messagerMethods`); persisted with the chain. */
  readonly messagerEntries = new Map<string, MessagerEntry>()
  readonly #commD: CommDFromPieces
  readonly #chain: ChainStore
  readonly #mpool: MessagePool
  readonly #producer: BlockProducer
  #queue: Promise<unknown> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #saveTimer: NodeJS.Timeout | undefined
  #accountCounter = 0
  #started = false
  #loaded = false
  #pendingNull = 0

  constructor(options: DevnetOptions) {
    this.params = { ...devnetParams2k(), ...options.params }
    this.seed = String(options.seed)
    this.blockTimeMs = options.blockTimeMs
    this.dataDir = options.dataDir
    this.#commD = options.commD ?? ((pieces, size) => coreCommD(pieces, size))
    this.#chain = new ChainStore({
      seed: this.seed,
      keepStates: options.keepStates ?? 2000,
      genesis: genesisTipset(this.seed, this.params),
    })
    this.#mpool = new MessagePool({ params: this.params, world: () => this.worldAt() })
    this.#producer = new BlockProducer({
      seed: this.seed,
      params: this.params,
      verifier: isProofsBackend(options.proofs) ? proofsVerifier(options.proofs) : options.proofs,
      commD: this.#commD,
      chain: this.#chain,
      mpool: this.#mpool,
    })
  }

  /** Head changes as they happen (`events.on('head-change', …)`); see also {@link Devnet.subscribe}. */
  get events(): TypedEmitter<DevnetEvents> {
    return this.#chain.events
  }

  // ---------------------------------------------------------------- lifecycle

  /** Restores persisted state (with `dataDir`) and starts the block timer (with `blockTimeMs`). */
  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    if (this.dataDir !== undefined && !this.#loaded) {
      // Only a fresh instance reads the directory; a restarted one already holds the chain.
      this.#loaded = true
      const { loadDevnet } = await import('./persist.js')
      await loadDevnet(this, this.dataDir)
    }
    if (this.dataDir !== undefined) {
      // Save every few seconds too, so a killed process loses little.
      const dir = this.dataDir
      this.#saveTimer = setInterval(() => {
        void import('./persist.js')
          .then(({ saveDevnet }) => this.#enqueue(() => saveDevnet(this, dir)))
          .catch(() => {})
      }, SAVE_EVERY_MS)
      this.#saveTimer.unref?.()
    }
    if (this.blockTimeMs !== undefined && this.blockTimeMs > 0) {
      this.#timer = setInterval(() => {
        void this.mine(1).catch(() => {})
      }, this.blockTimeMs)
      this.#timer.unref?.()
    }
  }

  /** Stops the timer, waits for the tipset being mined, persists (with `dataDir`). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    if (this.#saveTimer) clearInterval(this.#saveTimer)
    this.#timer = undefined
    this.#saveTimer = undefined
    await this.#queue.catch(() => {})
    if (this.dataDir !== undefined && this.#started) {
      const { saveDevnet } = await import('./persist.js')
      await saveDevnet(this, this.dataDir)
    }
    this.#started = false
  }

  // ---------------------------------------------------------------- chain access

  /** The current head. */
  head(): DevnetTipset {
    return this.#chain.head()
  }

  /** The genesis tipset. */
  genesis(): DevnetTipset {
    return this.#chain.genesis()
  }

  /** A tipset by its block CID (also reverted ones), or undefined. */
  tipsetByCid(cid: string): DevnetTipset | undefined {
    return this.#chain.tipsetByCid(cid)
  }

  /** Resolves a tipset key (array of CID strings; empty = head). */
  tipsetByKey(key: readonly string[]): DevnetTipset {
    return this.#chain.tipsetByKey(key)
  }

  /** Whether a tipset is on the current chain. */
  onChain(ts: DevnetTipset): boolean {
    return this.#chain.onChain(ts)
  }

  /**
   * The tipset at `height` on the chain ending at `from` (default head); for a null round the
   * tipset below it, as `ChainGetTipSetByHeight` does.
   */
  tipsetAtHeight(height: number, from: DevnetTipset = this.head()): DevnetTipset {
    return this.#chain.tipsetAtHeight(height, from)
  }

  /** The world state after `ts` (head by default). Throws NOT_FOUND for pruned snapshots. */
  worldAt(ts: DevnetTipset = this.head()): WorldState {
    return this.#chain.worldAt(ts)
  }

  /** Subscribes to head changes; the first call reports `current`. Returns an unsubscribe function. */
  subscribe(listener: (changes: DevnetHeadChange[]) => void): () => void {
    return this.#chain.subscribe(listener)
  }

  /** Pending messages of the mpool. */
  pending(): DevnetStoredMessage[] {
    return this.#mpool.pending()
  }

  /**
   * Every message the devnet's messager was given, one per id (a copy, read-only): what was
   * pushed, whether it reached the mpool (`cid`) and whether it was marked bad. Tests use it to
   * see that a client never queued the same work under two ids.
   *
   * @example
   * ```ts
   * for (const m of devnet.messagerMessages()) console.log(m.id, m.message.Method, m.cid)
   * ```
   */
  messagerMessages(): { id: string; message: LotusMessage; cid: string | undefined; failed: boolean }[] {
    return [...this.messagerEntries.values()].map((e) => ({
      id: e.id,
      message: { ...e.message },
      cid: e.stored?.cid,
      failed: e.failed,
    }))
  }

  /** Finds a message on the current chain with an executed receipt, or undefined. */
  searchMessage(cid: string): DevnetMessageLookup | undefined {
    return this.#chain.searchMessage(cid)
  }

  /** A message by CID from the chain (also not yet executed) or the mpool. */
  getMessage(cid: string): DevnetStoredMessage | undefined {
    return this.#chain.findMessage(cid) ?? this.#mpool.find(cid)
  }

  /**
   * Waits until the message is executed with `confidence` tipsets on top.
   * @example
   * ```ts
   * const lookup = await devnet.waitMessage(cid, 0, { signal })
   * ```
   */
  waitMessage(
    cid: string,
    confidence = 0,
    opts: { signal?: AbortSignal } = {},
  ): Promise<DevnetMessageLookup> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.searchMessage(cid)
        if (found && this.head().height - found.executed.height >= confidence) {
          resolve(found)
          return true
        }
        return false
      }
      if (check()) return
      let unsubscribe: () => void = () => {}
      const onAbort = () => {
        unsubscribe()
        reject(new VenusError('ABORTED', `waiting for message ${cid} aborted`))
      }
      if (opts.signal?.aborted) return onAbort()
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      unsubscribe = this.subscribe(() => {
        if (check()) {
          unsubscribe()
          opts.signal?.removeEventListener('abort', onAbort)
        }
      })
    })
  }

  // ---------------------------------------------------------------- accounts

  /** A new deterministic key address (not on chain until funded). */
  newAccount(kind: 'bls' | 'secp256k1' = 'bls'): string {
    const n = this.#accountCounter++
    if (kind === 'bls') return blsAddress(seededBytes(`${this.seed}/bls/${n}`, 48), this.params.addressPrefix)
    return secpAddress(seededBytes(`${this.seed}/secp/${n}`, 20), this.params.addressPrefix)
  }

  /** The genesis faucet account's address. */
  faucetAddress(): string {
    return this.worldAt(this.genesis()).accounts.get(FAUCET_ACTOR_ID)!.key
  }

  /** Pushes a transfer from the faucet to `to`; returns the message CID (lands in the next tipset). */
  async faucet(to: string, amount: bigint): Promise<string> {
    const signed = await this.pushMessage({
      To: to,
      From: this.faucetAddress(),
      Value: amount.toString(),
      Method: 0,
    })
    return signed.cid
  }

  /** Resolves an address to an actor id in `world` (head by default), or undefined. */
  resolve(addr: string, world: WorldState = this.worldAt()): number | undefined {
    return resolveIn(world, addr)
  }

  /** Formats an actor id as an address with the network prefix. */
  idAddress(id: number): string {
    return `${this.params.addressPrefix}0${id}`
  }

  /** Balance of any actor (account or miner), 0 if missing. */
  balance(addr: string, world: WorldState = this.worldAt()): bigint {
    const id = resolveIn(world, addr)
    if (id === undefined) return 0n
    return world.accounts.get(id)?.balance ?? world.miners.get(id)?.balance ?? 0n
  }

  /** Next nonce of `addr`, counting pending mpool messages. */
  nonceOf(addr: string): number {
    return this.#mpool.nonceOf(addr)
  }

  // ---------------------------------------------------------------- messages

  /**
   * Fills nonce and gas, "signs" (signatures are not verified on the devnet) and pushes a
   * message, as `MpoolPushMessage` does. Gas estimation runs the message on the head state and
   * fails with the actor's abort text if it would fail.
   */
  async pushMessage(input: DevnetMessageInput, spec?: { maxFee?: bigint }): Promise<DevnetStoredMessage> {
    const msg: LotusMessage = {
      Version: 0,
      To: input.To,
      From: input.From,
      Nonce: input.Nonce ?? this.nonceOf(input.From),
      Value: input.Value ?? '0',
      GasLimit: input.GasLimit ?? 0,
      GasFeeCap: input.GasFeeCap ?? '0',
      GasPremium: input.GasPremium ?? '0',
      Method: input.Method,
      Params: input.Params ?? null,
    }
    const filled = msg.GasLimit > 0 ? msg : await this.estimateGas(msg)
    if (spec?.maxFee !== undefined && spec.maxFee > 0n) {
      const fee = BigInt(filled.GasLimit) * BigInt(filled.GasFeeCap)
      if (fee > spec.maxFee) filled.GasFeeCap = (spec.maxFee / BigInt(filled.GasLimit)).toString()
    }
    return this.push(devnetSign(filled))
  }

  /** Adds a signed message to the mpool (`MpoolPush`). Signatures are not verified. */
  push(stored: DevnetStoredMessage): DevnetStoredMessage {
    return this.#mpool.push(stored)
  }

  /** Pushes a message with a signature the caller made (MpoolPush). */
  pushSigned(message: LotusMessage, signature: LotusSignature): DevnetStoredMessage {
    return this.push(storedFrom(message, signature))
  }

  /** Fills GasLimit (used × 1.25), GasPremium and GasFeeCap; throws the actor's abort as CHAIN_ERROR. */
  estimateGas(msg: LotusMessage): Promise<LotusMessage> {
    return this.#producer.estimateGas(msg)
  }

  /**
   * Executes a message on a copy of `ts`'s state at epoch `ts.height + 1` (nothing persists), as
   * `StateCall` does for "what if this landed next".
   */
  dryRun(msg: LotusMessage, ts: DevnetTipset = this.head()): Promise<{ receipt: DevnetReceipt }> {
    return this.#producer.dryRun(msg, ts)
  }

  // ---------------------------------------------------------------- mining

  /**
   * Mines `n` tipsets (each after `nullRounds` null rounds), including pending messages.
   * Resolves with the new head.
   */
  mine(n = 1, opts: { nullRounds?: number } = {}): Promise<DevnetTipset> {
    return this.#enqueue(async () => {
      for (let i = 0; i < n; i++) {
        const skip = (opts.nullRounds ?? 0) + this.#pendingNull
        this.#pendingNull = 0
        await this.#producer.mineNext(skip)
      }
      return this.head()
    })
  }

  /** Makes the next mined tipset skip `k` heights (null rounds), whether mined by timer or by hand. */
  nullRounds(k: number): void {
    this.#pendingNull += k
  }

  /**
   * Reorg: reverts the top `depth` tipsets and mines `depth` replacements on a new fork (new
   * tickets, so new CIDs and randomness). Messages of the reverted tipsets go back to the mpool
   * and are included again. Subscribers get one batch of `revert` then `apply` changes.
   */
  reorg(depth: number, opts: { nullRounds?: number } = {}): Promise<DevnetTipset> {
    return this.#enqueue(async () => {
      await this.#producer.reorg(depth, opts.nullRounds ?? 0)
      return this.head()
    })
  }

  /** Ticket randomness as seen from `from` (head by default). */
  ticketRandomness(
    dst: number,
    epoch: number,
    entropy: Uint8Array,
    from: DevnetTipset = this.head(),
  ): Uint8Array {
    return this.#chain.ticketRandomness(dst, epoch, entropy, from)
  }

  /** Beacon randomness as seen from `from` (head by default). */
  beaconRandomness(
    dst: number,
    epoch: number,
    entropy: Uint8Array,
    from: DevnetTipset = this.head(),
  ): Uint8Array {
    return this.#chain.beaconRandomness(dst, epoch, entropy, from)
  }

  /** Digest of the min ticket at `epoch` (or the first tipset after a null round), before mixing. */
  ticketDigest(epoch: number, from: DevnetTipset = this.head()): Uint8Array {
    return this.#chain.ticketDigest(epoch, from)
  }

  /** Digest of the beacon entry of `epoch`, before mixing. */
  beaconDigest(epoch: number): Uint8Array {
    return this.#chain.beaconDigest(epoch)
  }

  // ---------------------------------------------------------------- test shortcuts

  /**
   * Funds a new BLS owner/worker account and creates a miner through real messages
   * (faucet → CreateMiner), mining the tipsets needed. For tests and `devnet run`; the same as
   * `createTestMiner(devnet, opts)` of `@venus-cluster/devnet/testing`.
   *
   * @example
   * ```ts
   * const { miner, owner } = await devnet.createTestMiner({ windowPoStProofType: 10 })
   * ```
   */
  createTestMiner(opts: TestMinerOptions = {}): Promise<TestMiner> {
    return createTestMiner(this, opts)
  }

  /**
   * Activates sectors of a miner directly in the head state, already proven (no messages, no
   * proofs): a shortcut for PoSt tests that need many sectors. Sectors are assigned to deadlines
   * and partitions like prove-committed ones. The same as `injectSectors(devnet, …)` of
   * `@venus-cluster/devnet/testing`.
   */
  injectSectors(minerAddr: string, sectors: readonly InjectedSector[]): void {
    injectSectors(this, minerAddr, sectors)
  }

  /**
   * Publishes a test deal to the market state directly (no message): enough for deal-sector
   * tests that need a deal id and a piece to verify CommD against. Returns the deal id.
   */
  publishTestDeal(deal: TestDealInput): number {
    return publishDeal(this.worldAt(), deal, this.head().height)
  }

  /** The data commitment of pieces in a sector (market `ComputeDataCommitment`). */
  computeDataCommitment(pieces: { commP: Uint8Array; paddedSize: number }[], sectorSize: number): Uint8Array {
    return this.#commD(pieces, sectorSize)
  }

  // ---------------------------------------------------------------- internals

  /** @internal An actor runtime on `world` for a message landing in the next tipset. */
  runtimeForNext(world: WorldState, caller: number, value: bigint): ActorRuntime {
    const head = this.head()
    return this.#producer.runtime(world, head.height + 1, this.#chain.chainTo(head), caller, value)
  }

  /** @internal Replay log for persistence. */
  get replayLog(): readonly ReplayEntry[] {
    return this.#chain.replayLog
  }

  /** @internal Restores a persisted chain by replaying its tipsets. */
  async restore(
    log: readonly ReplayEntry[],
    mpool: { message: LotusMessage; signature: LotusSignature }[],
    accountCounter: number,
  ): Promise<void> {
    await this.#enqueue(async () => {
      for (const entry of log) await this.#producer.replay(entry)
      for (const m of mpool) this.#mpool.restore(storedFrom(m.message, m.signature))
      this.#accountCounter = accountCounter
    })
  }

  /** @internal */
  get accountCounter(): number {
    return this.#accountCounter
  }

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return run
  }
}
