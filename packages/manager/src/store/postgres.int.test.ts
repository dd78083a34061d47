import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storeConformance } from './__fixtures__/conformance.js'
import { findPgBin, startTestPg, type TestPgServer } from './__fixtures__/pg-server.js'
import { openPostgresStore } from './postgres.js'
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js'

const hasPg = findPgBin() !== undefined
let server: TestPgServer | undefined
let n = 0
const urls = new Map<unknown, string>()

beforeAll(async () => {
  if (hasPg) server = await startTestPg()
})
afterAll(() => server?.stop())

if (hasPg) {
  storeConformance(
    'postgres',
    async () => {
      if (!server) throw new Error('postgres not started')
      const url = server.createDatabase(`vsm_${n++}`)
      const s = await openPostgresStore({ connectionString: url })
      urls.set(s, url)
      return s
    },
    async (first) => openPostgresStore({ connectionString: urls.get(first) as string }),
  )
} else {
  describe('ManagerStore conformance: postgres', () => {
    it.skip('needs the PostgreSQL server binaries (apt-get install -y postgresql)', () => {})
  })
}

describe.skipIf(!hasPg)('openPostgresStore migrations', () => {
  it('upgrades a database of every earlier schema version, keeping its records', async () => {
    if (!server) throw new Error('postgres not started')
    const { default: pg } = await import('pg')
    for (let v = 1; v < SCHEMA_VERSION; v++) {
      const url = server.createDatabase(`vsm_at_v${v}`)
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      await c.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      )
      for (const m of MIGRATIONS.filter((m) => m.version <= v)) {
        for (const sql of m.postgres) await c.query(sql)
        await c.query('INSERT INTO schema_migrations VALUES ($1, $2, 1)', [m.version, m.name])
      }
      await c.end()
      const a = await openPostgresStore({ connectionString: url })
      expect(await a.schemaVersion()).toBe(SCHEMA_VERSION)
      await a.allocateSector(1, { initNumber: 0 }, 5)
      expect(await a.listRepairTasks()).toEqual([])
      await a.close()
    }
  })
})
