/**
 * The devnet's message pool: pending signed messages, checked on the way in (nonce, gas limit,
 * funds; a message with the sender's nonce replaces the pending one), and picked for the next
 * block per sender in nonce order within the block gas limit.
 */
import { VenusError } from '@venus-cluster/core'
import type { DevnetStoredMessage } from './messages.js'
import type { DevnetParams } from './params.js'
import { resolveIn, type WorldState } from './state.js'

/** What the pool needs: the gas limit of a block, and the head's state. */
export interface MessagePoolComponents {
  params: Pick<DevnetParams, 'blockGasLimit'>
  /** The state pushes are checked against (the head's). */
  world(): WorldState
}

/** Pending messages of one devnet (see the module comment). */
export class MessagePool {
  readonly #c: MessagePoolComponents
  readonly #pending = new Map<string, DevnetStoredMessage>()

  constructor(components: MessagePoolComponents) {
    this.#c = components
  }

  /** Pending messages, in the order they came. */
  pending(): DevnetStoredMessage[] {
    return [...this.#pending.values()]
  }

  /** A pending message by its on-chain or unsigned CID. */
  find(cid: string): DevnetStoredMessage | undefined {
    for (const m of this.#pending.values()) if (m.cid === cid || m.unsignedCid === cid) return m
    return undefined
  }

  /** Next nonce of `addr`, counting pending messages. */
  nonceOf(addr: string): number {
    const world = this.#c.world()
    const id = resolveIn(world, addr)
    let nonce = id === undefined ? 0 : (world.accounts.get(id)?.nonce ?? 0)
    const key = id === undefined ? addr.slice(1) : undefined
    for (const m of this.#pending.values()) {
      const from = resolveIn(world, m.message.From)
      const same = from !== undefined ? from === id : key !== undefined && m.message.From.slice(1) === key
      if (same && m.message.Nonce >= nonce) nonce = m.message.Nonce + 1
    }
    return nonce
  }

  /** Checks and adds a signed message (`MpoolPush`). Signatures are not verified. */
  push(stored: DevnetStoredMessage): DevnetStoredMessage {
    const m = stored.message
    if (!Number.isInteger(m.Nonce) || m.Nonce < 0)
      throw new VenusError('INVALID_ARGUMENT', `bad nonce ${m.Nonce}`)
    if (!(m.GasLimit > 0)) throw new VenusError('INVALID_ARGUMENT', 'message gas limit must be positive')
    if (m.GasLimit > this.#c.params.blockGasLimit)
      throw new VenusError('INVALID_ARGUMENT', 'message gas limit above the block gas limit')
    const world = this.#c.world()
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
    for (const [cid, p] of this.#pending) {
      if (p.message.Nonce === m.Nonce && resolveIn(world, p.message.From) === from) this.#pending.delete(cid)
    }
    this.#pending.set(stored.cid, stored)
    return stored
  }

  /** Puts a message back without checks (from a reverted tipset, or a restored pool). */
  restore(stored: DevnetStoredMessage): void {
    this.#pending.set(stored.cid, stored)
  }

  /** Drops a message (it was included). */
  remove(cid: string): void {
    this.#pending.delete(cid)
  }

  /**
   * The messages of the next block on `world`: per sender in nonce order from its state nonce,
   * as long as the fee cap covers `baseFee` and the block gas limit holds. Messages whose nonce
   * is already used are dropped.
   */
  select(world: WorldState, baseFee: bigint): DevnetStoredMessage[] {
    const bySender = new Map<number | string, DevnetStoredMessage[]>()
    for (const m of this.#pending.values()) {
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
          this.#pending.delete(m.cid)
          continue
        }
        if (m.message.Nonce !== nonce) break
        if (BigInt(m.message.GasFeeCap) < baseFee) break
        if (gas + m.message.GasLimit > this.#c.params.blockGasLimit) break
        gas += m.message.GasLimit
        out.push(m)
        nonce++
      }
    }
    return out
  }
}
