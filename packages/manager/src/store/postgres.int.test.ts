import pg from 'pg'
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

  describe('openPostgresStore migrations', () => {
    // A database written by an older release holds only the first migrations; opening it applies
    // every later version (the numbers need not be consecutive) and keeps what is there.
    for (const upTo of MIGRATIONS.slice(0, -1).map((m) => m.version)) {
      it(`upgrades a database at version ${upTo} to SCHEMA_VERSION, keeping its records`, async () => {
        if (!server) throw new Error('postgres not started')
        const url = server.createDatabase(`vsm_v${upTo}`)
        const old = new pg.Client({ connectionString: url })
        await old.connect()
        try {
          await old.query(
            'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
          )
          for (const m of MIGRATIONS.filter((x) => x.version <= upTo)) {
            for (const sql of m.postgres) await old.query(sql)
            await old.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name])
          }
          await old.query('INSERT INTO sector_numbers (miner, last) VALUES (1000, 7)')
        } finally {
          await old.end()
        }
        const s = await openPostgresStore({ connectionString: url })
        try {
          expect(await s.schemaVersion()).toBe(SCHEMA_VERSION)
          expect(await s.lastNumber(1000)).toBe(7)
          const piece = await s.addDirectPiece({
            miner: 1000,
            pieceCid: 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq',
            pieceSize: 2048,
            payloadSize: 2000,
            allocation: { client: 1002, id: 1 },
          })
          expect((await s.listDirectPieces({ miner: 1000 })).map((p) => p.id)).toEqual([piece.id])
          expect(await s.listPersistStores()).toEqual([])
        } finally {
          await s.close()
        }
      })
    }
  })
} else {
  describe('ManagerStore conformance: postgres', () => {
    it.skip('needs the PostgreSQL server binaries (apt-get install -y postgresql)', () => {})
  })
}
