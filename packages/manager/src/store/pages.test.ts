import { afterEach, describe, expect, it } from 'vitest'
import { newSector } from '../sector.js'
import { SECTOR_WALK_PAGE, sectorPages } from './pages.js'
import { openSqliteStore } from './sqlite.js'
import type { ManagerStore } from './types.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function storeWith(online: number, offline: number): Promise<ManagerStore> {
  const store = await openSqliteStore({ path: ':memory:' })
  cleanups.push(() => store.close())
  for (let n = 1; n <= online + offline; n++)
    await store.createSector(newSector({ miner: 1000, number: n }, 5, 0), { offline: n > online })
  return store
}

describe('sectorPages', () => {
  it('walks every online or offline record in order across several pages, a page per read', async () => {
    const online = SECTOR_WALK_PAGE * 2 + 7
    const store = await storeWith(online, SECTOR_WALK_PAGE + 1)
    const reads: number[] = []
    const counting = {
      listSectorsPage: (on: boolean, page: Parameters<ManagerStore['listSectorsPage']>[1]) => {
        reads.push(page.limit)
        return store.listSectorsPage(on, page)
      },
    }
    const seen: number[] = []
    for await (const s of sectorPages(counting, true)) seen.push(s.id.number)
    expect(seen).toEqual(Array.from({ length: online }, (_, i) => i + 1))
    expect(reads).toEqual([SECTOR_WALK_PAGE, SECTOR_WALK_PAGE, SECTOR_WALK_PAGE])
    const off: number[] = []
    for await (const s of sectorPages(store, false)) off.push(s.id.number)
    expect(off).toHaveLength(SECTOR_WALK_PAGE + 1)
    expect(off[0]).toBe(online + 1)
  })

  it('gives waiting callbacks a turn of the event loop between pages', async () => {
    const store = await storeWith(SECTOR_WALK_PAGE * 3, 0)
    let turns = 0
    const ticker = setInterval(() => turns++, 0)
    const at: number[] = []
    for await (const s of sectorPages(store, true)) if (s.id.number % SECTOR_WALK_PAGE === 1) at.push(turns)
    clearInterval(ticker)
    // Pages are synchronous reads in SQLite: without a yield between them no timer would run.
    expect(at).toHaveLength(3)
    expect(at[2]).toBeGreaterThan(at[0] ?? 0)
  })
})
