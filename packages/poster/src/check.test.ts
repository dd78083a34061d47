import { mkdtemp, rename, rm, symlink, truncate, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, sectorName } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sealSectors } from './__fixtures__/devnet.js'
import { checkSectors } from './check.js'
import { dirLocator } from './locator.js'

const MINER = 1000
let root: string
let sealed: { sectorNumber: number; commR: Uint8Array }[]
const proofs = mockProofs()

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'venus-poster-check-'))
  sealed = await sealSectors(proofs, root, MINER, [1, 2, 3, 4, 5])
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const sectors = () => sealed.map((s) => ({ sectorNumber: s.sectorNumber, sealProof: 5, commR: s.commR }))
const name = (n: number) => sectorName({ miner: MINER, number: n })

describe('checkSectors', () => {
  it('passes sectors whose sealed file and kept cache files are present', async () => {
    const bad = await checkSectors(sectors(), { minerId: MINER, locate: dirLocator(root) })
    expect([...bad]).toEqual([])
  })

  it('names a missing sealed file, a truncated one and a missing tree-r-last file', async () => {
    await unlink(join(root, 'sealed', name(2)))
    await truncate(join(root, 'sealed', name(3)), 100)
    await unlink(join(root, 'cache', name(4), 'sc-02-data-tree-r-last.dat'))
    const bad = await checkSectors(sectors(), { minerId: MINER, locate: dirLocator(root), parallel: 2 })
    expect(bad.get(2)).toMatch(/sealed file .* missing/)
    expect(bad.get(3)).toBe('sealed file is 100 bytes, expected 2048')
    expect(bad.get(4)).toBe('cache file sc-02-data-tree-r-last.dat missing')
    expect(bad.has(1)).toBe(false)
    expect(bad.has(5)).toBe(false)
  })

  it('runs a vanilla proof per sector in strict mode and reports its failure', async () => {
    const bad = await checkSectors(
      [{ sectorNumber: 5, sealProof: 5, commR: new Uint8Array(32).fill(9) }, ...sectors().slice(0, 1)],
      {
        minerId: MINER,
        locate: dirLocator(root),
        proofs,
        randomness: new Uint8Array(32),
        proverId: new Uint8Array(32),
        strict: true,
      },
    )
    expect(bad.get(5)).toMatch(/^check failed/)
    expect(bad.has(1)).toBe(false)
  })

  it('counts a sector not in the index and a check over its time limit as bad', async () => {
    const bad = await checkSectors(sectors().slice(0, 2), {
      minerId: MINER,
      locate: async (_m, n) => (n === 1 ? undefined : new Promise(() => {})),
      singleTimeoutMs: 20,
    })
    expect(bad.get(1)).toBe('sector not found in the sector index')
    expect(bad.get(2)).toBe('sector check timed out')
  })

  it('marks sectors not reached before the partition time limit as bad', async () => {
    const bad = await checkSectors(sectors(), {
      minerId: MINER,
      locate: () => new Promise(() => {}),
      parallel: 1,
      totalTimeoutMs: 20,
    })
    expect(bad.size).toBe(5)
    expect(bad.get(5)).toBe('partition check timed out')
  })

  it('follows cache files that are links: one to a file passes, a dangling one is missing', async () => {
    const dir = join(root, 'cache', name(5))
    await rename(join(dir, 'p_aux'), join(root, 'p_aux-5'))
    await symlink(join(root, 'p_aux-5'), join(dir, 'p_aux'))
    await symlink(join(root, 'nowhere'), join(dir, 'sc-02-data-tree-r-last.dat.tmp'))
    expect((await checkSectors(sectors(), { minerId: MINER, locate: dirLocator(root) })).has(5)).toBe(false)
    await unlink(join(root, 'p_aux-5'))
    const bad = await checkSectors(sectors(), { minerId: MINER, locate: dirLocator(root) })
    expect(bad.get(5)).toBe('cache file p_aux missing')
  })
})
