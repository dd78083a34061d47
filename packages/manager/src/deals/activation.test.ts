import { commitmentToCid } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import type { MarketDealTerms, VerifiedAllocation } from '../chain.js'
import { defaultMinerConfig } from '../config.js'
import { createServiceContext } from '../context.js'
import { createFakeChain } from '../fake-chain.js'
import type { SectorPiece } from '../sector.js'
import { openSqliteStore } from '../store/sqlite.js'
import { PieceActivation } from './activation.js'
import { fillerPiece } from './market.js'

const DAY = 2880
const cid = (b: number) => commitmentToCid(new Uint8Array(32).fill(b), 'commP').toString()

async function setup(
  opts: { allocations?: VerifiedAllocation[]; deals?: Record<number, MarketDealTerms> } = {},
) {
  const fake = createFakeChain({ miners: { 1000: 2048 }, height: 1000 })
  const allocations = new Map((opts.allocations ?? []).map((a) => [a.id, a]))
  const chain = {
    ...fake,
    head: fake.head,
    async verifiedAllocation(client: number, id: number) {
      const a = allocations.get(id)
      return a !== undefined && a.client === client ? a : null
    },
    async dealAllocation(dealId: number) {
      return allocations.get(dealId + 100) ?? null
    },
    async marketDeal(dealId: number) {
      return opts.deals?.[dealId] ?? null
    },
  }
  const store = await openSqliteStore({ path: ':memory:' })
  const ctx = createServiceContext({
    store,
    chain,
    messager: fake,
    config: { miners: [defaultMinerConfig(1000, 't01001')] },
  })
  return {
    fake,
    allocations,
    activation: new PieceActivation(ctx, { slackEpochs: 100 }),
    close: () => store.close(),
  }
}

const alloc = (o: Partial<VerifiedAllocation> = {}): VerifiedAllocation => ({
  id: 7,
  client: 1001,
  provider: 1000,
  pieceCid: cid(1),
  size: 1024,
  termMin: 180 * DAY,
  termMax: 270 * DAY,
  expiration: 5000,
  ...o,
})

const direct = (allocation: { client: number; id: number } | null, c = cid(1)): SectorPiece => ({
  dealId: 0,
  payloadSize: 1000,
  piece: { size: 1024, cid: c },
  proposal: null,
  direct: { id: 1, allocation },
})

describe('PieceActivation', () => {
  it('opens the activation window at the seed delay after the next epoch, plus the slack', async () => {
    const t = await setup()
    expect(await t.activation.window()).toEqual({ earliest: 1000 + 2 + 10, latest: 1000 + 12 + 100 })
    await t.close()
  })

  it('finds every reason a verified piece cannot be claimed before sealing', async () => {
    const t = await setup({
      allocations: [alloc(), alloc({ id: 8, provider: 2000 }), alloc({ id: 9, expiration: 1050 })],
    })
    const window = await t.activation.window()
    const check = async (p: SectorPiece, expiration?: number) =>
      (await t.activation.check(1000, [p], { window, expiration })).problems
    expect(await check(direct({ client: 1001, id: 7 }))).toEqual([])
    expect(await check(direct({ client: 1001, id: 7 }, cid(2)))).toEqual([
      expect.stringMatching(/allocation 7 is for piece .*, not /),
    ])
    expect(await check(direct({ client: 1001, id: 8 }))).toEqual([
      expect.stringMatching(/is for provider 2000, not 1000/),
    ])
    expect(await check(direct({ client: 1001, id: 9 }))).toEqual([
      expect.stringMatching(
        /allocation 9 expires at epoch 1050, before the sector could be activated \(by 1112\)/,
      ),
    ])
    expect(await check(direct({ client: 1002, id: 7 }))).toEqual([
      expect.stringMatching(/allocation 7 of client 1002 is not on chain/),
    ])
    // The sector's own expiration must fit the term for any activation in the window.
    expect(await check(direct({ client: 1001, id: 7 }), 1012 + 300 * DAY)).toEqual([
      expect.stringMatching(/sector expiration .* is outside/),
    ])
    expect(await check(direct(null))).toEqual([])
    await t.close()
  })

  it('refuses pieces whose terms leave no common expiration, and deals that start too early', async () => {
    const t = await setup({
      allocations: [alloc(), alloc({ id: 8, pieceCid: cid(2), termMin: 280 * DAY, termMax: 300 * DAY })],
      deals: {
        5: {
          pieceCid: cid(3),
          pieceSize: 512,
          verified: false,
          client: 1001,
          provider: 1000,
          startEpoch: 1005,
          endEpoch: 999_999,
        },
      },
    })
    const window = await t.activation.window()
    const both = await t.activation.check(
      1000,
      [direct({ client: 1001, id: 7 }), direct({ client: 1001, id: 8 }, cid(2))],
      { window },
    )
    expect(both.problems).toEqual([expect.stringMatching(/the pieces' terms leave no sector expiration/)])
    const deal: SectorPiece = {
      dealId: 5,
      payloadSize: 500,
      piece: { size: 512, cid: cid(3) },
      proposal: null,
    }
    expect((await t.activation.check(1000, [deal], { window })).problems).toEqual([
      expect.stringMatching(/deal 5: deal starts at epoch 1005, before the sector can be activated/),
    ])
    await t.close()
  })

  it('moves a data sector expiration into its pieces terms, and leaves CC sectors alone', async () => {
    const t = await setup({ allocations: [alloc()] })
    const pieces = [direct({ client: 1001, id: 7 }), fillerPiece(1024)]
    const wanted = 1000 + 540 * DAY
    // At most the earliest activation + termMax.
    expect(await t.activation.expirationFor(1000, pieces, wanted, 1000)).toBe(1012 + 270 * DAY)
    // At least the latest activation + termMin.
    expect(await t.activation.expirationFor(1000, pieces, 1000 + 100 * DAY, 1000)).toBe(1112 + 180 * DAY)
    expect(await t.activation.expirationFor(1000, [fillerPiece(2048)], wanted, 1000)).toBe(wanted)
    expect(await t.activation.expirationFor(1000, null, wanted, 1000)).toBe(wanted)
    await t.close()
  })

  it('keys claimable allocations into the manifests, notifies the market of deals only, and reports allocations that can no longer be claimed', async () => {
    const t = await setup({ allocations: [alloc(), alloc({ id: 105, pieceCid: cid(3), size: 512 })] })
    const deal: SectorPiece = {
      dealId: 5,
      payloadSize: 500,
      piece: { size: 512, cid: cid(3) },
      proposal: null,
    }
    const pieces = [direct({ client: 1001, id: 7 }), deal, fillerPiece(512)]
    const expiration = 1001 + 200 * DAY
    const m = await t.activation.manifests(1000, pieces, expiration)
    expect(
      m.pieces.map((p) => [
        p.cid.toString(),
        p.size,
        p.verifiedAllocationKey,
        p.notify.map((n) => n.address),
      ]),
    ).toEqual([
      [cid(1), 1024, { client: 1001, id: 7 }, []],
      [cid(3), 512, { client: 1001, id: 105 }, ['t05']],
      [fillerPiece(512).piece.cid, 512, null, []],
    ])
    expect(m.verifiedSize).toBe(1536)
    expect(m.unclaimable).toEqual([])
    expect(await t.activation.manifests(1000, [fillerPiece(2048)], expiration)).toEqual({
      pieces: [],
      verifiedSize: 0,
      unclaimable: [],
    })
    // Past its expiration, or with the sector living outside its term: activated unverified.
    t.allocations.set(7, alloc({ expiration: 1000 }))
    const late = await t.activation.manifests(1000, pieces, expiration)
    expect(late.pieces[0]?.verifiedAllocationKey).toBeNull()
    expect(late.unclaimable.map((u) => u.reason)).toEqual(['allocation 7 expired at epoch 1000'])
    t.allocations.set(7, alloc())
    const short = await t.activation.manifests(1000, pieces, 1001 + 100 * DAY)
    expect(short.unclaimable.map((u) => u.reason)).toEqual([
      expect.stringMatching(/the sector lives 288000 epochs, less than allocation 7's term min 518400/),
      expect.stringMatching(/less than allocation 105's term min/),
    ])
    t.allocations.delete(7)
    expect((await t.activation.manifests(1000, pieces, expiration)).unclaimable[0]?.reason).toBe(
      'allocation 7 is not on chain',
    )
    await t.close()
  })
})
