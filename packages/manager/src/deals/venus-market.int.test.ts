import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, isVenusError, type RpcMethod, zeroCommitment } from '@venus-cluster/core'
import { createRpcServer, type RpcServer } from '@venus-cluster/core/rpc'
import { afterEach, describe, expect, it } from 'vitest'
import { createSealerApi } from '../api/index.js'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain } from '../fake-chain.js'
import { SectorManager } from '../manager.js'
import { openSqliteStore } from '../store/sqlite.js'
import { createVenusMarket, type VenusMarket } from './venus-market.js'

const DEAL_CID = commitmentToCid(
  new Uint8Array(32).fill(3).map((b, i) => (i === 31 ? 0 : b)),
  'commP',
).toString()
const zeroCid = (size: number) => commitmentToCid(zeroCommitment(size), 'commP').toString()

/** A stand-in for venus-market's `VENUS_MARKET.*` methods at /rpc/v0. */
function fakeMarket(answer: (params: unknown[]) => unknown) {
  const calls: { method: string; params: unknown[] }[] = []
  const methods: Record<string, RpcMethod> = {
    'VENUS_MARKET.AssignUnPackedDeals': (params) => {
      calls.push({ method: 'AssignUnPackedDeals', params })
      return answer(params)
    },
    'VENUS_MARKET.UpdateDealStatus': (params) => {
      calls.push({ method: 'UpdateDealStatus', params })
      return {}
    },
  }
  return { methods, calls }
}

const deal = (id: number, size: number, cid = DEAL_CID) => ({
  PieceCID: { '/': cid },
  PieceSize: size,
  VerifiedDeal: false,
  Client: 't01500',
  Provider: 't01000',
  Label: '',
  StartEpoch: 100,
  EndEpoch: 600_000,
  StoragePricePerEpoch: '0',
  ProviderCollateral: '0',
  ClientCollateral: '0',
  Offset: 0,
  Length: size,
  PayloadSize: (size / 128) * 127,
  DealID: id,
  TotalStorageFee: '0',
  FastRetrieval: true,
  PublishCid: null,
})

let server: RpcServer | undefined
let market: VenusMarket | undefined
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await market?.close()
  await server?.close()
  market = undefined
  server = undefined
})

async function start(answer: (params: unknown[]) => unknown) {
  const fake = fakeMarket(answer)
  server = createRpcServer({ methods: fake.methods, path: '/rpc/v0' })
  const { url } = await server.listen({ host: '127.0.0.1', port: 0 })
  market = createVenusMarket({ api: url, token: 'market-token' })
  return fake
}

describe('venus-market client', () => {
  it('asks AssignUnPackedDeals for the sector and keeps the deals, dropping zero fillers', async () => {
    const fake = await start(() => [deal(7, 1024), { ...deal(0, 1024, zeroCid(1024)), DealID: 0 }])
    const got = await market?.assignDeals(1000, 5, { sectorSize: 2048, maxDeals: 3 })
    expect(fake.calls[0]?.params).toEqual([
      { Miner: 1000, Number: 5 },
      2048,
      {
        MaxPiece: 3,
        MaxPieceSize: 0,
        MinPiece: 0,
        MinPieceSize: 0,
        MinUsedSpace: 0,
        StartEpoch: 0,
        EndEpoch: 0,
      },
    ])
    expect(got).toHaveLength(1)
    expect(got?.[0]).toMatchObject({ id: 7, pieceCid: DEAL_CID, pieceSize: 1024, payloadSize: 1016 })
    expect(got?.[0]?.proposal).toMatchObject({ Provider: 't01000', EndEpoch: 600_000 })
  })

  it('releases every deal and fails when a filler piece is not the zero piece', async () => {
    const fake = await start(() => [deal(7, 1024), { ...deal(0, 1024), DealID: 0 }])
    const err = await market?.assignDeals(1000, 5, { sectorSize: 2048, maxDeals: null }).catch((e) => e)
    expect(isVenusError(err) && err.code).toBe('MARKET_FAILED')
    expect(String(err.message)).toMatch(/filler piece 1 \(DealID 0, 1024 bytes\) has CommP/)
    expect(fake.calls.filter((c) => c.method === 'UpdateDealStatus').map((c) => c.params)).toEqual([
      ['t01000', 7, 'Undefine'],
    ])
  })

  it('passes a market error on as a typed RPC error, and treats null as no deals', async () => {
    await start(() => {
      throw new Error('market is syncing')
    })
    const err = await market?.assignDeals(1000, 5, { sectorSize: 2048, maxDeals: null }).catch((e) => e)
    expect(isVenusError(err)).toBe(true)
    expect(String(err.message)).toMatch(/market is syncing/)
    await market?.close()
    await server?.close()
    await start(() => null)
    expect(await market?.assignDeals(1000, 6, { sectorSize: 2048, maxDeals: null })).toEqual([])
  })

  it('gives deals of an aborted sector back to the market through the manager', async () => {
    const fake = await start(() => [deal(9, 1024)])
    const persist = mkdtempSync(join(tmpdir(), 'vsm-market-ps-'))
    cleanups.push(() => rmSync(persist, { recursive: true, force: true }))
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const m = defaultMinerConfig(1000, 't01001')
    m.deal = { enabled: true }
    const store = await openSqliteStore({ path: ':memory:' })
    const mgr = new SectorManager({
      store,
      chain,
      messager: chain,
      config: { miners: [m], persistStores: [{ name: 'ps1', path: persist }] },
      market: market as VenusMarket,
      tickMs: 3_600_000,
    })
    await mgr.start()
    cleanups.push(async () => {
      await mgr.stop()
      await store.close()
    })
    const api = createSealerApi(mgr)
    const call = (method: string, params: unknown[]) =>
      (api[`Venus.${method}`] as RpcMethod)(params, {
        signal: new AbortController().signal,
        permissions: ['admin'],
      })
    const sector = (await call('AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }])) as {
      ID: { Miner: number; Number: number }
    }
    const deals = (await call('AcquireDeals', [sector.ID, { MaxDeals: null }])) as { ID: number }[]
    expect(deals.map((d) => d.ID)).toEqual([9, 0])
    await call('ReportAborted', [sector.ID, 'operator said so'])
    expect(fake.calls.filter((c) => c.method === 'UpdateDealStatus').map((c) => c.params)).toEqual([
      ['t01000', 9, 'Undefine'],
    ])
  })
})
