import { describe, expect, it } from 'vitest'
import { runDemo } from './run.js'
import { summaryLines } from './summary.js'

describe('demo with a verified piece (mock proofs, in process)', () => {
  it('seals a verified direct piece and a CC sector, claims the allocation, and reports QA power of ten times the verified sector', async () => {
    const s = await runDemo({
      proofs: 'mock',
      sectors: 2,
      verified: 1,
      workers: 1,
      sectorSize: 2048,
      blockTimeMs: 100,
      windowPoSt: true,
      timeoutMs: 90_000,
      keep: false,
    })
    expect(s.sectors.map((x) => x.number)).toEqual([1, 2])
    expect(s.verified?.pieces).toHaveLength(1)
    const piece = s.verified!.pieces[0]!
    // The allocation became a claim of one of the demo's sectors.
    expect(s.sectors.map((x) => x.number)).toContain(piece.claimedBySector)
    // Proven: raw power is both sectors; QA power counts the verified one ten times.
    expect(s.power.rawBytes).toBe(String(2 * 2048))
    expect(s.power.qaBytes).toBe(String(10 * 2048 + 2048))
    const lines = summaryLines(s).join('\n')
    expect(lines).toContain('QA power         22 KiB quality-adjusted, 5.50× raw')
    expect(lines).toMatch(new RegExp(`allocation ${piece.allocationId} → sector ${piece.claimedBySector}`))
  }, 120_000)

  it('refuses more verified sectors than sectors, naming the flag', async () => {
    await expect(
      runDemo({
        proofs: 'mock',
        sectors: 1,
        verified: 2,
        workers: 1,
        sectorSize: 2048,
        blockTimeMs: 100,
        windowPoSt: false,
        keep: false,
      }),
    ).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: expect.stringMatching(/--verified must be .* 0 to --sectors \(1\), got 2/),
    })
  })
})
