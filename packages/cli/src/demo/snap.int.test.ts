import { describe, expect, it } from 'vitest'
import { runDemo } from './run.js'
import { summaryLines } from './summary.js'

describe('demo --snap (mock proofs, in process)', () => {
  it('seals CC sectors, snaps a verified direct piece into two of them in one ProveReplicaUpdates3, proves the new replicas by WindowPoSt, and QA power rises', async () => {
    const s = await runDemo({
      proofs: 'mock',
      sectors: 3,
      snap: 2,
      workers: 1,
      sectorSize: 2048,
      blockTimeMs: 100,
      windowPoSt: true,
      timeoutMs: 150_000,
      keep: false,
    })
    const snap = s.snap!
    expect(snap.sectors.map((x) => x.number)).toEqual([1, 2])
    // Each piece's allocation became a claim of the sector it was snapped into.
    expect(snap.pieces.map((p) => p.claimedBySector)).toEqual([1, 2])
    // One batched message for both, succeeded on chain.
    expect(snap.messages).toMatchObject({ count: 1, exitCodes: [0] })
    expect(s.messages.byKind.upgrade).toBe(1)
    for (const x of snap.sectors) {
      // The CC sealed CID is kept as the sector key; the sector now carries a new replica.
      expect(x.sectorKeyCid).toMatch(/^bagboea4b/)
      expect(x.sealedCid).toMatch(/^bagboea4b/)
      expect(x.sealedCid).not.toBe(x.sectorKeyCid)
      expect(x.landedEpoch).toBeGreaterThan(0)
      expect(x.provenAfterUpdate).toBe(true)
    }
    expect(snap.windowPoSt.messages).toBeGreaterThan(0)
    // Every stage of the snapup threads ran for both sectors.
    expect(snap.stages.map((t) => [t.stage, t.sectors])).toEqual([
      ['SnapAddPiece', 2],
      ['SnapEncode', 2],
      ['SnapProve', 2],
      ['SnapPersist', 2],
      ['SnapSubmit', 2],
    ])
    // Raw power stays (the sectors were already proven and still count after their new
    // replicas' WindowPoSt); QA power rises: the two snapped sectors are all verified data now.
    expect(snap.powerBefore).toEqual({ rawBytes: String(3 * 2048), qaBytes: String(3 * 2048) })
    expect(snap.powerAfter).toEqual({ rawBytes: String(3 * 2048), qaBytes: String(2048 + 2 * 10 * 2048) })
    expect(s.power.qaBytes).toBe(snap.powerAfter.qaBytes)
    const lines = summaryLines(s).join('\n')
    expect(lines).toContain('SnapDeals: 2 CC sector(s) snapped up')
    expect(lines).toContain('power before     6 KiB raw, 6 KiB QA')
    expect(lines).toContain('power after      6 KiB raw, 42 KiB QA (7.00× raw)')
    expect(lines).toContain(`${snap.sectors[0]!.sectorKeyCid} → ${snap.sectors[0]!.sealedCid}`)
  }, 180_000)

  it('refuses --snap beyond the CC sectors and without WindowPoSt, naming the flag', async () => {
    const base = { proofs: 'mock', workers: 1, sectorSize: 2048, blockTimeMs: 100, keep: false } as const
    await expect(
      runDemo({ ...base, sectors: 2, verified: 1, snap: 2, windowPoSt: true }),
    ).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: expect.stringMatching(/--snap must be .*\(--sectors minus --verified: 1\), got 2/),
    })
    await expect(runDemo({ ...base, sectors: 1, snap: 1, windowPoSt: false })).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: expect.stringContaining('--snap needs WindowPoSt (drop --no-post)'),
    })
  })
})
