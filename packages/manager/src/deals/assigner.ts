/**
 * Filling a sector with deals: the market assigns them (one assignment at a time, as markets hand
 * out in order), the pieces are laid out and checked, stored with the sector, and given back to
 * the market when the sector cannot use them.
 */
import { type SectorId, TypedEmitter, VenusError } from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import { KeyedMutex } from '../mutex.js'
import { type SectorPiece, sectorKey } from '../sector.js'
import { checkSectorPieces, layoutDealPieces, type ManagerMarket } from './market.js'

/** Events of {@link DealAssigner}. */
export type DealEvents = {
  /** Deals were assigned to a sector and stored with it. */
  'deals:assigned': { sector: SectorId; dealIds: number[] }
  /** Deals went back to the market (the sector could not use them, or was aborted). */
  'deals:released': { sector: SectorId; dealIds: number[] }
}

/**
 * Assigns market deals to sectors.
 *
 * @example
 * ```ts
 * const deals = new DealAssigner(ctx, createMemoryMarket())
 * const pieces = await deals.acquire({ miner: 1000, number: 1 }, { maxDeals: null })
 * ```
 */
export class DealAssigner extends TypedEmitter<DealEvents> {
  readonly #ctx: ServiceContext
  readonly #market: ManagerMarket | undefined
  readonly #marketLock = new KeyedMutex()

  /** Without a market every sector is CC. */
  constructor(ctx: ServiceContext, market: ManagerMarket | undefined) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#market = market
  }

  /**
   * The sector's pieces. Pieces already stored are returned again (a retrying worker gets the
   * same answer). Otherwise, if the miner has deals enabled and a market is wired, the market
   * assigns deals and the sector is filled with zero pieces (dealId 0) after them; the layout is
   * checked, stored, and on any failure the deals go back to the market. `null` = CC.
   */
  async acquire(
    id: SectorId,
    spec: { maxDeals: number | null } = { maxDeals: null },
    opts: { upgrade?: boolean } = {},
  ): Promise<SectorPiece[] | null> {
    const ctx = this.#ctx
    const s = await ctx.online(id)
    if (s.pieces && s.pieces.length > 0) return s.pieces
    const market = this.#market
    if (market === undefined || !ctx.miner(id.miner)?.deal.enabled || spec.maxDeals === 0) return null
    return ctx.locks.run(sectorKey(id), async () => {
      const again = await ctx.online(id)
      if (again.pieces && again.pieces.length > 0) return again.pieces
      // Precommitted as CC: too late for pieces, unless the sector is being snapped up.
      if (again.preCommit !== null && opts.upgrade !== true) return null
      const sectorSize = await ctx.sectorSize(id.miner, again.proofType)
      // One assignment at a time, as the original's global deal mutex: markets hand out in order.
      const deals = await this.#marketLock.run('market', () =>
        market.assignDeals(id.miner, id.number, { sectorSize, maxDeals: spec.maxDeals }),
      )
      if (deals.length === 0) return null
      try {
        const pieces = layoutDealPieces(deals, sectorSize)
        const bad = checkSectorPieces(pieces, sectorSize)
        if (bad !== undefined)
          throw new VenusError('INVALID_ARGUMENT', `market pieces for ${sectorKey(id)}: ${bad}`)
        const saved = await ctx.store.updateSector(id, (st) => ({ ...st, pieces }))
        const dealIds = deals.map((d) => d.id)
        ctx.log.info({ sector: sectorKey(id), deals: dealIds }, 'deals assigned')
        this.emit('deals:assigned', { sector: id, dealIds })
        return saved.pieces
      } catch (err) {
        const dealIds = deals.map((d) => d.id)
        await market
          .release(id.miner, dealIds)
          .then(() => this.emit('deals:released', { sector: id, dealIds }))
          .catch((e) => ctx.log.error({ err: e, sector: sectorKey(id) }, 'releasing deals failed'))
        throw err
      }
    })
  }

  /**
   * Gives the deals of a sector's pieces back to the market (before the sector is aborted).
   * Rejects when the market refuses, so the caller can keep the sector until it is retried.
   */
  async release(id: SectorId, pieces: readonly SectorPiece[] | null): Promise<void> {
    const dealIds = (pieces ?? []).map((d) => d.dealId).filter((n) => n !== 0)
    if (dealIds.length === 0 || this.#market === undefined) return
    await this.#market.release(id.miner, dealIds)
    this.emit('deals:released', { sector: id, dealIds })
  }
}
