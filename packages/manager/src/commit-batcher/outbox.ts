/**
 * The manager's outgoing messages: each gets a uid derived from its content (free at the store
 * and at the messager), is claimed in the store together with the sectors it carries (so two
 * managers on one database never send the same work twice), then pushed to the messager. A claim
 * that was not pushed (the messager was down, or the manager died) is pushed again later.
 */
import {
  blake2bHash,
  cborEncode,
  decodeBase64Json,
  encodeBase64Json,
  OnChainState,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { ManagerMessage, ManagerSendSpec } from '../chain.js'
import type { ServiceContext } from '../context.js'
import type { PollResult } from '../sector.js'
import type { CommitKind, SectorMutator, StoredMessage } from '../store/types.js'

/** Events of {@link MessageOutbox}. */
export type OutboxEvents = {
  /** The messager accepted a claimed message (at once, or on a later try). */
  'message:pushed': StoredMessage
}

/** A message to claim: what it carries and how it is sent. */
export interface OutgoingMessage {
  kind: CommitKind
  miner: number
  /** Numbers of the sectors it carries (their queue entries are taken by the claim). */
  sectors: number[]
  message: ManagerMessage
  spec: ManagerSendSpec
  /** Marks each carried sector's record with the message (runs in the claim's transaction). */
  mark: (uid: string) => SectorMutator
}

/**
 * Claims and pushes messages.
 *
 * @example
 * ```ts
 * const outbox = new MessageOutbox(ctx)
 * const claimed = await outbox.claim({ kind: 'pre', miner: 1000, sectors: [1, 2], message, spec, mark })
 * if (claimed) await outbox.push(claimed)
 * ```
 */
export class MessageOutbox extends TypedEmitter<OutboxEvents> {
  readonly #ctx: ServiceContext
  readonly #pushing = new Map<string, Promise<boolean>>()

  constructor(ctx: ServiceContext) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
  }

  /**
   * Claims the sectors for a message under a fresh uid. Resolves undefined when another manager
   * (sharing the database) claimed any of them first.
   */
  async claim(out: OutgoingMessage): Promise<StoredMessage | undefined> {
    const uid = await this.#uniqueUid(out.message)
    try {
      return await this.#ctx.store.claimMessage(
        {
          uid,
          miner: out.miner,
          kind: out.kind,
          sectors: out.sectors,
          body: messageBody(out.message, out.spec),
        },
        out.mark(uid),
      )
    } catch (err) {
      if (err instanceof VenusError && err.code === 'ALREADY_EXISTS') return undefined
      throw err
    }
  }

  async #uniqueUid(msg: ManagerMessage): Promise<string> {
    const body = cborEncode([msg.to, msg.from, msg.method, msg.params, msg.value.toString()])
    for (let i = 0; i < 256; i++) {
      const pre = new Uint8Array(body.length + 1)
      pre[0] = i
      pre.set(body, 1)
      const uid = CID.createV1(0x55, Digest.create(0xb220, blake2bHash(pre))).toString()
      if ((await this.#ctx.store.getMessage(uid)) !== undefined) continue
      if (await this.#ctx.messager.hasMessageByUid(uid)) continue
      return uid
    }
    throw new VenusError('INTERNAL', 'no free message uid after 256 tries')
  }

  /**
   * Pushes a claimed message (once: a uid the messager knows is not sent again). False when it
   * failed. The batcher pushes what it just claimed while its tick re-pushes every claim still
   * `created`: one push per uid runs at a time, and a claim already pushed is not pushed (nor
   * announced) again.
   */
  push(msg: StoredMessage): Promise<boolean> {
    const running = this.#pushing.get(msg.uid)
    if (running) return running
    const run = this.#push(msg).finally(() => this.#pushing.delete(msg.uid))
    this.#pushing.set(msg.uid, run)
    return run
  }

  async #push(msg: StoredMessage): Promise<boolean> {
    const { message, spec } = messageFromBody(msg.body)
    try {
      if ((await this.#ctx.store.getMessage(msg.uid))?.state === 'pushed') return true
      if (!(await this.#ctx.messager.hasMessageByUid(msg.uid)))
        await this.#ctx.messager.pushMessageWithId(msg.uid, message, spec)
      await this.#ctx.store.markMessagePushed(msg.uid)
    } catch (err) {
      this.#ctx.log.warn({ err, uid: msg.uid }, 'push to messager failed, will retry')
      return false
    }
    this.emit('message:pushed', msg)
    return true
  }

  /** Pushes every claimed message the messager has not accepted yet. */
  async repushCreated(): Promise<void> {
    for (const m of await this.#ctx.store.listMessages('created')) await this.push(m)
  }

  /**
   * Where a message stands, as a worker polls it: pending until the messager has it and while
   * it waits, packed until it is buried `confidence` epochs, then landed or failed by its receipt.
   */
  async state(uid: string, confidence: number): Promise<PollResult> {
    const stored = await this.#ctx.store.getMessage(uid)
    if (stored?.state === 'created') return { state: OnChainState.Pending, description: null }
    const st = await this.#ctx.messager.getMessageByUid(uid)
    if (st.state === 'onchain') {
      if (st.confidence < confidence) return { state: OnChainState.Packed, description: null }
      if (!st.receipt) return { state: OnChainState.Failed, description: 'message on chain without receipt' }
      if (st.receipt.exitCode !== 0) {
        return { state: OnChainState.Failed, description: `exit code ${st.receipt.exitCode}` }
      }
      return { state: OnChainState.Landed, description: null }
    }
    if (st.state === 'failed')
      return { state: OnChainState.Failed, description: st.error ?? 'message failed' }
    return { state: OnChainState.Pending, description: null }
  }
}

/**
 * The stored body of a message. It is the JSON the first versions stored (Go-style keys), so
 * claims written by them are pushed again unchanged.
 */
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

/** A stored body read back (see {@link messageBody}). */
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
      params: decodeBase64Json(b.Params, 'stored message Params'),
      value: BigInt(b.Value),
    },
    spec: {
      gasOverEstimation: b.Spec.GasOverEstimation,
      maxFeeCap: BigInt(b.Spec.MaxFeeCap),
      maxFee: BigInt(b.Spec.MaxFee),
    },
  }
}
