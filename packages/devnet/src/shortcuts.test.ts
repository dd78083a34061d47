import { commD, commPSync, DomainSeparationTag, proverId, randomnessEntropy } from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { fakeProver, fakeVerifier } from './__fixtures__/fake-proofs.js'
import { advanceTo, b64, commRCid, FIL, nextDeadline, send, submitPoSt } from './__fixtures__/flow.js'
import { commitmentOf } from './commitments.js'
import { createDevnet } from './devnet.js'
import { devnetParamsShortPeriod, maxProveCommitDuration } from './params.js'
import { encodeParams } from './params-codec.js'

const unsealedCid = (d: Uint8Array) => CID.create(1, 0xf101, createDigest(0x1012, d)).toString()

describe('devnet test shortcuts and short proving periods', () => {
  it('creates a miner through messages and injects proven sectors into deadlines', async () => {
    const devnet = createDevnet({ seed: 'inject', proofs: fakeVerifier() })
    const who = await devnet.createTestMiner()
    expect(who.miner).toMatch(/^t0\d+$/)
    expect(who.robustAddress).toMatch(/^t2/)
    expect(devnet.resolve(who.robustAddress)).toBe(who.minerId)
    devnet.injectSectors(
      who.miner,
      Array.from({ length: 6 }, (_, i) => ({ sectorNumber: i + 1, sealedCid: commRCid(i + 1) })),
    )
    const m = devnet.worldAt().miners.get(who.minerId)!
    expect(m.sectors.size).toBe(6)
    const parts = m.deadlines.flatMap((d) => d.partitions)
    expect(parts.every((p) => p.all.size === 2 && p.unproven.size === 0)).toBe(true)
    expect(() => devnet.injectSectors(who.miner, [{ sectorNumber: 1, sealedCid: commRCid(1) }])).toThrow(
      /already allocated/,
    )
  })

  it('runs a whole short proving period: proven deadline stays healthy, unproven one turns faulty', async () => {
    const params = devnetParamsShortPeriod(6)
    expect(params.wpostProvingPeriod).toBe(288)
    const devnet = createDevnet({ seed: 'short', proofs: fakeVerifier(), params })
    const who = await devnet.createTestMiner()
    devnet.injectSectors(who.miner, [
      { sectorNumber: 1, sealedCid: commRCid(1) },
      { sectorNumber: 2, sealedCid: commRCid(2) },
      { sectorNumber: 3, sealedCid: commRCid(3) },
    ])
    const m = devnet.worldAt().miners.get(who.minerId)!
    const a = m.sectors.get(1)!
    const c = m.sectors.get(3)!
    expect(c.deadline).not.toBe(a.deadline)
    const start = devnet.head().height
    const d = nextDeadline(devnet, who.minerId, a.deadline)
    await advanceTo(devnet, d.open)
    const post = await submitPoSt(devnet, who, a.deadline, [{ index: a.partition }])
    expect(post.receipt.exitCode, post.receipt.error).toBe(0)
    await advanceTo(devnet, start + params.wpostProvingPeriod + 1)
    const after = devnet.worldAt().miners.get(who.minerId)!
    expect(after.deadlines[a.deadline]!.partitions[a.partition]!.faulty.size).toBe(0)
    expect([...after.deadlines[c.deadline]!.partitions[c.partition]!.faulty]).toEqual([3])
  })

  it('activates a data sector whose pieces reproduce the pre-committed CommD', async () => {
    const devnet = createDevnet({ seed: 'data', proofs: fakeVerifier() })
    const who = await devnet.createTestMiner()
    const piece = commPSync(new Uint8Array(1016).fill(7))
    const pieceCid = unsealedCid(piece.commP)
    const dealId = devnet.publishTestDeal({
      pieceCid,
      pieceSize: piece.paddedSize,
      client: who.owner,
      provider: who.miner,
    })
    expect(dealId).toBe(1)
    const d = commD([piece], 2048)
    const head = devnet.head().height
    const pre = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Value: FIL.toString(),
      Method: 28,
      Params: b64(
        encodeParams.preCommitSectorBatch2([
          {
            sealProof: 5,
            sectorNumber: 1,
            sealedCid: commRCid(1),
            sealRandEpoch: head - 1,
            dealIds: [],
            expiration:
              head + 1 + maxProveCommitDuration(devnet.params) + devnet.params.minSectorExpiration + 10,
            unsealedCid: unsealedCid(d),
          },
        ]),
      ),
    })
    expect(pre.receipt.exitCode, pre.receipt.error).toBe(0)
    const pcEpoch = pre.included.height
    await advanceTo(devnet, pcEpoch + devnet.params.preCommitChallengeDelay + 1)
    const entropy = randomnessEntropy(who.miner)
    const proof = fakeProver.seal({
      registeredProof: 5,
      sectorNumber: 1,
      proverId: proverId(who.minerId),
      commR: commitmentOf(commRCid(1), 'sealed', 'x'),
      commD: d,
      ticket: devnet.ticketRandomness(DomainSeparationTag.SealRandomness, head - 1, entropy),
      seed: devnet.beaconRandomness(
        DomainSeparationTag.InteractiveSealChallengeSeed,
        pcEpoch + devnet.params.preCommitChallengeDelay,
        entropy,
      ),
    })
    const prove = (pieces: { cid: string; size: number }[]) =>
      send(devnet, {
        To: who.miner,
        From: who.owner,
        Value: FIL.toString(),
        Method: 34,
        Params: b64(
          encodeParams.proveCommitSectors3({
            activations: [
              { sectorNumber: 1, pieces: pieces.map((p) => ({ ...p, verifiedAllocationKey: null })) },
            ],
            sectorProofs: [proof],
            aggregateProof: new Uint8Array(),
            aggregateProofType: null,
            requireActivationSuccess: true,
            requireNotificationSuccess: false,
          }),
        ),
      })
    const wrong = await prove([{ cid: unsealedCid(commPSync(new Uint8Array(1016)).commP), size: 1024 }])
    expect(wrong.receipt.exitCode).toBe(16)
    expect(wrong.receipt.error).toMatch(/pieces do not match/)
    const ok = await prove([{ cid: pieceCid, size: piece.paddedSize }])
    expect(ok.receipt.exitCode, ok.receipt.error).toBe(0)
    expect(devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!.unsealedCid).toBe(unsealedCid(d))
  })
})
