/** Test deals: deals published straight into the market actor's state. */
import { publishDeal, type TestDealInput } from '../actors/market.js'
import type { Devnet } from '../devnet.js'

export type { TestDealInput }

/**
 * Publishes a test deal to the market state directly (no message, no collateral): enough for
 * deal-sector tests that need a deal id and a piece to check CommD against. Returns the deal id.
 *
 * @example
 * ```ts
 * import { publishTestDeal } from '@venus-cluster/devnet/testing'
 * const dealId = publishTestDeal(devnet, { pieceCid, pieceSize: 2048, client, provider: miner })
 * ```
 */
export function publishTestDeal(devnet: Devnet, deal: TestDealInput): number {
  return publishDeal(devnet.worldAt(), deal, devnet.head().height)
}
