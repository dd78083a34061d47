import * as manager from '@venus-cluster/manager'
import { openPostgresStore } from '@venus-cluster/manager/postgres'
import { openSqliteStore } from '@venus-cluster/manager/sqlite'
import { describe, expect, it } from 'vitest'

describe('entry points of @venus-cluster/manager', () => {
  it('serves the store factories from /sqlite and /postgres as well as from the root', () => {
    expect(openSqliteStore).toBe(manager.openSqliteStore)
    expect(openPostgresStore).toBe(manager.openPostgresStore)
  })

  it('opens a SQLite store through the subpath (the driver loads on first use)', async () => {
    const store = await openSqliteStore({ path: ':memory:' })
    try {
      const sector = await store.allocateSector(1000, { initNumber: 0 }, 5)
      expect(sector?.id).toEqual({ miner: 1000, number: 1 })
    } finally {
      await store.close()
    }
  })
})
