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

async function managerOn(params?: { addressPrefix: 'f' | 't'; name: string }) {
  const chain = createFakeChain({ miners: { 1000: 2048 }, ...(params === undefined ? {} : { params }) })
  const store = await openSqliteStore({ path: ':memory:' })
  cleanups.push(() => store.close())
  const manager = new SectorManager({
    store,
    chain,
    messager: chain,
    config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
    tickMs: 3_600_000,
  })
  return { chain, manager }
}

async function overviewOn(params: { addressPrefix: 'f' | 't'; name: string }, chainDown = false) {
  const { chain, manager } = await managerOn(params)
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

describe('dashboard workers', () => {
  it('lists pinging workers and workers known only from their reports, the latter without a control address', async () => {
    const { manager } = await managerOn()
    manager.workers.ping({
      name: 'ours',
      dest: '10.0.0.2:17890',
      summary: { threads: 2, empty: 1, paused: 0, errors: 0 },
    })
    const s = await manager.allocateSector({ allowedMiners: null, allowedProofTypes: null })
    if (s === null) throw new Error('no sector')
    await manager.reportState(s.id, {
      worker: { instance: 'original-rig', location: '/data/a' },
      stateChange: { prev: 'Empty', next: 'Allocated', event: 'SetAllocated' },
      failure: null,
    })
    const o = await dashboardOverview(manager, createManagerMetrics({ manager }))
    expect(o.workers).toEqual([
      { name: 'original-rig', dest: null, summary: null, sectors: 1, ageSeconds: expect.any(Number) },
      {
        name: 'ours',
        dest: '10.0.0.2:17890',
        summary: { Threads: 2, Empty: 1, Paused: 0, Errors: 0 },
        sectors: 0,
        ageSeconds: expect.any(Number),
      },
    ])
    for (const w of o.workers) expect(w.ageSeconds).toBeLessThanOrEqual(2)
  })
})
