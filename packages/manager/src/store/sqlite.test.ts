import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { storeConformance } from './__fixtures__/conformance.js'
import { databaseAt, expectUpgraded } from './__fixtures__/v1-records.js'
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js'
import { openSqliteStore } from './sqlite.js'

const dir = mkdtempSync(join(tmpdir(), 'vsm-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

storeConformance('sqlite', () =>
  openSqliteStore({ path: join(dir, `db-${n++}.sqlite`), synchronous: 'normal' }),
)

describe('openSqliteStore', () => {
  it('keeps committed state across reopen and does not re-run migrations', async () => {
    const path = join(dir, 'reopen.sqlite')
    const a = await openSqliteStore({ path })
    await a.allocateSector(1, { initNumber: 0 }, 5)
    await a.close()
    const b = await openSqliteStore({ path })
    expect(await b.schemaVersion()).toBe(SCHEMA_VERSION)
    expect((await b.allocateSector(1, { initNumber: 0 }, 5))?.id.number).toBe(2)
    await b.close()
  })

  // A database left by an older release: each earlier version upgrades to the newest, keeping
  // its rows, and the tables of every later migration answer.
  for (const old of MIGRATIONS.slice(0, -1)) {
    it(`upgrades a database at schema version ${old.version} to SCHEMA_VERSION, keeping its sectors`, async () => {
      const path = join(dir, `at-v${old.version}.sqlite`)
      const db = new Database(path)
      db.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
      )
      for (const m of MIGRATIONS.filter((x) => x.version <= old.version)) {
        for (const sql of m.sqlite) db.exec(sql)
        db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 1)
      }
      db.prepare('INSERT INTO sector_numbers VALUES (1000, 7)').run()
      db.close()
      const s = await openSqliteStore({ path })
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
      await s.close()
    })
  }

  it('names the real cause when the directory is read-only (not just "open failed")', async () => {
    const ro = readOnlyDir()
    const path = join(ro, 'manager.db')
    const err = await openSqliteStore({ path }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    )
    expect(err?.code).toBe('STORE_DB')
    expect(err?.message).toContain(path)
    expect(err?.message).toMatch(/EACCES|EROFS|EPERM/)
    expect(err?.message).toContain(`needs write access to ${ro}`)
    expect(existsSync(path)).toBe(false)
  })

  it.each([1, 2])(
    'migrates a version-%i database: display states, workers and offline counts from the records',
    async (version) => {
      const path = join(dir, `v${version}.sqlite`)
      const db = new Database(path)
      const v1 = databaseAt('sqlite', version)
      for (const sql of v1.sql) db.exec(sql)
      const ins = db.prepare(
        'INSERT INTO sectors (miner, number, online, state, updated_at) VALUES (?, ?, ?, ?, ?)',
      )
      for (const r of v1.rows) ins.run(...r)
      db.close()
      const s = await openSqliteStore({ path })
      await expectUpgraded(s)
      await s.close()
    },
  )

  it('fails calls after close with STORE_DB', async () => {
    const s = await openSqliteStore({ path: ':memory:' })
    await s.close()
    await expect(s.lastNumber(1)).rejects.toMatchObject({ code: 'STORE_DB' })
  })
})

/** Whether a file can be created in `dir` (root ignores permission bits, so chmod alone is not enough). */
function writable(dir: string): boolean {
  const probe = join(dir, `.probe-${process.pid}`)
  try {
    closeSync(openSync(probe, 'wx'))
    unlinkSync(probe)
    return true
  } catch {
    return false
  }
}

/** A directory this process cannot write: a chmod 0555 one, else (as root) a read-only system one. */
function readOnlyDir(): string {
  const d = mkdtempSync(join(dir, 'ro-'))
  chmodSync(d, 0o555)
  if (!writable(d)) return d
  const system = ['/sys/fs', '/proc/sys'].find((c) => existsSync(c) && !writable(c))
  if (system === undefined) throw new Error('no read-only directory to test with')
  return system
}
