import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zeroCommitment } from '@venus-cluster/core'
import { afterAll, describe, expect, it } from 'vitest'
import { poolProcessor } from './pool.js'
import { TREE_D_FILE } from './processors.js'

const dir = mkdtempSync(join(tmpdir(), 'pool-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('worker-thread pool processor', () => {
  it('builds tree D in a worker thread and passes errors of the backend back', async () => {
    const pool = poolProcessor({ backend: { kind: 'mock' }, threads: 2 })
    try {
      const staged = join(dir, 'staged')
      writeFileSync(staged, new Uint8Array(2048))
      const zero = zeroCommitment(2048)
      const ok = await pool.run('tree_d', {
        proofType: 5,
        stagedPath: staged,
        outDir: dir,
        pieces: [{ commP: zero, paddedSize: 2048 }],
      })
      expect(ok).toBe(true)
      const tree = readFileSync(join(dir, TREE_D_FILE))
      expect(statSync(join(dir, TREE_D_FILE)).size).toBe((2 * 64 - 1) * 32)
      expect(new Uint8Array(tree.subarray(tree.length - 32))).toEqual(zero)
      await expect(
        pool.run('c2', { phase1Output: new Uint8Array([1]), proverId: new Uint8Array(32), sectorNumber: 1 }),
      ).rejects.toThrow(/phase1Output|JSON|mock/)
    } finally {
      await pool.close?.()
    }
  })
})
