import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storeConformance } from './__fixtures__/conformance.js'
import { findPgBin, startTestPg, type TestPgServer } from './__fixtures__/pg-server.js'
import { databaseAt, expectUpgraded } from './__fixtures__/v1-records.js'
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

  describe('openPostgresStore', () => {
    // A database left by an older release: each earlier version upgrades to the newest, keeping
    // its rows, and the tables of every later migration answer.
    for (const old of MIGRATIONS.slice(0, -1)) {
      it(`upgrades a database at schema version ${old.version} to SCHEMA_VERSION, keeping its sectors`, async () => {
        if (!server) throw new Error('postgres not started')
        const url = server.createDatabase(`vsm_at_v${old.version}`)
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        try {
          await c.query(
            'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
          )
          for (const m of MIGRATIONS.filter((x) => x.version <= old.version)) {
            for (const sql of m.postgres) await c.query(sql)
            await c.query('INSERT INTO schema_migrations VALUES ($1, $2, 1)', [m.version, m.name])
          }
          await c.query('INSERT INTO sector_numbers VALUES (1000, 7)')
        } finally {
          await c.end()
        }
        const s = await openPostgresStore({ connectionString: url })
        try {
          expect(await s.schemaVersion()).toBe(SCHEMA_VERSION)
          expect(await s.lastNumber(1000)).toBe(7)
          expect(await s.listPersistStores()).toEqual([])
          const key = { miner: 1000, deadline: 3, open: 100 }
          expect((await s.post.acquireLease(key, 'm1', 60_000))?.token).toBeGreaterThan(0)
          const piece = await s.addDirectPiece({
            miner: 1000,
            pieceCid: 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq',
            pieceSize: 2048,
            payloadSize: 2000,
            allocation: { client: 1002, id: 1 },
          })
          expect((await s.listDirectPieces({ miner: 1000 })).map((p) => p.id)).toEqual([piece.id])
          expect(await s.listRepairTasks()).toEqual([])
          expect(await s.findPieceCopies('baga-none')).toEqual([])
          expect(await s.listSnapCandidates()).toEqual([])
        } finally {
          await s.close()
        }
      })
    }

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
