import { describe, expect, it } from 'vitest'
import { sealOneSector } from './index.js'

describe('examples/embed-sdk', () => {
  it('seals one sector with devnet, manager and worker in one process until it is active', async () => {
    const s = await sealOneSector()
    expect(s.sectorNumber).toBe(1)
    expect(s.miner).toMatch(/^t0\d+$/)
    expect(s.activation).toBeGreaterThan(0)
  }, 30_000)
})
