import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dirLocator, storesLocator } from './locator.js'

let a: string
let b: string
beforeAll(async () => {
  a = await mkdtemp(join(tmpdir(), 'venus-poster-loc-a-'))
  b = await mkdtemp(join(tmpdir(), 'venus-poster-loc-b-'))
  await mkdir(join(b, 'sealed'))
  await writeFile(join(b, 'sealed', 's-t01000-7'), '')
})
afterAll(async () => {
  await rm(a, { recursive: true, force: true })
  await rm(b, { recursive: true, force: true })
})

describe('sector locators', () => {
  it('names sealed and cache paths in the persist-store layout', async () => {
    expect(await dirLocator('/s')(1000, 7)).toEqual({
      sealedPath: '/s/sealed/s-t01000-7',
      cacheDir: '/s/cache/s-t01000-7',
    })
  })
  it('names the new replica and its cache for a sector updated with data (SnapDeals)', async () => {
    expect(await dirLocator('/s')(1000, 7, { updated: true })).toEqual({
      sealedPath: '/s/update/s-t01000-7',
      cacheDir: '/s/update-cache/s-t01000-7',
    })
    expect((await storesLocator(['/s'])(1000, 7, { updated: true }))?.sealedPath).toBe('/s/update/s-t01000-7')
  })
  it('picks the store holding the sealed file, else the first store', async () => {
    expect((await storesLocator([a, b])(1000, 7))?.sealedPath).toBe(join(b, 'sealed', 's-t01000-7'))
    expect((await storesLocator([a, b])(1000, 8))?.sealedPath).toBe(join(a, 'sealed', 's-t01000-8'))
    expect(await storesLocator([])(1000, 8)).toBeUndefined()
  })
})
