import { networkParams } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { sectorExpiration } from './build.js'

// The codecs, commitment CIDs, entropy, prover ids and network names the manager used to
// declare here are core's now, and are tested there (codecs/*.test.ts, types/networks.test.ts).
describe('sectorExpiration', () => {
  it('keeps the lifetime inside the actor bounds', () => {
    const p = { ...networkParams('mainnet'), name: 'mainnet' }
    const head = 4_000_000
    const e = sectorExpiration(head, head - 900, 540, p)
    expect(e).toBe(head + 540 * 2880)
    const max = sectorExpiration(head, head - 900, 0, p)
    expect(max).toBe(head + p.preCommitChallengeDelay + p.maxSectorExpirationExtension - p.provingPeriod)
    const min = sectorExpiration(head, head - 900, 1, p)
    expect(min).toBeGreaterThanOrEqual(head + p.minSectorExpiration + p.provingPeriod)
    expect(min).toBeGreaterThanOrEqual(
      head - 900 + p.maxPreCommitRandomnessLookback + p.maxProveCommitDuration + p.minSectorExpiration,
    )
  })
})
