import { commitmentToCid, sectorIdFromWire, zeroCommitment } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createSealerApi, piecesToWire } from '../api/index.js'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain } from '../fake-chain.js'
import { SectorManager } from '../manager.js'
import { openSqliteStore } from '../store/sqlite.js'
import {
  checkSectorPieces,
  createMemoryMarket,
  fillerPiece,
  layoutDealPieces,
  type ManagerMarket,
  type ManagerMarketDeal,
} from './market.js'

const cid = (seed: number) => {
  const b = new Uint8Array(32).fill(seed)
  b[31] = 0
  return commitmentToCid(b, 'commP').toString()
}
const deal = (id: number, pieceSize: number): ManagerMarketDeal => ({
  id,
  pieceCid: cid(id),
  pieceSize,
  payloadSize: (pieceSize / 128) * 127,
})

describe('layoutDealPieces', () => {
  it('puts deals largest first and fills the rest with aligned zero pieces', () => {
    const out = layoutDealPieces([deal(1, 256), deal(2, 512)], 2048)
    expect(out.map((p) => [p.dealId, p.piece.size])).toEqual([
      [2, 512],
      [1, 256],
      [0, 256],
      [0, 1024],
    ])
    expect(checkSectorPieces(out, 2048)).toBeUndefined()
  })

  it('fills an empty deal list with one sector-sized zero piece and a full sector with none', () => {
    expect(layoutDealPieces([], 2048).map((p) => p.piece.size)).toEqual([2048])
    expect(layoutDealPieces([deal(1, 2048)], 2048).map((p) => p.dealId)).toEqual([1])
  })

  it('gives fillers the zero CommP of their size and the unpadded size as payload', () => {
    const f = fillerPiece(1024)
    expect(f).toMatchObject({ dealId: 0, payloadSize: 1016, piece: { size: 1024 } })
    expect(f.piece.cid).toBe(commitmentToCid(zeroCommitment(1024), 'commP').toString())
  })

  it('rejects deals that do not fit, odd piece sizes and payloads beyond the piece', () => {
    expect(() => layoutDealPieces([deal(1, 2048), deal(2, 128)], 2048)).toThrow(/exceed sector size/)
    expect(() => layoutDealPieces([{ ...deal(1, 256), pieceSize: 300 }], 2048)).toThrow(/power of two/)
    expect(() => layoutDealPieces([{ ...deal(1, 256), payloadSize: 255 }], 2048)).toThrow(/payload/)
  })
})

describe('checkSectorPieces', () => {
  it('names misaligned pieces, wrong filler CommPs and overfull sectors', () => {
    const [a, b] = [layoutDealPieces([deal(1, 256)], 2048)[0], fillerPiece(512)]
    if (!a || !b) throw new Error('layout')
    expect(checkSectorPieces([a, b], 2048)).toMatch(/offset 256 is not aligned/)
    expect(checkSectorPieces([{ ...b, piece: { ...b.piece, cid: cid(9) } }], 2048)).toMatch(/zero CommP/)
    expect(checkSectorPieces([fillerPiece(2048), fillerPiece(2048)], 2048)).toMatch(/exceed/)
  })
})

describe('createMemoryMarket', () => {
  it('assigns each deal once, first come first served, within the sector and MaxDeals', async () => {
    const market = createMemoryMarket()
    market.publish(1000, deal(1, 1024))
    market.publish(1000, deal(2, 2048))
    market.publish(1000, deal(3, 512))
    expect(() => market.publish(1000, deal(3, 512))).toThrow(/already published/)
    const first = await market.assignDeals(1000, 1, { sectorSize: 2048, maxDeals: null })
    expect(first.map((d) => d.id)).toEqual([1, 3])
    expect((await market.assignDeals(1000, 2, { sectorSize: 2048, maxDeals: 0 })).map((d) => d.id)).toEqual(
      [],
    )
    expect((await market.assignDeals(1000, 2, { sectorSize: 2048, maxDeals: 1 })).map((d) => d.id)).toEqual([
      2,
    ])
    expect(await market.assignDeals(2000, 3, { sectorSize: 2048, maxDeals: null })).toEqual([])
    await market.release(1000, [3])
    expect(market.pending(1000).map((d) => d.id)).toEqual([3])
    expect([...market.assigned().keys()].sort()).toEqual([1, 2])
  })
})

describe('SectorManager.acquireDeals', () => {
  const closers: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of closers.splice(0)) await c()
  })

  async function setup(market: ManagerMarket, enabled: boolean) {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const m = defaultMinerConfig(1000, 't01001')
    m.deal = { enabled }
    const mgr = new SectorManager({
      store: await openSqliteStore({ path: ':memory:' }),
      chain,
      messager: chain,
      config: { miners: [m], persistStores: [] },
      market,
      tickMs: 3_600_000,
    })
    await mgr.start()
    closers.push(async () => {
      await mgr.stop()
      await mgr.store.close()
    })
    const api = createSealerApi(mgr)
    const call = async (method: string, params: unknown[]) =>
      (api[method] as (p: unknown[]) => unknown)(params)
    const s = (await call('Venus.AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }])) as {
      ID: { Miner: number; Number: number }
    }
    return { mgr, call, id: s.ID, sector: sectorIdFromWire(s.ID) }
  }

  it('answers null and leaves the market alone when the miner has deals disabled', async () => {
    const market = createMemoryMarket()
    market.publish(1000, deal(1, 512))
    const { call, id } = await setup(market, false)
    expect(await call('Venus.AcquireDeals', [id, { MaxDeals: null }])).toBeNull()
    expect(market.pending(1000).map((d) => d.id)).toEqual([1])
  })

  it('stores the pieces in the sector state and lists them', async () => {
    const market = createMemoryMarket()
    market.publish(1000, deal(1, 512))
    const { mgr, call, id, sector } = await setup(market, true)
    const pieces = await call('Venus.AcquireDeals', [id, { MaxDeals: 1 }])
    expect(piecesToWire((await mgr.store.getSector(sector))?.state.pieces ?? null)).toEqual(pieces)
  })

  it('gives the deals back when the market returns a layout that breaks the rules', async () => {
    const released: number[] = []
    const bad: ManagerMarket = {
      async assignDeals() {
        return [{ ...deal(5, 512), pieceSize: 3000 }]
      },
      async release(_m, ids) {
        released.push(...ids)
      },
    }
    const { mgr, call, id, sector } = await setup(bad, true)
    await expect(call('Venus.AcquireDeals', [id, { MaxDeals: null }])).rejects.toMatchObject({
      code: 'PIECE_SIZE_INVALID',
    })
    expect(released).toEqual([5])
    expect((await mgr.store.getSector(sector))?.state.pieces).toBeNull()
  })
})
