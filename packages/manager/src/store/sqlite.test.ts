import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storeConformance } from './__fixtures__/conformance.js'
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
    expect(await b.schemaVersion()).toBe(1)
    expect((await b.allocateSector(1, { initNumber: 0 }, 5))?.ID.Number).toBe(2)
    await b.close()
  })

  it('fails calls after close with STORE_DB', async () => {
    const s = await openSqliteStore({ path: ':memory:' })
    await s.close()
    await expect(s.lastNumber(1)).rejects.toMatchObject({ code: 'STORE_DB' })
  })
})
