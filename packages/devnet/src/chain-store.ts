/**
 * The devnet's chain store: tipsets on the current chain and on reverted forks, the index of
 * included messages, head-change subscribers, the replay log that persistence writes, and the
 * chain's randomness (tickets from the tipsets, beacon entries from the seed).
 */
import {
  drawRandomness,
  type LotusMessage,
  type LotusSignature,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import type { DevnetStoredMessage } from './messages.js'
import { beaconEntry, randomnessDigest } from './randomness.js'
import type { WorldState } from './state.js'

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

/** One mined tipset as persistence replays it: its height, fork and messages in order. */
export interface ReplayEntry {
  height: number
  branch: number
  messages: { message: LotusMessage; signature: LotusSignature }[]
}

/** The devnet's events (`devnet.events`). */
export type DevnetEvents = {
  /** Tipsets applied (mined) or reverted (a reorg: reverts first, then applies). */
  'head-change': DevnetHeadChange[]
}

/** Tipsets, message index, subscribers and randomness of one devnet (see the module comment). */
export class ChainStore {
  readonly #seed: string
  readonly #keepStates: number
  #chain: DevnetTipset[] = []
  readonly #byCid = new Map<string, DevnetTipset>()
  readonly #msgIndex = new Map<string, { tipset: DevnetTipset; index: number }>()
  readonly #log: ReplayEntry[] = []
  /** Head changes; a failing listener never breaks mining. */
  readonly events = new TypedEmitter<DevnetEvents>()

  constructor(opts: { seed: string; keepStates: number; genesis: DevnetTipset }) {
    this.#seed = opts.seed
    this.#keepStates = opts.keepStates
    this.#chain.push(opts.genesis)
    this.#byCid.set(opts.genesis.cid, opts.genesis)
  }

  /** The current head. */
  head(): DevnetTipset {
    return this.#chain[this.#chain.length - 1]!
  }

  /** The genesis tipset. */
  genesis(): DevnetTipset {
    return this.#chain[0]!
  }

  /** Tipsets on the current chain, genesis first. */
  get length(): number {
    return this.#chain.length
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
    return atOrAfter(ts.height, this.#chain)?.cid === ts.cid
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
    const chain = this.chainTo(from)
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

  /** The current-chain prefix ending at `ts` (which may be on a reverted fork). */
  chainTo(ts: DevnetTipset): readonly DevnetTipset[] {
    if (ts === this.head()) return this.#chain
    if (atOrAfter(ts.height, this.#chain) === ts) return this.#chain.slice(0, this.#chain.indexOf(ts) + 1)
    // A reverted tipset: walk parents.
    const out: DevnetTipset[] = []
    let cur: DevnetTipset | undefined = ts
    while (cur) {
      out.push(cur)
      cur = cur.parents[0] ? this.#byCid.get(cur.parents[0]) : undefined
    }
    return out.reverse()
  }

  /** Appends a mined tipset to the head, indexes its messages and logs it for replay. */
  append(ts: DevnetTipset): void {
    this.#chain.push(ts)
    this.#byCid.set(ts.cid, ts)
    ts.messages.forEach((m, index) => {
      this.#msgIndex.set(m.cid, { tipset: ts, index })
    })
    this.#log.push({
      height: ts.height,
      branch: ts.branch,
      messages: ts.messages.map((m) => ({ message: m.message, signature: m.signature })),
    })
    const old = this.#chain[this.#chain.length - 1 - this.#keepStates]
    if (old && old.height > 0) old.world = undefined
  }

  /** Takes the top `depth` tipsets off the chain (oldest first); their messages leave the index. */
  revertTop(depth: number): DevnetTipset[] {
    if (!(depth >= 1) || depth >= this.#chain.length) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `reorg depth ${depth} must be in [1, ${this.#chain.length - 1}]`,
      )
    }
    const reverted = this.#chain.splice(this.#chain.length - depth, depth)
    this.#log.splice(this.#log.length - depth, depth)
    for (const ts of reverted) for (const m of ts.messages) this.#msgIndex.delete(m.cid)
    return reverted
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

  /** A message by CID from the chain (also not yet executed, or on a reverted fork). */
  findMessage(cid: string): DevnetStoredMessage | undefined {
    const hit = this.#msgIndex.get(cid)
    if (hit) return hit.tipset.messages[hit.index]
    for (const ts of this.#byCid.values())
      for (const m of ts.messages) if (m.cid === cid || m.unsignedCid === cid) return m
    return undefined
  }

  /** Subscribes to head changes; the first call reports `current`. Returns an unsubscribe function. */
  subscribe(listener: (changes: DevnetHeadChange[]) => void): () => void {
    const off = this.events.on('head-change', listener)
    listener([{ type: 'current', tipset: this.head() }])
    return off
  }

  /** Reports head changes to every subscriber. */
  emit(changes: DevnetHeadChange[]): void {
    this.events.emit('head-change', changes)
  }

  /** The replay log: one entry per tipset on the current chain after genesis. */
  get replayLog(): readonly ReplayEntry[] {
    return this.#log
  }

  /** Ticket randomness as seen from `from` (head by default). */
  ticketRandomness(
    dst: number,
    epoch: number,
    entropy: Uint8Array,
    from: DevnetTipset = this.head(),
  ): Uint8Array {
    return ticketRandomnessOn(this.chainTo(from), dst, epoch, entropy)
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
    const ts = atOrAfter(epoch, this.chainTo(from))
    if (ts === undefined || epoch > from.height)
      throw new VenusError('RANDOMNESS_INVALID', 'cannot draw randomness from the future')
    return randomnessDigest(ts.ticket)
  }

  /** Digest of the beacon entry of `epoch`, before mixing. */
  beaconDigest(epoch: number): Uint8Array {
    return randomnessDigest(beaconEntry(this.#seed, Math.max(0, epoch)).data)
  }
}

/** First tipset with height ≥ `h` in `chain`. */
function atOrAfter(h: number, chain: readonly DevnetTipset[]): DevnetTipset | undefined {
  let lo = 0
  let hi = chain.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (chain[mid]!.height < h) lo = mid + 1
    else hi = mid
  }
  return chain[lo]
}

/** Ticket randomness at `epoch` on `chain` (a chain being mined, or the prefix to a tipset). */
export function ticketRandomnessOn(
  chain: readonly DevnetTipset[],
  dst: number,
  epoch: number,
  entropy: Uint8Array,
): Uint8Array {
  const top = chain[chain.length - 1]!
  if (epoch > top.height) throw new VenusError('RANDOMNESS_INVALID', 'cannot draw randomness from the future')
  const ts = atOrAfter(Math.max(0, epoch), chain)!
  return drawRandomness(dst, randomnessDigest(ts.ticket), epoch, entropy)
}
