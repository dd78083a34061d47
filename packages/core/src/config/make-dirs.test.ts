import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeDirs } from './make-dirs.js'
import { readOnlyDirectory } from './read-only-dir.js'
import { prepareSealingStore } from './store-init.js'

describe('makeDirs', () => {
  it('creates missing parents and accepts an existing directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-mkd-'))
    try {
      await makeDirs(join(dir, 'a', 'b', 'c'))
      await makeDirs(join(dir, 'a', 'b', 'c'))
      expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true)
      writeFileSync(join(dir, 'file'), '')
      await expect(makeDirs(join(dir, 'file', 'x', 'y'))).rejects.toMatchObject({ code: 'ENOTDIR' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reports a read-only directory as EROFS or EACCES, never ENOENT', async (ctx) => {
    const ro = await readOnlyDirectory()
    if (ro.dir === undefined) return ctx.skip(ro.unavailable)
    try {
      await expect(makeDirs(join(ro.dir, 'data', 'cache', 's-t01000-1'))).rejects.toMatchObject({
        code: ro.code,
      })
      await expect(prepareSealingStore(join(ro.dir, 'store1'))).rejects.toMatchObject({
        code: 'STORE_IO',
        message: expect.stringContaining(`(${ro.code})`),
      })
    } finally {
      ro.cleanup()
    }
  })
})
