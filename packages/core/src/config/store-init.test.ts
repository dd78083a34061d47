import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertFileStore, assertSealingStore, prepareFileStore, prepareSealingStore } from './store-init.js'

describe('store preparation', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vc-store-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prepares a sealing store with data/, meta/ and .holder, once', async () => {
    const loc = join(dir, 'seal', 'a')
    expect(await prepareSealingStore(loc)).toEqual({ location: loc, alreadyPrepared: false })
    expect((await readdir(loc)).sort()).toEqual(['.holder', 'data', 'meta'])
    expect((await stat(join(loc, '.holder'))).size).toBe(0)
    await writeFile(join(loc, 'data', 'x'), 'keep')
    expect(await prepareSealingStore(loc)).toEqual({ location: loc, alreadyPrepared: true })
    expect(await readdir(join(loc, 'data'))).toEqual(['x'])
    await expect(assertSealingStore(loc)).resolves.toBe(loc)
  })

  it('prepares a file store with only the marker', async () => {
    const loc = join(dir, 'persist')
    expect((await prepareFileStore(loc)).alreadyPrepared).toBe(false)
    expect(await readdir(loc)).toEqual(['.holder'])
    expect((await prepareFileStore(loc)).alreadyPrepared).toBe(true)
    await expect(assertFileStore(loc)).resolves.toBe(loc)
  })

  it('rejects unprepared directories with the command that prepares them', async () => {
    await expect(assertSealingStore(join(dir, 'nothing'))).rejects.toMatchObject({
      code: 'STORE_NOT_INITIALIZED',
      message: expect.stringContaining('venus-worker store seal-init -l'),
    })
    await expect(assertFileStore(dir)).rejects.toMatchObject({ code: 'STORE_NOT_INITIALIZED' })
  })

  it("says how to adopt the original worker's persist store, which has sector files but no marker", async () => {
    const loc = join(dir, 'original-persist')
    await mkdir(join(loc, 'sealed'), { recursive: true })
    await mkdir(join(loc, 'cache', 's-t01000-1'), { recursive: true })
    await writeFile(join(loc, 'sealed', 's-t01000-1'), 'replica')
    await expect(assertFileStore(loc)).rejects.toMatchObject({
      code: 'STORE_NOT_INITIALIZED',
      message: expect.stringMatching(
        /original venus-worker.*adopt it with `venus-worker store file-init -l .*original-persist`/,
      ),
    })
    expect((await prepareFileStore(loc)).alreadyPrepared).toBe(false)
    await expect(assertFileStore(loc)).resolves.toBe(loc)
    expect((await readdir(loc)).sort()).toEqual(['.holder', 'cache', 'sealed'])
  })

  it('reports a path that is a file as STORE_IO', async () => {
    const file = join(dir, 'plain-file')
    await writeFile(file, '')
    await expect(prepareSealingStore(join(file, 'sub'))).rejects.toMatchObject({ code: 'STORE_IO' })
  })
})
