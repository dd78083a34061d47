/**
 * How PoSt, fault and recovery messages leave the scheduler: a {@link PoStSender} pushes one and
 * a {@link PoStLookup} reads where it stands. The node's mpool is the default pair; the
 * messager's is in `messager-sender.ts`.
 */
import {
  type ChainClient,
  type LotusMessage,
  toLotusMessage,
  unfilledMessage,
  VenusError,
} from '@venus-cluster/core'
import { cidString } from './util.js'
import type { DeadlineLease } from './window/leases.js'

/** A message the scheduler wants on chain. */
export interface PoStMessageRequest {
  from: string
  to: string
  method: number
  params: Uint8Array
  maxFee: bigint
  gasFeeCap: bigint
  /** Last epoch the message is of use (its window's close, the fault cutoff); 0: none. */
  expireEpoch?: number
}

/**
 * Pushes a message and returns an id for it (the CID string, or a messager UID). `lease` is the
 * deadline lease the message is sent under (already checked by the scheduler). `id`, when given,
 * is the id the lease store recorded for this message: a sender that can push under a chosen id
 * (a messager) uses it, and answers the same id when a message was pushed under it already.
 */
export type PoStSender = (
  msg: PoStMessageRequest,
  opts: { signal?: AbortSignal; lease?: DeadlineLease; id?: string },
) => Promise<string>

/**
 * Where a sent message stands: `null` while it is not on chain (pending, or reverted), its
 * inclusion `height` and `exitCode` once it is, or `failed` when the sender gave it up (a
 * messager's FailedMsg); then the scheduler sends again while the window is open.
 */
export type PoStMessageStatus = { height: number; exitCode: number } | { failed: string } | null

/** Looks up a message by the id its {@link PoStSender} returned. */
export type PoStLookup = (id: string, opts: { signal?: AbortSignal }) => Promise<PoStMessageStatus>

/** A sender and the lookup of what it sent. */
export interface PoStMessaging {
  send: PoStSender
  lookup: PoStLookup
}

/** The unsigned message of a request; nonce and gas are left for the node or messager to fill. */
export function postLotusMessage(m: PoStMessageRequest): LotusMessage {
  return toLotusMessage(
    unfilledMessage({ from: m.from, to: m.to, method: m.method, params: m.params, gasFeeCap: m.gasFeeCap }),
  )
}

/**
 * The default sender: `MpoolPushMessage` with the configured fee cap and `MaxFee`.
 *
 * @example
 * ```ts
 * const send = mpoolSender(chain)
 * ```
 */
export function mpoolSender(chain: Pick<ChainClient, 'mpoolPushMessage'>): PoStSender {
  return async (m, opts) => {
    const signed = await chain.mpoolPushMessage(
      postLotusMessage(m),
      { MaxFee: m.maxFee.toString() },
      opts.signal ? { signal: opts.signal } : undefined,
    )
    const cid = (signed as { CID?: unknown }).CID
    if (cid === undefined) throw new VenusError('MESSAGE_FAILED', 'MpoolPushMessage returned no CID')
    return cidString(cid)
  }
}

/**
 * The default lookup: `StateSearchMsg` by CID (the receipt's height and exit code).
 *
 * @example
 * ```ts
 * const lookup = chainLookup(chain)
 * const st = await lookup('bafy2bza...', {})
 * ```
 */
export function chainLookup(chain: Pick<ChainClient, 'stateSearchMsg'>): PoStLookup {
  return async (id) => {
    const found = await chain.stateSearchMsg({ '/': id })
    return found ? { height: found.Height, exitCode: found.Receipt.ExitCode } : null
  }
}
