import { MinerMethod } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  allocate,
  type Call,
  type DrivenSector,
  fakeProofs,
  stepSector,
} from './__fixtures__/worker-driver.js'
import { createSealerApi } from './api/index.js'
import { defaultMinerConfig } from './config.js'
import { createFakeChain } from './fake-chain.js'
import { SectorManager } from './manager.js'
import { findPgBin, startTestPg, type TestPgServer } from './store/__fixtures__/pg-server.js'
import { openPostgresStore } from './store/postgres.js'

let pg: TestPgServer | undefined
beforeAll(async () => {
  if (findPgBin()) pg = await startTestPg()
})
afterAll(() => pg?.stop())

describe.skipIf(findPgBin() === undefined)('two managers on one PostgreSQL', () => {
  it('hand out distinct numbers and put every queued sector into exactly one message', async () => {
    const url = (pg as TestPgServer).createDatabase('two_managers')
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const config = () => {
      const m = defaultMinerConfig(1000, 't01001')
      m.commitment.pre.batch = { ...m.commitment.pre.batch, enabled: true, threshold: 4 }
      return { miners: [m], persistStores: [] }
    }
    const managers = await Promise.all(
      [0, 1].map(async () => {
        const mgr = new SectorManager({
          store: await openPostgresStore({ connectionString: url }),
          chain,
          messager: chain,
          config: config(),
          proofs: fakeProofs,
          tickMs: 3_600_000,
        })
        await mgr.start()
        const api = createSealerApi(mgr)
        const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
        return { mgr, call }
      }),
    )
    // 24 workers, alternating managers, all asking at once.
    const sectors = (await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        allocate((managers[i % 2] as (typeof managers)[number]).call, null),
      ),
    )) as DrivenSector[]
    const numbers = sectors.map((s) => s.id.Number)
    expect(new Set(numbers).size).toBe(24)
    expect(Math.max(...numbers)).toBe(24)
    // Tickets and precommits through either manager; both batchers race for the queue.
    await Promise.all(
      sectors.map(async (s, i) => {
        const { call } = managers[(i + 1) % 2] as (typeof managers)[number]
        await stepSector(call, s, 'ps1', '/nonexistent')
        await stepSector(call, s, 'ps1', '/nonexistent')
      }),
    )
    for (let i = 0; i < 5; i++) {
      await Promise.all(managers.map((m) => m.mgr.tick()))
      await new Promise((r) => setTimeout(r, 20))
    }
    chain.advance(1)
    const pre = chain.messages.filter((m) => m.msg.method === MinerMethod.PreCommitSectorBatch2)
    const inMessages = pre.flatMap((m) => m.sectors).sort((a, b) => a - b)
    expect(inMessages).toEqual([...numbers].sort((a, b) => a - b))
    expect(pre.every((m) => m.exitCode === 0)).toBe(true)
    expect(await managers[0]?.mgr.store.listQueue('pre')).toEqual([])
    for (const m of managers) {
      await m.mgr.stop()
      await m.mgr.store.close()
    }
  }, 60_000)
})
