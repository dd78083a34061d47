import { describe, expect, it } from 'vitest'
import { runDemo } from './run.js'
import { summaryLines } from './summary.js'

describe('demo --snap (mock proofs, in process)', () => {
  it('seals CC sectors, snaps a direct piece into two of them in one ProveReplicaUpdates3, and proves the new replicas by WindowPoSt', async () => {
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
    expect(snap.pieces).toHaveLength(2)
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
    // Raw power stays (the sectors were already proven); the snapped ones still count after
    // their new replicas' WindowPoSt.
    expect(snap.powerBefore.rawBytes).toBe(String(3 * 2048))
    expect(snap.powerAfter.rawBytes).toBe(String(3 * 2048))
    const lines = summaryLines(s).join('\n')
    expect(lines).toContain('SnapDeals: 2 CC sector(s) snapped up')
    expect(lines).toContain(`${snap.sectors[0]!.sectorKeyCid} → ${snap.sectors[0]!.sealedCid}`)
  }, 180_000)

  it('refuses --snap beyond the CC sectors and without WindowPoSt, naming the flag', async () => {
    const base = { proofs: 'mock', workers: 1, sectorSize: 2048, blockTimeMs: 100, keep: false } as const
    await expect(runDemo({ ...base, sectors: 2, verified: 1, snap: 2, windowPoSt: true })).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: expect.stringMatching(/--snap must be .*\(--sectors minus --verified: 1\), got 2/),
    })
    await expect(runDemo({ ...base, sectors: 1, snap: 1, windowPoSt: false })).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: expect.stringContaining('--snap needs WindowPoSt (drop --no-post)'),
    })
  })
})
