/**
 * Choosing the sender of a message among several addresses configured for one kind of message
 * (`Sender = ["f01", "f02"]`): the one with the most funds, so one wallet running dry does not
 * stop sealing or proving. The manager uses it for commit and termination messages, the poster
 * for WindowPoSt, fault and recovery messages.
 */

/** What {@link pickRichestSender} chose. */
export interface RichestSender {
  address: string
  /** Its balance in attoFIL; undefined when not read (one sender, or no balance answered). */
  balance: bigint | undefined
  /** Whether it has `need`; false means no sender had it and the richest was taken anyway. */
  covers: boolean
}

/**
 * The richest of `senders` by `balanceOf` (a failed read skips that sender); with one sender, or
 * no balance read at all, the first sender. Undefined when `senders` is empty.
 *
 * @example
 * ```ts
 * const s = await pickRichestSender(['t01001', 't01002'], (a) => chain.walletBalance(a), 10n ** 16n)
 * s?.address // the one with more funds
 * ```
 */
export async function pickRichestSender(
  senders: readonly string[],
  balanceOf: ((address: string) => Promise<bigint>) | undefined,
  need: bigint,
): Promise<RichestSender | undefined> {
  const first = senders[0]
  if (first === undefined) return undefined
  if (senders.length === 1 || balanceOf === undefined)
    return { address: first, balance: undefined, covers: true }
  const read = await Promise.all(
    senders.map(async (address) => ({ address, balance: await balanceOf(address).catch(() => undefined) })),
  )
  const known = read.filter((r): r is { address: string; balance: bigint } => r.balance !== undefined)
  if (known.length === 0) return { address: first, balance: undefined, covers: true }
  const richest = known.reduce((a, b) => (b.balance > a.balance ? b : a))
  return { ...richest, covers: richest.balance >= need }
}
