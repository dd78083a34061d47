/**
 * The storage market actor (f05), as far as the devnet keeps it: test deals published straight
 * into its state — a verified one sets aside its client's DataCap in an allocation, as
 * `PublishStorageDeals` does since network version 22 — and the activation of deals whose
 * pieces a miner notifies it of (`SectorContentChanged`). It takes no messages yet (a
 * `PublishStorageDeals` is refused like any message to an actor without code).
 */
import { DATACAP_TOKEN_PRECISION, SingletonActor, VERIFIED_POLICY, VenusError } from '@venus-cluster/core'
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
  /** A verified deal: the client's DataCap pays for an allocation of the piece. */
  verified?: boolean
}

/**
 * Publishes a deal into `world`'s market state (no message, no collateral); returns its id.
 * A verified deal takes `pieceSize` bytes of the client's DataCap into an allocation (term min
 * the deal's duration, term max 90 days more, expiring at the deal's start or within 60 days),
 * found with `StateGetAllocationForPendingDeal`. Fails with ACTOR_NOT_FOUND when the client or
 * provider is unknown or the provider is no miner, INVALID_ARGUMENT when a verified deal's
 * client lacks the DataCap or the deal's terms make no valid allocation.
 */
export function publishDeal(world: WorldState, deal: TestDealInput, epoch: number): number {
  const client = resolveIn(world, deal.client)
  const provider = resolveIn(world, deal.provider)
  if (client === undefined || provider === undefined || !world.miners.has(provider)) {
    throw new VenusError('ACTOR_NOT_FOUND', 'deal client or provider does not exist')
  }
  const startEpoch = deal.startEpoch ?? epoch + 200
  const endEpoch = deal.endEpoch ?? startEpoch + 180 * 2880
  if (endEpoch <= startEpoch || startEpoch <= epoch)
    throw new VenusError(
      'INVALID_ARGUMENT',
      `deal start ${startEpoch} must be after now (${epoch}) and before its end ${endEpoch}`,
    )
  const verified = deal.verified ?? false
  const allocation = verified
    ? allocationForDeal(world, client, provider, deal, startEpoch, endEpoch, epoch)
    : undefined
  const id = world.nextDealId++
  world.deals.set(id, {
    id,
    pieceCid: deal.pieceCid,
    pieceSize: deal.pieceSize,
    client,
    provider,
    startEpoch,
    endEpoch,
    verified,
    sectorNumber: null,
    sectorStartEpoch: -1,
  })
  if (allocation !== undefined) world.pendingDealAllocations.set(id, allocation)
  return id
}

/** Moves the client's DataCap into an allocation for a verified deal (f05 `TransferFrom` to f06). */
function allocationForDeal(
  world: WorldState,
  client: number,
  provider: number,
  deal: TestDealInput,
  start: number,
  end: number,
  epoch: number,
): number {
  const termMin = end - start
  const termMax = Math.min(
    termMin + VERIFIED_POLICY.marketAllocationTermBuffer,
    VERIFIED_POLICY.maximumAllocationTerm,
  )
  const expiration = Math.min(start, epoch + VERIFIED_POLICY.maximumAllocationExpiration)
  if (termMin < VERIFIED_POLICY.minimumAllocationTerm)
    throw new VenusError(
      'INVALID_ARGUMENT',
      `verified deal lasts ${termMin} epochs, less than ${VERIFIED_POLICY.minimumAllocationTerm}`,
    )
  if (deal.pieceSize < VERIFIED_POLICY.minimumAllocationSizeSmallDeals)
    throw new VenusError('INVALID_ARGUMENT', `verified deal piece of ${deal.pieceSize} bytes is too small`)
  const amount = BigInt(deal.pieceSize) * DATACAP_TOKEN_PRECISION
  const have = world.datacap.get(client) ?? 0n
  if (have < amount)
    throw new VenusError(
      'INVALID_ARGUMENT',
      `client ${client} has ${have / DATACAP_TOKEN_PRECISION} bytes of DataCap, the deal needs ${deal.pieceSize}`,
    )
  world.datacap.set(client, have - amount)
  const f06 = SingletonActor.VerifiedRegistry
  world.datacap.set(f06, (world.datacap.get(f06) ?? 0n) + amount)
  const id = world.verifreg.nextAllocationId++
  world.verifreg.allocations.set(id, {
    client,
    provider,
    data: deal.pieceCid,
    size: deal.pieceSize,
    termMin,
    termMax,
    expiration,
  })
  return id
}

/** One piece a miner reports to the market as added to a sector (`SectorContentChanged`). */
export interface MarketPieceChange {
  /** The deal id of the notification payload. */
  dealId: number
  data: string
  size: number
}

/**
 * Market.SectorContentChanged: activates the deals of pieces a miner put into `sector` whose
 * proposal matches (provider, piece, size, not yet activated, not started, ending by the sector's
 * expiration). Returns per piece whether it was accepted; a rejected piece changes nothing.
 */
export function sectorContentChanged(
  world: WorldState,
  miner: number,
  sector: number,
  minimumCommitmentEpoch: number,
  pieces: readonly MarketPieceChange[],
  epoch: number,
): boolean[] {
  const seen = new Set<number>()
  return pieces.map((p) => {
    const d = world.deals.get(p.dealId)
    const ok =
      d !== undefined &&
      !seen.has(p.dealId) &&
      d.provider === miner &&
      d.sectorNumber === null &&
      epoch <= d.startEpoch &&
      d.endEpoch <= minimumCommitmentEpoch &&
      d.pieceCid === p.data &&
      d.pieceSize === p.size
    if (!ok) return false
    seen.add(p.dealId)
    d.sectorNumber = sector
    d.sectorStartEpoch = epoch
    world.pendingDealAllocations.delete(p.dealId)
    return true
  })
}
