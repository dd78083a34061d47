import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { storeConformance } from './__fixtures__/conformance.js'
import { findPgBin, startTestPg, type TestPgServer } from './__fixtures__/pg-server.js'
import { databaseAt, expectUpgraded } from './__fixtures__/v1-records.js'
import { openPostgresStore } from './postgres.js'

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

  describe('openPostgresStore', () => {
    it.each([1, 2])(
      'migrates a version-%i database: display states, workers and offline counts from the records',
      async (version) => {
        if (!server) throw new Error('postgres not started')
        const url = server.createDatabase(`vsm_v${version}`)
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        const v1 = databaseAt('postgres', version)
        for (const sql of v1.sql) await client.query(sql)
        for (const r of v1.rows)
          await client.query(
            'INSERT INTO sectors (miner, number, online, state, updated_at) VALUES ($1, $2, $3, $4, $5)',
            r,
          )
        await client.end()
        const s = await openPostgresStore({ connectionString: url })
        try {
          await expectUpgraded(s)
        } finally {
          await s.close()
        }
      },
    )
  })
} else {
  describe('ManagerStore conformance: postgres', () => {
    it.skip('needs the PostgreSQL server binaries (apt-get install -y postgresql)', () => {})
  })
}
