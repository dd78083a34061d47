// Issue 15's must-show: one 2KiB data sector holding a Fil+ verified piece, onboarded directly
// (a verified client's DataCap allocation, no market deal), sealed with REAL proofs by a worker
// against the sector manager and a devnet verifying natively, activated with its allocation
// key, proven by WindowPoSt, counting ten times in quality-adjusted power. It runs the built
// `venus-cluster demo --verified 1` (the same cluster the demo starts).
import { describe, expect, it } from 'vitest'
import { demoBinReady, runNativeDemo } from './demo-bin.js'

const { ready, why } = demoBinReady()

interface Verified {
  verified?: { pieces: { allocationId: number; claimedBySector: number | null }[] }
}

describe.skipIf(!ready)(`native verified data sector${ready ? '' : ` (skipped: ${why})`}`, () => {
  it(
    'seals a 2KiB sector with a verified direct piece natively: claimed, proven, QA power ten times raw',
    async () => {
      const s = await runNativeDemo<Verified>(['--verified', '1'], 25)
      expect(s.verified?.pieces).toEqual([
        {
          allocationId: expect.any(Number),
          claimedBySector: s.sectors[0]!.number,
          pieceCid: expect.any(String),
          size: 2048,
        },
      ])
      expect(s.windowPoSt.included).toBe(true)
      expect(s.power.rawBytes).toBe('2048')
      expect(s.power.qaBytes).toBe(String(10 * 2048))
    },
    27 * 60_000,
  )
})
