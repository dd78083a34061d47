import { afterEach, describe, expect, it } from 'vitest'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain } from '../fake-chain.js'
import { SectorManager } from '../manager.js'
import { createManagerMetrics } from '../metrics/manager-metrics.js'
import { openSqliteStore } from '../store/sqlite.js'
import { dashboardOverview } from './data.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function overviewOn(params: { addressPrefix: 'f' | 't'; name: string }, chainDown = false) {
  const chain = createFakeChain({ miners: { 1000: 2048 }, params })
  const store = await openSqliteStore({ path: ':memory:' })
  const manager = new SectorManager({
    store,
    chain,
    messager: chain,
    config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
    tickMs: 3_600_000,
  })
  cleanups.push(() => store.close())
  chain.failing = chainDown
  return dashboardOverview(manager, createManagerMetrics({ manager }))
}

describe('dashboard overview', () => {
  it("writes addresses with the network's prefix: f on mainnet", async () => {
    expect((await overviewOn({ addressPrefix: 'f', name: 'mainnet' })).addressPrefix).toBe('f')
    expect((await overviewOn({ addressPrefix: 't', name: 'calibnet' })).addressPrefix).toBe('t')
  })

  it('still answers while the chain node has never answered', async () => {
    const o = await overviewOn({ addressPrefix: 'f', name: 'mainnet' }, true)
    expect(o.addressPrefix).toBe('t')
    expect(o.sectors).toEqual([])
  })
})
