import { afterEach, describe, expect, it } from 'vitest'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain } from '../fake-chain.js'
import { SectorManager } from '../manager.js'
import { createManagerMetrics } from '../metrics/manager-metrics.js'
import { newSector } from '../sector.js'
import { openSqliteStore } from '../store/sqlite.js'
import { DASHBOARD_MAX_ROWS, dashboardOverview } from './data.js'

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

describe('dashboard repairs', () => {
  it("lists the sectors the poster's checks found bad with the suggested action and what the auto-rebuild policy did, then queued repair tasks", async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    cleanups.push(() => store.close())
    const manager = new SectorManager({
      store,
      chain,
      messager: chain,
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      tickMs: 3_600_000,
      repair: { autoRebuild: true },
    })
    const piece = 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq'
    const id = { miner: 1000, number: 5 }
    await store.createSector({
      ...newSector(id, 5),
      ticket: { value: new Uint8Array(32), epoch: 1 },
      pieces: [{ dealId: 1, payloadSize: 10, piece: { size: 2048, cid: piece }, proposal: null }],
      preCommit: { commR: 'x', commD: 'y', ticket: { value: new Uint8Array(32), epoch: 1 }, dealIds: [1] },
    })
    await store.finalizeSector(id, (s) => ({ ...s, finalized: true }))
    await store.setLocation(id, 'normal', { sealed: 'ps1', cache: 'ps1' })
    await manager.repair.requestUnseal(id, piece)
    await manager.repair.noteProblems(1000, [
      { sectorNumber: 9, reason: 'sealed file /ps1/sealed/s-t01000-9 missing', action: 'rebuild' },
      { sectorNumber: 8, reason: 'sector not found in the sector index', action: 'reindex' },
    ])
    const o = await dashboardOverview(manager, createManagerMetrics({ manager }))
    expect(o.repairs).toEqual([
      {
        miner: 1000,
        number: 8,
        piece: '',
        problem: 'sector not found in the sector index',
        action: 'reindex',
        task: null,
        worker: null,
        note: null,
      },
      {
        miner: 1000,
        number: 9,
        piece: '',
        problem: 'sealed file /ps1/sealed/s-t01000-9 missing',
        action: 'rebuild',
        task: null,
        worker: null,
        note: 'not queued: sector m-1000-n-9 is not known',
      },
      {
        miner: 1000,
        number: 5,
        piece,
        problem: null,
        action: 'unseal',
        task: 'queued',
        worker: null,
        note: null,
      },
    ])
  })

  it('reads a page of the most recently changed tasks, newest first, and the task of each problem by key', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    cleanups.push(() => store.close())
    const manager = new SectorManager({
      store,
      chain,
      messager: chain,
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      tickMs: 3_600_000,
    })
    const task = (number: number, at: number, kind: 'rebuild' | 'unseal' = 'unseal') => ({
      kind,
      id: { miner: 1000, number },
      piece: kind === 'unseal' ? `baga${number}` : '',
      state: 'queued' as const,
      worker: '',
      detail: {},
      error: '',
      createdAt: at,
      updatedAt: at,
    })
    // The rebuild of the bad sector is the oldest task: beyond the page of recent ones.
    await store.putRepairTask(task(1, 1, 'rebuild'))
    for (let i = 0; i < DASHBOARD_MAX_ROWS + 20; i++) await store.putRepairTask(task(100 + i, 10 + i))
    await manager.repair.noteProblems(1000, [
      { sectorNumber: 1, reason: 'sealed file missing', action: 'rebuild' },
    ])
    const o = await dashboardOverview(manager, createManagerMetrics({ manager }))
    expect(o.repairs).toHaveLength(DASHBOARD_MAX_ROWS)
    expect(o.repairs[0]).toMatchObject({ number: 1, problem: 'sealed file missing', task: 'queued' })
    // Then the recent tasks, the newest first.
    expect(o.repairs[1]).toMatchObject({ number: 100 + DASHBOARD_MAX_ROWS + 19, action: 'unseal' })
    expect(o.repairs[2]).toMatchObject({ number: 100 + DASHBOARD_MAX_ROWS + 18 })
  })
})
