import { describe, expect, it } from 'vitest'
import { batchPreCommits } from './index.js'

describe('examples/commit-batcher', () => {
  it('lands the precommits of four sectors sealed elsewhere on the devnet in one batch message', async () => {
    const r = await batchPreCommits(4)
    expect(r.miner).toMatch(/^t0\d+$/)
    expect(r.sectors).toEqual([1, 2, 3, 4])
    expect(r.messages).toBe(1)
    expect(r.method).toBe(28) // PreCommitSectorBatch2
    expect(new Set(r.preCommitEpochs).size).toBe(1)
    expect(r.preCommitEpochs[0]).toBeGreaterThan(0)
  }, 60_000)
})
