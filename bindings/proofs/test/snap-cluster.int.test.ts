// Issue 14's must-show: one 2KiB SnapDeals update end to end through the devnet, with REAL
// proofs. A CC sector sealed by a worker against the sector manager and a devnet verifying
// natively, proven by WindowPoSt; then a `snapup` thread encodes a verified direct piece (a
// client's DataCap allocation) into it and
// proves the update natively, the manager sends `ProveReplicaUpdates3`, the devnet verifies the
// update proof natively and records the new sealed CID (the CC one kept as the sector key), and
// the poster proves the new replica by WindowPoSt, which the devnet verifies against the new
// CommR. The allocation is claimed and QA power rises tenfold. It runs the built `venus-cluster demo --snap 1` (the cluster the demo starts). Stage
// times are printed as `[native-snap-cluster] {...}` (docs/proofs.md, "SnapDeals in CI").
import { describe, expect, it } from 'vitest'
import { SEALING_PARAMETER_PARTS } from '../src/index.js'
import { demoBinReady, runNativeDemo } from './demo-bin.js'

const { ready, why } = demoBinReady([...SEALING_PARAMETER_PARTS, 'update'])

interface Snapped {
  messages: { byKind: Record<string, number>; list: { kind: string; exitCode: number | null }[] }
  snap?: {
    pieces: { allocationId: number; claimedBySector: number | null }[]
    sectors: {
      number: number
      sectorKeyCid: string
      sealedCid: string
      landedEpoch: number
      provenAfterUpdate: boolean
    }[]
    stages: { stage: string; meanMs: number }[]
    messages: { count: number; gasUsed: number; exitCodes: (number | null)[] }
    powerBefore: { rawBytes: string; qaBytes: string }
    powerAfter: { rawBytes: string; qaBytes: string }
    windowPoSt: { messages: number; ms: number }
    updateMs: number
    ms: number
  }
}

describe.skipIf(!ready)(`native SnapDeals through the devnet${ready ? '' : ` (skipped: ${why})`}`, () => {
  it(
    'seals a 2KiB CC sector natively, snaps a verified piece into it, the devnet verifies the update, the new replica is proven by WindowPoSt and QA power rises',
    async () => {
      const s = await runNativeDemo<Snapped>(['--snap', '1'], 40)
      expect(s.windowPoSt.included).toBe(true)
      const snap = s.snap!
      // The update went on chain in one message that the devnet's native verifier accepted.
      expect(snap.messages).toMatchObject({ count: 1, exitCodes: [0] })
      expect(s.messages.list.every((m) => m.exitCode === 0)).toBe(true)
      expect(snap.sectors).toHaveLength(1)
      const x = snap.sectors[0]!
      expect(x.number).toBe(s.sectors[0]!.number)
      expect(x.sealedCid).toMatch(/^bagboea4b/)
      expect(x.sectorKeyCid).toMatch(/^bagboea4b/)
      expect(x.sealedCid).not.toBe(x.sectorKeyCid)
      // Proven by WindowPoSt after the update landed: the devnet checked the new replica's proof.
      expect(x.provenAfterUpdate).toBe(true)
      expect(snap.windowPoSt.messages).toBeGreaterThan(0)
      // Power before and after (raw and QA): the sector still counts once its new replica is
      // proven, now as verified data (ten times), its allocation claimed by it.
      expect(snap.pieces.map((p) => p.claimedBySector)).toEqual([x.number])
      expect(snap.powerBefore).toEqual({ rawBytes: '2048', qaBytes: '2048' })
      expect(snap.powerAfter).toEqual({ rawBytes: '2048', qaBytes: String(10 * 2048) })
      const ms = (list: { stage: string; meanMs: number }[]) =>
        Object.fromEntries(list.map((t) => [t.stage, t.meanMs]))
      console.log(
        `[native-snap-cluster] ${JSON.stringify({
          wallMs: s.wallMs,
          sealMs: s.sectors[0]!.sealMs,
          sealStagesMs: ms(s.stages),
          ccWindowPoStMs: s.windowPoSt.ms,
          snapStagesMs: ms(snap.stages),
          updateLandedMs: snap.updateMs,
          snapWindowPoStMs: snap.windowPoSt.ms,
          snapMs: snap.ms,
          updateGas: snap.messages.gasUsed,
        })}`,
      )
    },
    42 * 60_000,
  )
})
