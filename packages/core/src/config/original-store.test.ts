import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  abandonOriginalWorkerMeta,
  assertNoOriginalWorkerMeta,
  ORIGINAL_META_ABANDONED_FILE,
  originalWorkerMetaFiles,
} from './original-store.js'
import { prepareSealingStore } from './store-init.js'

let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** A sealing store as the original worker leaves it: `.holder`, `data/` and a RocksDB in `meta/`. */
async function originalStore(): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'vc-orig-'))
  const loc = join(dir, 'store1')
  await prepareSealingStore(loc)
  for (const f of [
    'CURRENT',
    'IDENTITY',
    'LOCK',
    'LOG',
    'MANIFEST-000005',
    'OPTIONS-000007',
    '000009.sst',
    '000010.log',
  ]) {
    writeFileSync(join(loc, 'meta', f), '')
  }
  return loc
}

describe("the original worker's sealing store metadata", () => {
  it('finds the RocksDB files, ignoring our own record', async () => {
    const loc = await originalStore()
    writeFileSync(join(loc, 'meta', 'info.json'), '{}')
    expect(await originalWorkerMetaFiles(loc)).toEqual([
      '000009.sst',
      '000010.log',
      'CURRENT',
      'IDENTITY',
      'LOCK',
      'LOG',
      'MANIFEST-000005',
      'OPTIONS-000007',
    ])
    expect(await originalWorkerMetaFiles(join(dir, 'none'))).toEqual([])
  })

  it('refuses the store until the operator abandons the original sector, then accepts it', async () => {
    const loc = await originalStore()
    await expect(assertNoOriginalWorkerMeta(loc)).rejects.toMatchObject({
      code: 'STORE_ORIGINAL_META',
      message: expect.stringContaining(`venus-worker store abandon-original -l ${loc}`),
    })
    expect(await abandonOriginalWorkerMeta(loc)).toMatchObject({ location: loc, alreadyAbandoned: false })
    await expect(assertNoOriginalWorkerMeta(loc)).resolves.toBeUndefined()
    expect(JSON.parse(readFileSync(join(loc, 'meta', ORIGINAL_META_ABANDONED_FILE), 'utf8')).files).toContain(
      'CURRENT',
    )
    // The RocksDB stays for a later import; a second call changes nothing.
    expect(await originalWorkerMetaFiles(loc)).toContain('MANIFEST-000005')
    expect(await abandonOriginalWorkerMeta(loc)).toMatchObject({ alreadyAbandoned: true })
  })

  it('accepts a store of our own and refuses to "abandon" one without original metadata', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-orig-'))
    const loc = join(dir, 'ours')
    await prepareSealingStore(loc)
    await expect(assertNoOriginalWorkerMeta(loc)).resolves.toBeUndefined()
    await expect(abandonOriginalWorkerMeta(loc)).rejects.toThrow(/no metadata of the original venus-worker/)
  })
})
