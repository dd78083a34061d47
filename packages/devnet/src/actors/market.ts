/**
 * The storage market actor (f05), as far as the devnet keeps it: test deals published straight
 * into its state, and the data commitment of a sector's pieces. It takes no messages yet (a
 * `PublishStorageDeals` is refused like any message to an actor without code).
 */
import { VenusError } from '@venus-cluster/core'
import { resolveIn, type WorldState } from '../state.js'

/** A deal to publish; see {@link publishDeal}. */
export interface TestDealInput {
  pieceCid: string
  pieceSize: number
  /** Client and provider addresses (the provider a miner). */
  client: string
  provider: string
  /** Defaults: 200 epochs from `epoch`, and 180 days after that. */
  startEpoch?: number
  endEpoch?: number
  verified?: boolean
}

/**
 * Publishes a deal into `world`'s market state (no message, no collateral); returns its id.
 * Fails with ACTOR_NOT_FOUND when the client or provider is unknown or the provider is no miner.
 */
export function publishDeal(world: WorldState, deal: TestDealInput, epoch: number): number {
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
    startEpoch: deal.startEpoch ?? epoch + 200,
    endEpoch: deal.endEpoch ?? epoch + 200 + 180 * 2880,
    verified: deal.verified ?? false,
    sectorNumber: null,
  })
  return id
}
