/**
 * The sender of a manager message when a miner names several for its kind: the richest that can
 * pay the message's value and fee limit (core's `pickRichestSender` over the chain's balances).
 * With one sender (or a chain view without balances) that sender is used, as before.
 */
import { pickRichestSender, type RichestSender } from '@venus-cluster/core'
import type { ManagerChain } from '../chain.js'

/**
 * Picks the sender of a message that needs `need` attoFIL (value plus fee limit); undefined when
 * there is none.
 *
 * @example
 * ```ts
 * const c = await chooseSender(chain, ['t01001', 't01002'], value + maxFee)
 * message.from = c?.address
 * ```
 */
export function chooseSender(
  chain: Pick<ManagerChain, 'balance'>,
  senders: readonly string[],
  need: bigint,
): Promise<RichestSender | undefined> {
  return pickRichestSender(senders, chain.balance?.bind(chain), need)
}
