import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { UNCLAIMED_ABORT_REASON } from './allocation/index.js'
import { defaultMinerConfig } from './config.js'
import { createFakeChain } from './fake-chain.js'
import { SectorManager } from './manager.js'
import { openSqliteStore } from './store/sqlite.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(unclaimedTimeoutMs: number, dbPath = ':memory:') {
  const persist = mkdtempSync(join(tmpdir(), 'vsm-unclaimed-'))
  let clock = 1_000_000
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  const store = await openSqliteStore({ path: dbPath })
  const mgr = new SectorManager({
    store,
    chain,
    messager: chain,
    config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [{ name: 'ps1', path: persist }] },
    tickMs: 3_600_000,
    now: () => clock,
    unclaimedTimeoutMs,
  })
  await mgr.start()
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await mgr.stop()
    await store.close()
    rmSync(persist, { recursive: true, force: true })
  }
  cleanups.push(stop)
  return {
    mgr,
    stop,
    advance: (ms: number) => {
      clock += ms
    },
  }
}

const report = (n: number) =>
  [
    { miner: 1000, number: n },
    {
      worker: { instance: 'w', location: '/x' },
      stateChange: { prev: 'Empty', next: 'Allocated', event: 'None' },
      failure: null,
    },
  ] as const

describe('allocations no worker claimed', () => {
  it('are finished as aborted after the timeout, while claimed ones stay online', async () => {
    const { mgr, advance } = await setup(60_000)
    const a = await mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null })
    const b = await mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null })
    expect([a?.id.number, b?.id.number]).toEqual([1, 2])
    await mgr.reportState(...report(1))
    advance(20_000)
    await mgr.tick() // first seen unclaimed
    advance(30_000)
    await mgr.tick()
    expect((await mgr.store.getSector({ miner: 1000, number: 2 }))?.online).toBe(true)
    advance(31_000)
    await mgr.tick()
    const gone = await mgr.store.getSector({ miner: 1000, number: 2 })
    expect(gone?.online).toBe(false)
    expect(gone?.state.abortReason).toBe(UNCLAIMED_ABORT_REASON)
    expect((await mgr.store.getSector({ miner: 1000, number: 1 }))?.online).toBe(true)
    // The burnt number is never handed out again.
    expect((await mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null }))?.id.number).toBe(3)
  })

  it('leaves a record a worker claims before the timeout alone, and does nothing when off', async () => {
    const { mgr, advance } = await setup(60_000)
    await mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null })
    advance(20_000)
    await mgr.tick()
    advance(50_000)
    await mgr.reportState(...report(1))
    advance(50_000)
    await mgr.tick()
    expect((await mgr.store.getSector({ miner: 1000, number: 1 }))?.online).toBe(true)

    const off = await setup(0)
    await off.mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null })
    await off.mgr.tick()
    off.advance(10 * 3_600_000)
    await off.mgr.tick()
    expect((await off.mgr.store.getSector({ miner: 1000, number: 1 }))?.online).toBe(true)
  })

  it('times an allocation from when it was made, across a manager restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vsm-unclaimed-db-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = join(dir, 'manager.db')
    const first = await setup(60_000, db)
    await first.mgr.allocateSector({ allowedMiners: null, allowedProofTypes: null })
    await first.stop()
    // The new manager's clock starts where the first one's did; 61 s after the allocation the
    // record is past its timeout even though this manager never saw it before.
    const second = await setup(60_000, db)
    second.advance(61_000)
    await second.mgr.tick()
    const gone = await second.mgr.store.getSector({ miner: 1000, number: 1 })
    expect(gone?.online).toBe(false)
    expect(gone?.state.abortReason).toBe(UNCLAIMED_ABORT_REASON)
    expect(gone?.state.allocatedAt).toBe(1_000_000)
  })
})
