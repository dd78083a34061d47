/**
 * The devnet: a deterministic, single-process Filecoin chain with a message pool, the power and
 * miner actors (sealing and WindowPoSt), null rounds and reorgs.
 */
import {
  addressFromBytes,
  commD as coreCommD,
  decodeCreateMinerReturn,
  drawRandomness,
  type LotusMessage,
  type LotusSignature,
  type ProofsBackend,
  SingletonActor,
  VenusError,
} from '@venus-cluster/core'
import type { ActorRuntime, DevnetProofVerifier } from './actor-types.js'
import { zeroCommDCid } from './commitments.js'
import { applyMessage, type ExecutionEnv } from './execute.js'
import { nextBaseFee } from './gas.js'
import type { MessagerEntry } from './messager-api.js'
import { cidOfValue, type DevnetStoredMessage, devnetSign, seededBytes, storedFrom } from './messages.js'
import { assignSector as assignSectorForTest, type CommDFromPieces, minerCron } from './miner-actor.js'
import { type DevnetParams, devnetParams2k, maxProveCommitDuration } from './params.js'
import { beaconEntry, randomnessDigest, ticketProof } from './randomness.js'
import { copyWorld, emptyWorld, mutableMiner, resolveIn, type WorldState } from './state.js'
import { isProofsBackend, proofsVerifier } from './verifier.js'

export { resolveIn }

/** A message receipt. */
export interface DevnetReceipt {
  exitCode: number
  return: Uint8Array | null
  gasUsed: number
  /** The abort message of a failed message (not part of Lotus receipts; kept for diagnostics). */
  error: string
}

/** One tipset (the devnet mines one block per tipset). */
export interface DevnetTipset {
  height: number
  /** CID of the single block; the tipset key is `[cid]`. */
  cid: string
  parents: string[]
  parentWeight: bigint
  ticket: Uint8Array
  beacon: { round: number; data: Uint8Array }
  timestamp: number
  /** Base fee the messages of this tipset pay. */
  parentBaseFee: bigint
  parentStateRoot: string
  parentMessageReceipts: string
  messagesRoot: string
  stateRoot: string
  messages: DevnetStoredMessage[]
  receipts: DevnetReceipt[]
  gasLimitUsed: number
  branch: number
  /** World state after this tipset; dropped for old tipsets (see `keepStates`). */
  world: WorldState | undefined
}

/** A head change as ChainNotify reports it. */
export interface DevnetHeadChange {
  type: 'current' | 'apply' | 'revert'
  tipset: DevnetTipset
}

/** Where an executed message lives. */
export interface DevnetMessageLookup {
  message: DevnetStoredMessage
  receipt: DevnetReceipt
  /** Tipset that included the message (executed at its height). */
  included: DevnetTipset
  /** The child tipset carrying the receipt: what Lotus reports as `TipSet`/`Height`. */
  executed: DevnetTipset
}

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

const GAS_OVERESTIMATION = 1.25
const DEFAULT_PREMIUM = 100_000n
const FAUCET_ACTOR_ID = 100

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
export class Devnet {
  readonly params: DevnetParams
  readonly seed: string
  readonly blockTimeMs: number | undefined
  readonly dataDir: string | undefined
  readonly #verifier: DevnetProofVerifier
  readonly #commD: CommDFromPieces
  readonly #keepStates: number
  #chain: DevnetTipset[] = []
  readonly #byCid = new Map<string, DevnetTipset>()
  readonly #msgIndex = new Map<string, { tipset: DevnetTipset; index: number }>()
  readonly #mpool = new Map<string, DevnetStoredMessage>()
  readonly #listeners = new Set<(changes: DevnetHeadChange[]) => void>()
  /** @internal The messager's queue (see `messagerMethods`); persisted with the chain. */
  readonly messagerEntries = new Map<string, MessagerEntry>()
  #queue: Promise<unknown> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #saveTimer: NodeJS.Timeout | undefined
  #branch = 0
  #accountCounter = 0
  #started = false
  #loaded = false
  #pendingNull = 0
  /** Replay log for persistence: each entry is one mined tipset. */
  #log: {
    height: number
    branch: number
    messages: { message: LotusMessage; signature: LotusSignature }[]
  }[] = []

  constructor(options: DevnetOptions) {
    this.params = { ...devnetParams2k(), ...options.params }
    this.seed = String(options.seed)
    this.blockTimeMs = options.blockTimeMs
    this.dataDir = options.dataDir
    this.#verifier = isProofsBackend(options.proofs) ? proofsVerifier(options.proofs) : options.proofs
    this.#commD = options.commD ?? ((pieces, size) => coreCommD(pieces, size))
    this.#keepStates = options.keepStates ?? 2000
    this.#genesis()
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
      }, 5000)
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
    return this.#chain[this.#chain.length - 1]!
  }

  /** The genesis tipset. */
  genesis(): DevnetTipset {
    return this.#chain[0]!
  }

  /** A tipset by its block CID (also reverted ones), or undefined. */
  tipsetByCid(cid: string): DevnetTipset | undefined {
    return this.#byCid.get(cid)
  }

  /** Resolves a tipset key (array of CID strings; empty = head). */
  tipsetByKey(key: readonly string[]): DevnetTipset {
    if (key.length === 0) return this.head()
    const ts = this.#byCid.get(key[0]!)
    if (ts === undefined)
      throw new VenusError('NOT_FOUND', `tipset ${key[0]} not found`, { details: { key } })
    return ts
  }

  /** Whether a tipset is on the current chain. */
  onChain(ts: DevnetTipset): boolean {
    const found = this.#atOrAfter(ts.height, this.#chain)
    return found?.cid === ts.cid
  }

  /**
   * The tipset at `height` on the chain ending at `from` (default head); for a null round the
   * tipset below it, as `ChainGetTipSetByHeight` does.
   */
  tipsetAtHeight(height: number, from: DevnetTipset = this.head()): DevnetTipset {
    if (height > from.height) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `looking for tipset with height greater than start point (${height} > ${from.height})`,
      )
    }
    if (height < 0) throw new VenusError('INVALID_ARGUMENT', `negative height ${height}`)
    const chain = this.#chainTo(from)
    let lo = 0
    let hi = chain.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (chain[mid]!.height <= height) lo = mid
      else hi = mid - 1
    }
    return chain[lo]!
  }

  /** The world state after `ts` (head by default). Throws NOT_FOUND for pruned snapshots. */
  worldAt(ts: DevnetTipset = this.head()): WorldState {
    if (ts.world === undefined) {
      throw new VenusError('NOT_FOUND', `state of tipset at height ${ts.height} is no longer kept`, {
        details: { height: ts.height },
      })
    }
    return ts.world
  }

  /** Subscribes to head changes; the first call reports `current`. Returns an unsubscribe function. */
  subscribe(listener: (changes: DevnetHeadChange[]) => void): () => void {
    this.#listeners.add(listener)
    listener([{ type: 'current', tipset: this.head() }])
    return () => this.#listeners.delete(listener)
  }

  /** Pending messages of the mpool. */
  pending(): DevnetStoredMessage[] {
    return [...this.#mpool.values()]
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
    const hit = this.#msgIndex.get(cid)
    if (hit === undefined) return undefined
    const idx = this.#chain.indexOf(hit.tipset)
    const child = this.#chain[idx + 1]
    if (idx < 0 || child === undefined) return undefined
    return {
      message: hit.tipset.messages[hit.index]!,
      receipt: hit.tipset.receipts[hit.index]!,
      included: hit.tipset,
      executed: child,
    }
  }

  /** A message by CID from the chain (also not yet executed) or the mpool. */
  getMessage(cid: string): DevnetStoredMessage | undefined {
    const hit = this.#msgIndex.get(cid)
    if (hit) return hit.tipset.messages[hit.index]
    for (const m of this.#mpool.values()) if (m.cid === cid || m.unsignedCid === cid) return m
    for (const ts of this.#byCid.values())
      for (const m of ts.messages) if (m.cid === cid || m.unsignedCid === cid) return m
    return undefined
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
    if (kind === 'bls') {
      const pub = seededBytes(`${this.seed}/bls/${n}`, 48)
      return blsAddress(pub, this.params.addressPrefix)
    }
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
    const world = this.worldAt()
    const id = resolveIn(world, addr)
    let nonce = id === undefined ? 0 : (world.accounts.get(id)?.nonce ?? 0)
    const key = id === undefined ? addr.slice(1) : undefined
    for (const m of this.#mpool.values()) {
      const from = resolveIn(world, m.message.From)
      const same = from !== undefined ? from === id : key !== undefined && m.message.From.slice(1) === key
      if (same && m.message.Nonce >= nonce) nonce = m.message.Nonce + 1
    }
    return nonce
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
    const m = stored.message
    if (!Number.isInteger(m.Nonce) || m.Nonce < 0)
      throw new VenusError('INVALID_ARGUMENT', `bad nonce ${m.Nonce}`)
    if (!(m.GasLimit > 0)) throw new VenusError('INVALID_ARGUMENT', 'message gas limit must be positive')
    if (m.GasLimit > this.params.blockGasLimit)
      throw new VenusError('INVALID_ARGUMENT', 'message gas limit above the block gas limit')
    const world = this.worldAt()
    const from = resolveIn(world, m.From)
    if (from === undefined || !world.accounts.has(from)) {
      throw new VenusError('ACTOR_NOT_FOUND', `sender ${m.From} does not exist on chain`, {
        details: { from: m.From },
      })
    }
    const acct = world.accounts.get(from)!
    if (m.Nonce < acct.nonce)
      throw new VenusError('INVALID_ARGUMENT', `nonce ${m.Nonce} too low, expected ≥ ${acct.nonce}`)
    const need = BigInt(m.Value) + BigInt(m.GasLimit) * BigInt(m.GasFeeCap)
    if (acct.balance < need) {
      throw new VenusError('INSUFFICIENT_FUNDS', `not enough funds in ${m.From}: ${acct.balance} < ${need}`, {
        details: { from: m.From, balance: acct.balance.toString(), need: need.toString() },
      })
    }
    // Replace-by-nonce: a message with the same sender and nonce replaces the pending one.
    for (const [cid, p] of this.#mpool) {
      if (p.message.Nonce === m.Nonce && resolveIn(world, p.message.From) === from) this.#mpool.delete(cid)
    }
    this.#mpool.set(stored.cid, stored)
    return stored
  }

  /** Pushes a message with a signature the caller made (MpoolPush). */
  pushSigned(message: LotusMessage, signature: LotusSignature): DevnetStoredMessage {
    return this.push(storedFrom(message, signature))
  }

  /** Fills GasLimit (used × 1.25), GasPremium and GasFeeCap; throws the actor's abort as CHAIN_ERROR. */
  async estimateGas(msg: LotusMessage): Promise<LotusMessage> {
    const head = this.head()
    const { receipt } = await this.dryRun({ ...msg, GasLimit: this.params.blockGasLimit }, head)
    if (receipt.exitCode !== 0) {
      throw new VenusError(
        'CHAIN_ERROR',
        `estimating gas used: message execution failed: exit ${receipt.exitCode}: ${receipt.error}`,
        {
          details: { exitCode: receipt.exitCode },
        },
      )
    }
    const premium = BigInt(msg.GasPremium) > 0n ? BigInt(msg.GasPremium) : DEFAULT_PREMIUM
    const baseFee = nextBaseFee(
      head.parentBaseFee,
      head.gasLimitUsed,
      this.params.blockGasLimit,
      this.params.minimumBaseFee,
    )
    const feeCap = BigInt(msg.GasFeeCap) > 0n ? BigInt(msg.GasFeeCap) : baseFee * 2n + premium
    return {
      ...msg,
      GasLimit: Math.ceil(receipt.gasUsed * GAS_OVERESTIMATION),
      GasPremium: premium.toString(),
      GasFeeCap: feeCap.toString(),
    }
  }

  /**
   * Executes a message on a copy of `ts`'s state at epoch `ts.height + 1` (nothing persists), as
   * `StateCall` does for "what if this landed next".
   */
  async dryRun(msg: LotusMessage, ts: DevnetTipset = this.head()): Promise<{ receipt: DevnetReceipt }> {
    const world = copyWorld(this.worldAt(ts))
    const acct = resolveIn(world, msg.From)
    const nonce = acct !== undefined ? (world.accounts.get(acct)?.nonce ?? 0) : 0
    const chain = this.#chainTo(ts)
    const receipt = await this.#apply(
      world,
      { ...msg, Nonce: nonce, GasLimit: msg.GasLimit > 0 ? msg.GasLimit : this.params.blockGasLimit },
      ts.height + 1,
      0n,
      chain,
      undefined,
      true,
    )
    return { receipt }
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
        const ts = await this.#mineOne(this.head().height + 1 + skip, this.#branch)
        this.#emit([{ type: 'apply', tipset: ts }])
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
      if (!(depth >= 1) || depth >= this.#chain.length) {
        throw new VenusError(
          'INVALID_ARGUMENT',
          `reorg depth ${depth} must be in [1, ${this.#chain.length - 1}]`,
        )
      }
      const reverted = this.#chain.splice(this.#chain.length - depth, depth)
      const target = reverted[reverted.length - 1]!.height + (opts.nullRounds ?? 0)
      this.#log.splice(this.#log.length - depth, depth)
      for (const ts of reverted) {
        ts.messages.forEach((m) => {
          this.#msgIndex.delete(m.cid)
          this.#mpool.set(m.cid, m)
        })
      }
      this.#branch++
      const applied: DevnetTipset[] = []
      const startHeight = reverted[0]!.height
      for (let i = 0; i < depth; i++) {
        const h = i === depth - 1 ? Math.max(target, startHeight + i) : startHeight + i
        applied.push(await this.#mineOne(h, this.#branch))
      }
      const changes: DevnetHeadChange[] = [
        ...reverted.reverse().map((tipset) => ({ type: 'revert' as const, tipset })),
        ...applied.map((tipset) => ({ type: 'apply' as const, tipset })),
      ]
      this.#emit(changes)
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
    return this.#ticketRandomness(this.#chainTo(from), dst, epoch, entropy)
  }

  /** Beacon randomness as seen from `from` (head by default). */
  beaconRandomness(
    dst: number,
    epoch: number,
    entropy: Uint8Array,
    from: DevnetTipset = this.head(),
  ): Uint8Array {
    if (epoch > from.height)
      throw new VenusError('RANDOMNESS_INVALID', 'cannot draw randomness from the future')
    return drawRandomness(dst, this.beaconDigest(epoch), epoch, entropy)
  }

  /** Digest of the min ticket at `epoch` (or the first tipset after a null round), before mixing. */
  ticketDigest(epoch: number, from: DevnetTipset = this.head()): Uint8Array {
    const chain = this.#chainTo(from)
    const ts = this.#atOrAfter(epoch, chain)
    if (ts === undefined || epoch > from.height)
      throw new VenusError('RANDOMNESS_INVALID', 'cannot draw randomness from the future')
    return randomnessDigest(ts.ticket)
  }

  /** Digest of the beacon entry of `epoch`, before mixing. */
  beaconDigest(epoch: number): Uint8Array {
    return randomnessDigest(beaconEntry(this.seed, Math.max(0, epoch)).data)
  }

  // ---------------------------------------------------------------- test shortcuts

  /**
   * Funds a new BLS owner/worker account and creates a miner through real messages
   * (faucet → CreateMiner), mining the tipsets needed. For tests and `devnet run`.
   *
   * @example
   * ```ts
   * const { miner, owner } = await devnet.createTestMiner({ windowPoStProofType: 10 })
   * ```
   */
  async createTestMiner(
    opts: { windowPoStProofType?: number; funds?: bigint; owner?: string } = {},
  ): Promise<{
    owner: string
    miner: string
    minerId: number
    robustAddress: string
  }> {
    const owner = opts.owner ?? this.newAccount('bls')
    await this.faucet(owner, opts.funds ?? 1000n * 10n ** 18n)
    await this.mine(1)
    const { encodeParams } = await import('./params-codec.js')
    const params = encodeParams.createMiner({
      owner,
      worker: owner,
      windowPoStProofType: opts.windowPoStProofType ?? 10,
      peer: new Uint8Array(),
      multiaddrs: [],
    })
    const msg = await this.pushMessage({
      To: this.idAddress(SingletonActor.Power),
      From: owner,
      Value: this.params.minerCreationDeposit.toString(),
      Method: 2,
      Params: Buffer.from(params).toString('base64'),
    })
    await this.mine(2)
    const found = this.searchMessage(msg.cid)
    const ret = found?.receipt.exitCode === 0 ? found.receipt.return : null
    if (ret === null) {
      throw new VenusError('MESSAGE_FAILED', `CreateMiner failed: ${found?.receipt.error ?? 'not executed'}`)
    }
    const { idAddress, robustAddress } = decodeCreateMinerReturn(ret, this.params.addressPrefix)
    return { owner, miner: idAddress, minerId: Number(idAddress.slice(2)), robustAddress }
  }

  /**
   * Activates sectors of a miner directly in the head state, already proven (no messages, no
   * proofs): a shortcut for PoSt tests that need many sectors. Sectors are assigned to deadlines
   * and partitions like prove-committed ones.
   */
  injectSectors(
    minerAddr: string,
    sectors: { sectorNumber: number; sealedCid: string; sealProof?: number }[],
  ): void {
    const world = this.worldAt()
    const id = resolveIn(world, minerAddr)
    // The head's world may share this miner with older snapshots: clone before changing it.
    const m = id === undefined ? undefined : mutableMiner(world, id)
    if (m === undefined) throw new VenusError('ACTOR_NOT_FOUND', `miner ${minerAddr} not found`)
    const rt = this.#runtime(world, this.head().height + 1, this.#chain, m.owner, 0n)
    for (const s of sectors) {
      if (m.allocated.has(s.sectorNumber))
        throw new VenusError('ALREADY_EXISTS', `sector ${s.sectorNumber} already allocated`)
      const { deadline, partition } = assignSectorForTest(rt, m, s.sectorNumber)
      m.deadlines[deadline]!.partitions[partition]!.unproven.delete(s.sectorNumber)
      m.allocated.add(s.sectorNumber)
      const pledge = BigInt(m.sectorSize) * this.params.initialPledgePerByte
      m.sectors.set(s.sectorNumber, {
        sectorNumber: s.sectorNumber,
        sealProof: s.sealProof ?? 5,
        sealedCid: s.sealedCid,
        unsealedCid: zeroCommDCid(m.sectorSize),
        activation: this.head().height,
        expiration:
          this.head().height + this.params.minSectorExpiration + maxProveCommitDuration(this.params),
        dealWeight: 0n,
        verifiedDealWeight: 0n,
        initialPledge: pledge,
        deadline,
        partition,
      })
      m.balance += pledge
      m.initialPledge += pledge
    }
  }

  // ---------------------------------------------------------------- test deals (market)

  /**
   * Publishes a test deal to the market state directly (no message): enough for deal-sector
   * tests that need a deal id and a piece to verify CommD against. Returns the deal id.
   */
  publishTestDeal(deal: {
    pieceCid: string
    pieceSize: number
    client: string
    provider: string
    startEpoch?: number
    endEpoch?: number
    verified?: boolean
  }): number {
    const world = this.worldAt()
    const client = resolveIn(world, deal.client)
    const provider = resolveIn(world, deal.provider)
    if (client === undefined || provider === undefined || !world.miners.has(provider)) {
      throw new VenusError('ACTOR_NOT_FOUND', 'deal client or provider does not exist')
    }
    const id = world.nextDealId++
    world.deals.set(id, {
      id,
      pieceCid: deal.pieceCid,
      pieceSize: deal.pieceSize,
      client,
      provider,
      startEpoch: deal.startEpoch ?? this.head().height + 200,
      endEpoch: deal.endEpoch ?? this.head().height + 200 + 180 * 2880,
      verified: deal.verified ?? false,
      sectorNumber: null,
    })
    return id
  }

  /** The data commitment of pieces in a sector (market `ComputeDataCommitment`). */
  computeDataCommitment(pieces: { commP: Uint8Array; paddedSize: number }[], sectorSize: number): Uint8Array {
    return this.#commD(pieces, sectorSize)
  }

  // ---------------------------------------------------------------- internals

  /** @internal Replay log for persistence. */
  get replayLog(): readonly {
    height: number
    branch: number
    messages: { message: LotusMessage; signature: LotusSignature }[]
  }[] {
    return this.#log
  }

  /** @internal Restores a persisted chain by replaying its tipsets. */
  async restore(
    log: readonly {
      height: number
      branch: number
      messages: { message: LotusMessage; signature: LotusSignature }[]
    }[],
    mpool: { message: LotusMessage; signature: LotusSignature }[],
    accountCounter: number,
  ): Promise<void> {
    await this.#enqueue(async () => {
      for (const entry of log) {
        this.#branch = entry.branch
        // Exactly the logged messages in the logged order: the execution order decides state.
        await this.#mineOne(
          entry.height,
          entry.branch,
          entry.messages.map((m) => storedFrom(m.message, m.signature)),
        )
      }
      for (const m of mpool) {
        const s = storedFrom(m.message, m.signature)
        this.#mpool.set(s.cid, s)
      }
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

  #emit(changes: DevnetHeadChange[]): void {
    for (const l of this.#listeners) {
      try {
        l(changes)
      } catch {
        // A failing subscriber must not break mining.
      }
    }
  }

  #genesis(): void {
    const world = emptyWorld()
    const faucetKey = blsAddress(seededBytes(`${this.seed}/faucet`, 48), this.params.addressPrefix)
    world.accounts.set(FAUCET_ACTOR_ID, {
      id: FAUCET_ACTOR_ID,
      key: faucetKey,
      balance: this.params.faucetBalance,
      nonce: 0,
    })
    world.keyIndex.set(faucetKey.slice(1), FAUCET_ACTOR_ID)
    const beacon = beaconEntry(this.seed, 0)
    const stateRoot = cidOfValue(['state', this.seed, 0]).toString()
    const empty = cidOfValue([[], []]).toString()
    const ts: DevnetTipset = {
      height: 0,
      cid: cidOfValue(['genesis', this.seed, this.params.networkName]).toString(),
      parents: [],
      parentWeight: 0n,
      ticket: ticketProof(this.seed, 0, 0),
      beacon,
      timestamp: this.params.genesisTimestamp,
      parentBaseFee: this.params.initialBaseFee,
      parentStateRoot: stateRoot,
      parentMessageReceipts: empty,
      messagesRoot: empty,
      stateRoot,
      messages: [],
      receipts: [],
      gasLimitUsed: 0,
      branch: 0,
      world,
    }
    this.#chain.push(ts)
    this.#byCid.set(ts.cid, ts)
  }

  /** The current-chain prefix ending at `ts` (which may be on a reverted fork). */
  #chainTo(ts: DevnetTipset): DevnetTipset[] {
    if (ts === this.head()) return this.#chain
    if (this.onChainFast(ts)) return this.#chain.slice(0, this.#chain.indexOf(ts) + 1)
    // A reverted tipset: walk parents.
    const out: DevnetTipset[] = []
    let cur: DevnetTipset | undefined = ts
    while (cur) {
      out.push(cur)
      cur = cur.parents[0] ? this.#byCid.get(cur.parents[0]) : undefined
    }
    return out.reverse()
  }

  private onChainFast(ts: DevnetTipset): boolean {
    const found = this.#atOrAfter(ts.height, this.#chain)
    return found === ts
  }

  /** First tipset with height ≥ `h` in `chain`. */
  #atOrAfter(h: number, chain: readonly DevnetTipset[]): DevnetTipset | undefined {
    let lo = 0
    let hi = chain.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (chain[mid]!.height < h) lo = mid + 1
      else hi = mid
    }
    return chain[lo]
  }

  #ticketRandomness(
    chain: readonly DevnetTipset[],
    dst: number,
    epoch: number,
    entropy: Uint8Array,
  ): Uint8Array {
    const top = chain[chain.length - 1]!
    if (epoch > top.height)
      throw new VenusError('RANDOMNESS_INVALID', 'cannot draw randomness from the future')
    const ts = this.#atOrAfter(Math.max(0, epoch), chain)!
    return drawRandomness(dst, randomnessDigest(ts.ticket), epoch, entropy)
  }

  /** Builds, executes and appends one tipset at `height`. */
  async #mineOne(height: number, branch: number, replay?: DevnetStoredMessage[]): Promise<DevnetTipset> {
    const parent = this.head()
    const world = copyWorld(this.worldAt(parent))
    const baseFee = nextBaseFee(
      parent.parentBaseFee,
      parent.gasLimitUsed,
      this.params.blockGasLimit,
      this.params.minimumBaseFee,
    )
    const selected = replay ?? this.#select(world, baseFee)
    const ticket = ticketProof(this.seed, height, branch)
    const beacon = beaconEntry(this.seed, height)
    const messagesRoot = cidOfValue(selected.map((m) => m.cid)).toString()
    const cid = cidOfValue([this.seed, height, branch, parent.cid, messagesRoot]).toString()
    const ts: DevnetTipset = {
      height,
      cid,
      parents: [parent.cid],
      parentWeight: parent.parentWeight + 1n,
      ticket,
      beacon,
      timestamp: this.params.genesisTimestamp + height * this.params.blockDelaySecs,
      parentBaseFee: baseFee,
      parentStateRoot: parent.stateRoot,
      parentMessageReceipts: cidOfValue(parent.receipts.map((r) => [r.exitCode, r.gasUsed])).toString(),
      messagesRoot,
      stateRoot: '',
      messages: selected,
      receipts: [],
      gasLimitUsed: selected.reduce((a, m) => a + m.message.GasLimit, 0),
      branch,
      world,
    }
    const chain = [...this.#chain, ts]
    for (let e = parent.height + 1; e < height; e++) this.#cron(world, e, chain)
    for (const m of selected) {
      ts.receipts.push(await this.#apply(world, m.message, height, baseFee, chain, m))
      this.#mpool.delete(m.cid)
    }
    this.#cron(world, height, chain)
    ts.stateRoot = cidOfValue([
      parent.stateRoot,
      height,
      branch,
      ts.receipts.map((r) => [r.exitCode, r.gasUsed]),
    ]).toString()
    this.#chain.push(ts)
    this.#byCid.set(ts.cid, ts)
    ts.messages.forEach((m, index) => {
      this.#msgIndex.set(m.cid, { tipset: ts, index })
    })
    this.#log.push({
      height,
      branch,
      messages: selected.map((m) => ({ message: m.message, signature: m.signature })),
    })
    const old = this.#chain[this.#chain.length - 1 - this.#keepStates]
    if (old && old.height > 0) old.world = undefined
    return ts
  }

  /** Picks mpool messages: per sender in nonce order from its state nonce, within the block gas limit. */
  #select(world: WorldState, baseFee: bigint): DevnetStoredMessage[] {
    const bySender = new Map<number | string, DevnetStoredMessage[]>()
    for (const m of this.#mpool.values()) {
      const from = resolveIn(world, m.message.From) ?? m.message.From
      const list = bySender.get(from) ?? []
      bySender.set(from, list)
      list.push(m)
    }
    const out: DevnetStoredMessage[] = []
    let gas = 0
    for (const [from, list] of bySender) {
      list.sort((a, b) => a.message.Nonce - b.message.Nonce)
      let nonce = typeof from === 'number' ? (world.accounts.get(from)?.nonce ?? 0) : 0
      for (const m of list) {
        if (m.message.Nonce < nonce) {
          this.#mpool.delete(m.cid)
          continue
        }
        if (m.message.Nonce !== nonce) break
        if (BigInt(m.message.GasFeeCap) < baseFee) break
        if (gas + m.message.GasLimit > this.params.blockGasLimit) break
        gas += m.message.GasLimit
        out.push(m)
        nonce++
      }
    }
    return out
  }

  #cron(world: WorldState, epoch: number, chain: readonly DevnetTipset[]): void {
    for (const m of world.miners.values()) {
      const rt = this.#runtime(world, epoch, chain, SingletonActor.Cron, 0n)
      minerCron(rt, m)
    }
  }

  #runtime(
    world: WorldState,
    epoch: number,
    chain: readonly DevnetTipset[],
    caller: number,
    value: bigint,
  ): ActorRuntime {
    return {
      epoch,
      params: this.params,
      world,
      proofs: this.#verifier,
      caller,
      value,
      ticketRandomness: (dst, e, entropy) => this.#ticketRandomness(chain, dst, e, entropy),
      beaconRandomness: (dst, e, entropy) => drawRandomness(dst, this.beaconDigest(e), e, entropy),
      idAddress: (id) => this.idAddress(id),
      resolve: (addr) => resolveIn(world, addr),
    }
  }

  /** Applies one message to `world` at `epoch` (see {@link applyMessage}). */
  #apply(
    world: WorldState,
    msg: LotusMessage,
    epoch: number,
    baseFee: bigint,
    chain: readonly DevnetTipset[],
    _stored?: DevnetStoredMessage,
    dryRun = false,
  ): Promise<DevnetReceipt> {
    const env: ExecutionEnv = {
      runtime: (w, caller, value) => this.#runtime(w, epoch, chain, caller, value),
      commD: this.#commD,
    }
    return applyMessage(env, world, msg, baseFee, dryRun)
  }
}

function blsAddress(pub: Uint8Array, prefix: 'f' | 't'): string {
  return addressFromBytes(new Uint8Array([3, ...pub]), prefix).toString()
}

function secpAddress(payload: Uint8Array, prefix: 'f' | 't'): string {
  return addressFromBytes(new Uint8Array([1, ...payload]), prefix).toString()
}
