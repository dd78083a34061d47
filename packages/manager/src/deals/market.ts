/**
 * The deal side of the manager: where deals come from ({@link ManagerMarket}), an
 * in-memory market for tests and the devnet ({@link createMemoryMarket}), and how a sector's
 * pieces are laid out — deals, then zero filler pieces (DealID 0) up to the sector size.
 */
import { commitmentToCid, VenusError, zeroCommitment } from '@venus-cluster/core'
import type { SectorPiece } from '../sector.js'

/** One deal offered by the market for sealing. */
export interface ManagerMarketDeal {
  /** On-chain deal id (> 0). */
  id: number
  /** Piece CID (`baga…`). */
  pieceCid: string
  /** Padded piece size (power of two). */
  pieceSize: number
  /** Bytes of payload in the piece file (≤ the unpadded size). */
  payloadSize: number
  /** Market proposal passed through to workers as `Proposal` (unused by the manager). */
  proposal?: unknown
}

/**
 * The market seam (`AssignUnPackedDeals` of venus-market): hands each deal to exactly one sector.
 * `release` gives deals back when the manager cannot use them.
 */
export interface ManagerMarket {
  assignDeals(
    miner: number,
    sector: number,
    spec: { sectorSize: number; maxDeals: number | null },
  ): Promise<ManagerMarketDeal[]>
  release(miner: number, dealIds: number[]): Promise<void>
}

/** An in-memory {@link ManagerMarket} with a `publish` side. */
export interface MemoryMarket extends ManagerMarket {
  /** Offers a deal to the miner (the devnet's `publishTestDeal` gives the id). */
  publish(miner: number, deal: ManagerMarketDeal): void
  /** Deals not yet assigned, per miner. */
  pending(miner: number): ManagerMarketDeal[]
  /** Sector each assigned deal went to. */
  assigned(): Map<number, { miner: number; sector: number }>
}

/**
 * An in-memory market: deals are published per miner and assigned first come, first served,
 * as many as fit the sector (largest first) and `maxDeals` allows.
 *
 * @example
 * ```ts
 * const market = createMemoryMarket()
 * market.publish(1000, { id: devnet.publishTestDeal({...}), pieceCid, pieceSize: 1024, payloadSize: 900 })
 * const mgr = new SectorManager({ store, chain, messager, config, market })
 * ```
 */
export function createMemoryMarket(): MemoryMarket {
  const queues = new Map<number, ManagerMarketDeal[]>()
  const given = new Map<number, { miner: number; sector: number; deal: ManagerMarketDeal }>()
  const queue = (miner: number) => {
    let q = queues.get(miner)
    if (q === undefined) {
      q = []
      queues.set(miner, q)
    }
    return q
  }
  return {
    publish(miner, deal) {
      checkDeal(deal)
      if (given.has(deal.id) || queue(miner).some((d) => d.id === deal.id)) {
        throw new VenusError('ALREADY_EXISTS', `deal ${deal.id} is already published`)
      }
      queue(miner).push({ ...deal })
    },
    pending: (miner) => [...queue(miner)],
    assigned: () => new Map([...given].map(([id, g]) => [id, { miner: g.miner, sector: g.sector }])),
    async assignDeals(miner, sector, spec) {
      const q = queue(miner)
      const picked: ManagerMarketDeal[] = []
      for (const d of q) {
        if (spec.maxDeals !== null && picked.length >= spec.maxDeals) break
        if (fitsAfter([...picked, d], spec.sectorSize)) picked.push(d)
      }
      for (const d of picked) {
        q.splice(q.indexOf(d), 1)
        given.set(d.id, { miner, sector, deal: d })
      }
      return picked.map((d) => ({ ...d }))
    },
    async release(miner, dealIds) {
      for (const id of dealIds) {
        const g = given.get(id)
        if (g === undefined || g.miner !== miner) continue
        given.delete(id)
        queue(miner).unshift(g.deal)
      }
    },
  }
}

function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n
}

function checkDeal(d: ManagerMarketDeal): void {
  if (!Number.isSafeInteger(d.id) || d.id <= 0) {
    throw new VenusError('INVALID_ARGUMENT', `deal id must be a positive integer, got ${d.id}`)
  }
  if (!isPow2(d.pieceSize) || d.pieceSize < 128) {
    throw new VenusError(
      'PIECE_SIZE_INVALID',
      `deal ${d.id}: piece size must be a power of two ≥ 128, got ${d.pieceSize}`,
    )
  }
  if (
    !Number.isSafeInteger(d.payloadSize) ||
    d.payloadSize < 0 ||
    d.payloadSize > (d.pieceSize / 128) * 127
  ) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      `deal ${d.id}: payload size ${d.payloadSize} exceeds the unpadded piece size`,
    )
  }
}

function fitsAfter(deals: readonly ManagerMarketDeal[], sectorSize: number): boolean {
  return deals.reduce((n, d) => n + d.pieceSize, 0) <= sectorSize
}

/**
 * The pieces of a deal sector: the deals largest first (so every piece lands aligned to its own
 * size), then zero filler pieces (DealID 0, CommP of zeros of their size) filling the rest; each
 * filler is as large as the current offset's alignment allows, as lotus' filler layout does.
 *
 * @example
 * ```ts
 * const pieces = layoutDealPieces([{ id: 7, pieceCid, pieceSize: 512, payloadSize: 500 }], 2048)
 * pieces.map((p) => p.dealId) // [7, 0, 0]  (512 + 512 + 1024)
 * ```
 */
export function layoutDealPieces(deals: readonly ManagerMarketDeal[], sectorSize: number): SectorPiece[] {
  if (!isPow2(sectorSize))
    throw new VenusError('SECTOR_SIZE_INVALID', `sector size ${sectorSize} is not a power of two`)
  for (const d of deals) checkDeal(d)
  if (!fitsAfter(deals, sectorSize)) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      `deals of ${deals.reduce((n, d) => n + d.pieceSize, 0)} bytes exceed sector size ${sectorSize}`,
    )
  }
  const out: SectorPiece[] = [...deals]
    .sort((a, b) => b.pieceSize - a.pieceSize)
    .map((d) => ({
      dealId: d.id,
      payloadSize: d.payloadSize,
      piece: { size: d.pieceSize, cid: d.pieceCid },
      proposal: d.proposal ?? null,
    }))
  let offset = out.reduce((n, p) => n + p.piece.size, 0)
  while (offset < sectorSize) {
    // The lowest set bit of the offset is the largest aligned piece that starts there.
    const size = offset === 0 ? sectorSize : offset & -offset
    out.push(fillerPiece(size))
    offset += size
  }
  return out
}

/**
 * A filler piece of a padded size: DealID 0 and the zero CommP of that size.
 *
 * @example
 * ```ts
 * fillerPiece(1024).piece.cid // the CommP of 1016 zero bytes
 * ```
 */
export function fillerPiece(paddedSize: number): SectorPiece {
  return {
    dealId: 0,
    payloadSize: (paddedSize / 128) * 127,
    piece: { size: paddedSize, cid: commitmentToCid(zeroCommitment(paddedSize), 'commP').toString() },
    proposal: null,
  }
}

/**
 * Checks the pieces of a sector: sizes are powers of two, aligned, fill at most the sector, and
 * every deal-less (dealId 0) piece carries the zero CommP of its size. Returns the reason it
 * fails, or undefined.
 *
 * @example
 * ```ts
 * checkSectorPieces(layoutDealPieces(deals, 2048), 2048) // undefined
 * ```
 */
export function checkSectorPieces(pieces: readonly SectorPiece[], sectorSize: number): string | undefined {
  let offset = 0
  for (const [i, p] of pieces.entries()) {
    const size = p.piece.size
    if (!isPow2(size) || size < 128) return `piece ${i}: size ${size} is not a power of two ≥ 128`
    if (offset % size !== 0) return `piece ${i}: offset ${offset} is not aligned to its size ${size}`
    if (p.dealId === 0 && p.piece.cid !== fillerPiece(size).piece.cid) {
      return `piece ${i}: filler (DealID 0) must carry the zero CommP of ${size} bytes`
    }
    offset += size
  }
  if (offset > sectorSize) return `pieces of ${offset} bytes exceed sector size ${sectorSize}`
  return undefined
}
