// A market's unseal request end to end: the fake droplet (on loopback) asks the real manager
// over `ListenMarketEvent`, an `unseal` worker thread (in process, mock proofs) unseals the piece,
// the manager uploads it to the market's piece store with the configured token, and the market
// reads `finished`.
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { type FakeMarket, startFakeMarket } from '@venus-cluster/core/testing'
import { MarketUnsealService } from '@venus-cluster/manager'
import { afterEach, describe, expect, it } from 'vitest'
import { sealDataSector } from './__fixtures__/data-sector.js'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { type ManagerEnv, startManagerEnv } from './__fixtures__/manager-env.js'
import { startUnsealWorker } from './__fixtures__/unseal-worker.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('market unseal requests', () => {
  it('a SectorsUnsealPiece request is unsealed by an unseal thread, uploaded to the market, and answered finished', async () => {
    const market: FakeMarket = await startFakeMarket({ token: 'droplet-token' })
    cleanups.push(() => market.close())
    const env: WorkerEnv = await workerEnv({ threads: 1 })
    cleanups.push(() => env.cleanup())
    const mgr: ManagerEnv = await startManagerEnv({
      persist: env.persist,
      maxSectors: 0,
      seed: 'market-unseal',
      config: { market: { api: market.url, token: 'droplet-token' } },
    })
    cleanups.push(() => mgr.stop())
    const svc = new MarketUnsealService({ context: mgr.manager.context, repair: mgr.manager.repair })
    await svc.start()
    cleanups.push(() => svc.stop())
    const miner = mgr.minerId
    await market.waitForStream(`t0${miner}`)

    const data = await sealDataSector({
      proofs: mockProofs(),
      store: mgr.manager.store,
      persist: env.persist,
      scratch: join(env.dir, 'scratch'),
      miner,
      number: 500,
    })
    const piece = data.cids[1] as string
    const request = {
      pieceCid: piece,
      miner,
      sectorNumber: 500,
      offset: 1016,
      size: 1016,
      dest: `market://piece-store-1/${piece}`,
    }
    expect(await market.requestUnseal(request)).toMatchObject({ state: 'set_up' })
    expect(await mgr.manager.repair.get('unseal', data.id, piece)).toMatchObject({ state: 'queued' })

    const worker = await startUnsealWorker(env, mgr, mockProofs())
    cleanups.push(() => worker.stop())

    let last: unknown
    const end = Date.now() + 30_000
    for (;;) {
      last = await market.requestUnseal(request)
      if ((last as { state?: string }).state === 'finished') break
      expect(last).toMatchObject({ state: expect.stringMatching(/^(set_up|unsealing|uploading)$/) })
      if (Date.now() > end) throw new Error(`not finished: ${JSON.stringify(last)}`)
      await sleep(50)
    }
    expect(market.uploads).toHaveLength(1)
    const up = market.uploads[0]
    expect(up).toMatchObject({
      resourceId: piece,
      store: 'piece-store-1',
      authorization: 'Bearer droplet-token',
    })
    expect(up?.body.equals(data.payloads[1] as Buffer)).toBe(true)
  }, 60_000)
})
