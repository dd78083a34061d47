import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storeConformance } from './__fixtures__/conformance.js'
import { SCHEMA_VERSION } from './schema.js'
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
