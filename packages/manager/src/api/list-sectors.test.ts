import { afterEach, describe, expect, it } from 'vitest'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain } from '../fake-chain.js'
import { SectorManager } from '../manager.js'
import { openSqliteStore } from '../store/sqlite.js'
import type { ManagerStore } from '../store/types.js'
import { createSealerApi } from './sealer-api.js'
import type { WireSectorState } from './sector-wire.js'

let store: ManagerStore | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

async function apiWith(records: number, listSectorsMax?: number) {
  store = await openSqliteStore({ path: ':memory:' })
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  const mgr = new SectorManager({
    store,
    chain,
    messager: chain,
    config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
  })
  for (let i = 0; i < records; i++) await store.allocateSector(1000, { initNumber: 0 }, 5)
  await store.finalizeSector({ miner: 1000, number: 1 }, (s) => ({ ...s, finalized: true }))
  const api = createSealerApi(mgr, listSectorsMax === undefined ? {} : { limits: { listSectorsMax } })
  const call = async (params: unknown[]) => (await api['Venus.ListSectors']?.(params)) as WireSectorState[]
  return { call }
}

const numbers = (list: WireSectorState[]) => list.map((s) => s.ID.Number)

describe('Venus.ListSectors', () => {
  it('answers every record to the original one-param call', async () => {
    const { call } = await apiWith(5)
    expect(numbers(await call(['online']))).toEqual([2, 3, 4, 5])
    expect(numbers(await call(['offline']))).toEqual([1])
  })

  it('pages with {After, Limit}: the last ID of a page gives the next one', async () => {
    const { call } = await apiWith(7)
    const first = await call(['online', { After: null, Limit: 4 }])
    expect(numbers(first)).toEqual([2, 3, 4, 5])
    const next = await call(['online', { After: first.at(-1)?.ID, Limit: 4 }])
    expect(numbers(next)).toEqual([6, 7])
    expect(await call(['online', { After: next.at(-1)?.ID, Limit: 4 }])).toEqual([])
  })

  it('refuses the whole list past listSectorsMax with the count and how to page', async () => {
    const { call } = await apiWith(5, 3)
    await expect(call(['online'])).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('4 online records are more than one answer holds (3)'),
    })
    expect(numbers(await call(['online', { After: null, Limit: 3 }]))).toEqual([2, 3, 4])
    expect(numbers(await call(['offline']))).toEqual([1])
  })

  it('names the bad field of a page', async () => {
    const { call } = await apiWith(1)
    for (const [page, field] of [
      [{ After: null, Limit: 0 }, 'params[1].Limit'],
      [{ After: null, Limit: 1e9 }, 'params[1].Limit'],
      [{ After: { Miner: 'x', Number: 1 }, Limit: 5 }, 'params[1].After.Miner'],
      ['all', 'params[1]'],
    ] as const) {
      await expect(call(['online', page])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { field },
      })
    }
  })
})
