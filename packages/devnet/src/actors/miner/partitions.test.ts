import { encodeCompactPartitions, encodeTerminateSectors } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from '../../__fixtures__/fake-proofs.js'
import { advanceTo, b64, commRCid, nextDeadline, send, setupMiner } from '../../__fixtures__/flow.js'
import { createDevnet } from '../../devnet.js'
import { windowPoStAudit } from '../../testing/post-audit.js'

describe('Miner.CompactPartitions (method 19)', () => {
  it('drops terminated sectors and packs the live ones into fewer partitions, only while the deadline is mutable', async () => {
    const devnet = createDevnet({ seed: 'compact', proofs: fakeVerifier() })
    const who = await setupMiner(devnet)
    // Two 2-sector partitions in every deadline.
    const n = devnet.params.wpostPeriodDeadlines * 4
    devnet.injectSectors(
      who.miner,
      Array.from({ length: n }, (_, i) => ({ sectorNumber: i + 1, sealedCid: commRCid(i + 1) })),
    )
    await devnet.mine(1)
    const m = () => devnet.worldAt().miners.get(who.minerId)!
    const dl = m().deadlines.findIndex((d) => d.partitions.length === 2)
    expect(dl).toBeGreaterThanOrEqual(0)
    const parts = m().deadlines[dl]!.partitions
    const [a0, a1] = [[...parts[0]!.all], [...parts[1]!.all]]
    // Away from the deadline's window: it is mutable.
    await advanceTo(devnet, nextDeadline(devnet, who.minerId, dl).close + 1)
    const term = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 9,
      Params: b64(
        encodeTerminateSectors({
          entries: [
            { deadline: dl, partition: 0, sectors: [a0[0]!] },
            { deadline: dl, partition: 1, sectors: [a1[0]!] },
          ],
        }),
      ),
    })
    expect(term.receipt.exitCode, term.receipt.error).toBe(0)
    const ok = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 19,
      Params: b64(encodeCompactPartitions({ deadline: dl, partitions: [0, 1] })),
    })
    expect(ok.receipt.exitCode, ok.receipt.error).toBe(0)
    const after = m().deadlines[dl]!.partitions
    expect(after).toHaveLength(1)
    expect([...after[0]!.all].sort((x, y) => x - y)).toEqual([a0[1]!, a1[1]!].sort((x, y) => x - y))
    expect(m().sectors.get(a1[1]!)!.partition).toBe(0)
    // Inside its window the deadline is immutable: refused with exit 18 (forbidden).
    await advanceTo(devnet, nextDeadline(devnet, who.minerId, dl).open)
    const late = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 19,
      Params: b64(encodeCompactPartitions({ deadline: dl, partitions: [0] })),
    })
    expect(late.receipt.exitCode).toBe(18)
    // Nobody proved anything: the audit reports every window with sectors as missed, none doubled.
    const audit = windowPoStAudit(devnet, who.miner, { from: 3 })
    expect(audit.missed.length).toBeGreaterThan(0)
    expect(audit.doubled).toEqual([])
  })
})
