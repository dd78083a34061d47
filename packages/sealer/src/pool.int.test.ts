import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { poolProcessor } from './pool.js'

const dir = mkdtempSync(join(tmpdir(), 'pool-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('worker-thread pool processor', () => {
  it('runs stages on the mock backend in worker threads while the event loop stays free', async () => {
    const pool = poolProcessor({ backend: { kind: 'mock', delays: { c2: 150 } }, threads: 2 })
    try {
      let ticks = 0
      const timer = setInterval(() => ticks++, 10)
      const err = await pool
        .run('c2', { phase1Output: new Uint8Array([1]), proverId: new Uint8Array(32), sectorNumber: 1 })
        .catch((e: Error) => e)
      clearInterval(timer)
      // A bogus C1 output is refused by the mock, proving the call ran there.
      expect(String(err)).toMatch(/phase1Output|c1|JSON|mock/i)
      expect(ticks).toBeGreaterThan(3)
    } finally {
      await pool.close?.()
    }
  })
})
