import { randomUUID } from 'node:crypto'
import { type MessagerClient, MessageState } from '@venus-cluster/core'
import { type PoStMessaging, postLotusMessage } from './messages.js'

/** What {@link messagerPoSt} calls on a messager client. */
export type PoStMessagerClient = Pick<MessagerClient, 'pushMessageWithId' | 'getMessageByUid'> &
  Partial<Pick<MessagerClient, 'hasMessageByUid'>>

/**
 * PoSt, fault and recovery messages through venus-messager / sophon-messager, as damocles sends
 * them: `Message.PushMessageWithId` under a fresh UID per push (the messager fills nonce and gas
 * and signs through its wallet, so the chain node needs no wallet), then
 * `Message.GetMessageByUid` on every head. The scheduler applies `Confidence` to the inclusion
 * height the messager reports; a message the messager gives up (`FailedMsg`) is sent again while
 * its window is open.
 *
 * @example
 * ```ts
 * const messager = createMessagerClient(httpTransport('http://127.0.0.1:39812/rpc/v0', { token }))
 * const scheduler = new WindowPoStScheduler({ miner: 't01000', chain, proofs, locate, ...messagerPoSt(messager) })
 * ```
 */
export function messagerPoSt(
  messager: PoStMessagerClient,
  opts: { gasOverEstimation?: number } = {},
): PoStMessaging {
  return {
    async send(m, o) {
      const id = o.id ?? randomUUID()
      const call = o.signal ? { signal: o.signal } : undefined
      // Pushed already under this id (by this poster before a restart, or by the deadline's
      // previous lease holder): the messager sends it once; follow that one.
      const pushedAlready = async () =>
        o.id !== undefined &&
        messager.hasMessageByUid !== undefined &&
        (await messager.hasMessageByUid(id, call))
      if (await pushedAlready()) return id
      try {
        return await messager.pushMessageWithId(
          id,
          postLotusMessage(m),
          {
            // A proof is worthless once its window closed: let the messager drop it then.
            expireEpoch: m.expireEpoch ?? 0,
            gasOverEstimation: opts.gasOverEstimation ?? 0,
            maxFee: m.maxFee.toString(),
            gasOverPremium: 0,
          },
          call,
        )
      } catch (err) {
        // Another holder pushed it between the look-up and the push.
        if (await pushedAlready().catch(() => false)) return id
        throw err
      }
    },
    async lookup(id, o) {
      const msg = await messager.getMessageByUid(id, o.signal ? { signal: o.signal } : undefined)
      if (msg.State === MessageState.FailedMsg) return { failed: msg.ErrorMsg || 'marked bad' }
      if (
        (msg.State === MessageState.OnChainMsg || msg.State === MessageState.NonceConflictMsg) &&
        msg.Receipt !== null
      ) {
        return { height: msg.Height, exitCode: msg.Receipt.ExitCode }
      }
      return null
    },
  }
}
