/**
 * Filling a sector with data: direct pieces queued by the operator first, else market deals (the
 * market assigns them one assignment at a time, as markets hand out in order). The pieces are laid
 * out and checked, stored with the sector, and given back (to the queue or the market) when the
 * sector cannot use them.
 */
import { type SectorId, TypedEmitter, VenusError } from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import { KeyedMutex } from '../mutex.js'
import { type SectorPiece, sectorKey } from '../sector.js'
import type { ActivationWindow } from './activation.js'
import type { DirectPieces } from './direct.js'
import { checkSectorPieces, layoutDealPieces, layoutPieces, type ManagerMarket } from './market.js'

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
  readonly #direct: DirectPieces | undefined
  readonly #marketLock = new KeyedMutex()

  /** Without a market and direct pieces every sector is CC. */
  constructor(ctx: ServiceContext, market: ManagerMarket | undefined, direct?: DirectPieces | undefined) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#market = market
    this.#direct = direct
  }

  /**
   * The sector's pieces. Pieces already stored are returned again (a retrying worker gets the
   * same answer). Otherwise, if the miner has deals enabled, queued direct pieces are taken, else
   * the market (when wired) assigns deals; the sector is filled with zero pieces (dealId 0) after
   * them, the layout is checked, stored, and on any failure the pieces go back. `null` = CC.
   */
  async acquire(
    id: SectorId,
    spec: { maxDeals: number | null } = { maxDeals: null },
    opts: {
      upgrade?: boolean
      /** A snap-up's activation window and fixed expiration: direct pieces must fit them. */
      fit?: { window: ActivationWindow; expiration: number } | undefined
    } = {},
  ): Promise<SectorPiece[] | null> {
    const ctx = this.#ctx
    const s = await ctx.online(id)
    if (s.pieces && s.pieces.length > 0) return s.pieces
    const market = this.#market
    if ((market === undefined && this.#direct === undefined) || !ctx.miner(id.miner)?.deal.enabled)
      return null
    if (spec.maxDeals === 0) return null
    return ctx.locks.run(sectorKey(id), async () => {
      const again = await ctx.online(id)
      if (again.pieces && again.pieces.length > 0) return again.pieces
      // Precommitted as CC: too late for pieces, unless the sector is being snapped up.
      if (again.preCommit !== null && opts.upgrade !== true) return null
      const sectorSize = await ctx.sectorSize(id.miner, again.proofType)
      const direct = (await this.#direct?.take(id, sectorSize, opts.fit)) ?? []
      if (direct.length > 0)
        return this.#store(
          id,
          () => layoutPieces(direct, sectorSize),
          sectorSize,
          () =>
            this.#direct!.release(id, direct).catch((e) =>
              ctx.log.error({ err: e, sector: sectorKey(id) }, 'releasing direct pieces failed'),
            ),
        )
      if (market === undefined) return null
      // One assignment at a time, as the original's global deal mutex: markets hand out in order.
      const deals = await this.#marketLock.run('market', () =>
        market.assignDeals(id.miner, id.number, { sectorSize, maxDeals: spec.maxDeals }),
      )
      if (deals.length === 0) return null
      const dealIds = deals.map((d) => d.id)
      return this.#store(
        id,
        () => layoutDealPieces(deals, sectorSize),
        sectorSize,
        () =>
          market
            .release(id.miner, dealIds)
            .then(() => this.emit('deals:released', { sector: id, dealIds }))
            .catch((e) => ctx.log.error({ err: e, sector: sectorKey(id) }, 'releasing deals failed')),
      )
    })
  }

  /** Checks and stores a sector's pieces; on failure gives them back and rethrows. */
  async #store(
    id: SectorId,
    layout: () => SectorPiece[],
    sectorSize: number,
    giveBack: () => Promise<void>,
  ): Promise<SectorPiece[] | null> {
    const ctx = this.#ctx
    try {
      const pieces = layout()
      const bad = checkSectorPieces(pieces, sectorSize)
      if (bad !== undefined) throw new VenusError('INVALID_ARGUMENT', `pieces for ${sectorKey(id)}: ${bad}`)
      const saved = await ctx.store.updateSector(id, (st) => ({ ...st, pieces }))
      const dealIds = pieces.map((p) => p.dealId).filter((d) => d !== 0)
      if (dealIds.length > 0) {
        ctx.log.info({ sector: sectorKey(id), deals: dealIds }, 'deals assigned')
        this.emit('deals:assigned', { sector: id, dealIds })
      } else ctx.log.info({ sector: sectorKey(id), pieces: pieces.length }, 'direct pieces assigned')
      return saved.pieces
    } catch (err) {
      await giveBack()
      throw err
    }
  }

  /**
   * Gives the deals of a sector's pieces back to the market and its direct pieces back to the
   * queue (before the sector is aborted). Rejects when the market refuses, so the caller can keep
   * the sector until it is retried.
   */
  async release(id: SectorId, pieces: readonly SectorPiece[] | null): Promise<void> {
    await this.#direct?.release(id, pieces ?? [])
    const dealIds = (pieces ?? []).map((d) => d.dealId).filter((n) => n !== 0)
    if (dealIds.length === 0 || this.#market === undefined) return
    await this.#market.release(id.miner, dealIds)
    this.emit('deals:released', { sector: id, dealIds })
  }
}
