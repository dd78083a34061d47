import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import {
  advanceTo,
  b64,
  nextDeadline,
  preCommit,
  proveCommit,
  send,
  setupMiner,
  submitPoSt,
} from './__fixtures__/flow.js'
import { createDevnet } from './devnet.js'
import { encodeParams } from './params-codec.js'

async function provenMiner() {
  const devnet = createDevnet({ seed: 'faults', proofs: fakeVerifier() })
  const who = await setupMiner(devnet)
  await preCommit(devnet, who, [1, 2])
  await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
  await proveCommit(devnet, who, [1, 2])
  const s = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
  await advanceTo(devnet, nextDeadline(devnet, who.minerId, s.deadline).open)
  const post = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition }])
  expect(post.receipt.exitCode, post.receipt.error).toBe(0)
  return { devnet, who, s }
}

const partition = (
  devnet: Awaited<ReturnType<typeof provenMiner>>['devnet'],
  minerId: number,
  dl: number,
  p: number,
) => devnet.worldAt().miners.get(minerId)!.deadlines[dl]!.partitions[p]!

describe('faults, skipped sectors and terminations', () => {
  it('declares a fault before the cutoff and rejects one after it with exit 16', async () => {
    const { devnet, who, s } = await provenMiner()
    await advanceTo(devnet, nextDeadline(devnet, who.minerId, s.deadline).close)
    const d = nextDeadline(devnet, who.minerId, s.deadline)
    await advanceTo(devnet, d.faultCutoff - 5)
    const params = b64(
      encodeParams.sectorLocations([{ deadline: s.deadline, partition: s.partition, sectors: [2] }]),
    )
    const ok = await send(devnet, { To: who.miner, From: who.owner, Method: 10, Params: params })
    expect(ok.receipt.exitCode, ok.receipt.error).toBe(0)
    expect([...partition(devnet, who.minerId, s.deadline, s.partition).faulty]).toEqual([2])
    await advanceTo(devnet, d.faultCutoff)
    const late = await send(devnet, { To: who.miner, From: who.owner, Method: 11, Params: params })
    expect(late.receipt.exitCode).toBe(16)
    expect(late.receipt.error).toMatch(/late fault or recovery declaration/)
  })

  it('turns skipped sectors faulty and rejects a tampered PoSt and a wrong deadline', async () => {
    const { devnet, who, s } = await provenMiner()
    await advanceTo(devnet, nextDeadline(devnet, who.minerId, s.deadline).close)
    const d = nextDeadline(devnet, who.minerId, s.deadline)
    await advanceTo(devnet, d.open)
    const bad = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition }], { tamper: true })
    expect(bad.receipt.exitCode).toBe(16)
    expect(bad.receipt.error).toMatch(/invalid PoSt/)
    const wrongDl = (s.deadline + 1) % 48
    const wrong = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 5,
      Params: b64(
        encodeParams.submitWindowedPoSt({
          deadline: wrongDl,
          partitions: [{ index: 0, skipped: [] }],
          proofs: [{ postProof: 10, proofBytes: new Uint8Array(192) }],
          chainCommitEpoch: d.challenge,
          chainCommitRand: new Uint8Array(32),
        }),
      ),
    })
    expect(wrong.receipt.exitCode).toBe(16)
    expect(wrong.receipt.error).toMatch(/invalid deadline/)
    const skip = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition, skipped: [2] }])
    expect(skip.receipt.exitCode, skip.receipt.error).toBe(0)
    expect([...partition(devnet, who.minerId, s.deadline, s.partition).faulty]).toEqual([2])
    const again = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition }])
    expect(again.receipt.error).toMatch(/already proven/)
  })

  it('terminates sectors in a mutable deadline and refuses the open one', async () => {
    const { devnet, who, s } = await provenMiner()
    const params = b64(
      encodeParams.sectorLocations([{ deadline: s.deadline, partition: s.partition, sectors: [1] }]),
    )
    const refused = await send(devnet, { To: who.miner, From: who.owner, Method: 9, Params: params })
    expect(refused.receipt.exitCode).toBe(16)
    expect(refused.receipt.error).toMatch(/immutable deadline/)
    const d = nextDeadline(devnet, who.minerId, s.deadline)
    await advanceTo(devnet, d.close + 5)
    const pledgeBefore = devnet.worldAt().miners.get(who.minerId)!.initialPledge
    const ok = await send(devnet, { To: who.miner, From: who.owner, Method: 9, Params: params })
    expect(ok.receipt.exitCode, ok.receipt.error).toBe(0)
    const m = devnet.worldAt().miners.get(who.minerId)!
    expect(m.sectors.has(1)).toBe(false)
    expect(m.initialPledge).toBeLessThan(pledgeBefore)
    expect([...partition(devnet, who.minerId, s.deadline, s.partition).terminated]).toEqual([1])
  })

  it('refuses miner methods from an address that is not owner, worker or control (exit 18)', async () => {
    const { devnet, who } = await provenMiner()
    const stranger = devnet.newAccount()
    await devnet.faucet(stranger, 10n ** 18n)
    await devnet.mine(2)
    const r = await send(devnet, {
      To: who.miner,
      From: stranger,
      Method: 10,
      Params: b64(encodeParams.sectorLocations([])),
    })
    expect(r.receipt.exitCode).toBe(18)
  })

  it('lets the owner set control addresses that may then send miner methods', async () => {
    const { devnet, who } = await provenMiner()
    const control = devnet.newAccount()
    await devnet.faucet(control, 10n ** 18n)
    await devnet.mine(2)
    const set = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 3,
      Params: b64(encodeParams.changeWorkerAddress({ newWorker: who.owner, newControlAddresses: [control] })),
    })
    expect(set.receipt.exitCode, set.receipt.error).toBe(0)
    const info = devnet.worldAt().miners.get(who.minerId)!
    expect(info.controls).toEqual([devnet.resolve(control)])
    const r = await send(devnet, {
      To: who.miner,
      From: control,
      Method: 10,
      Params: b64(encodeParams.sectorLocations([])),
    })
    expect(r.receipt.exitCode).toBe(0)
    const notOwner = await send(devnet, {
      To: who.miner,
      From: control,
      Method: 3,
      Params: b64(encodeParams.changeWorkerAddress({ newWorker: control, newControlAddresses: [] })),
    })
    expect(notOwner.receipt.exitCode).toBe(18)
  })
})
