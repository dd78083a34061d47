import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import {
  advanceTo,
  nextDeadline,
  preCommit,
  proveCommit,
  setupMiner,
  submitPoSt,
} from './__fixtures__/flow.js'
import { createDevnet } from './devnet.js'
import { activeSectors } from './state.js'

async function sealedMiner(sectors: number[] = [1]) {
  const devnet = createDevnet({ seed: 'sealing', proofs: fakeVerifier() })
  const who = await setupMiner(devnet)
  const pc = await preCommit(devnet, who, sectors)
  expect(pc.receipt.exitCode, pc.receipt.error).toBe(0)
  const pre = devnet.worldAt().miners.get(who.minerId)!.preCommits.get(sectors[0]!)!
  await advanceTo(devnet, pre.preCommitEpoch + devnet.params.preCommitChallengeDelay + 1)
  const prove = await proveCommit(devnet, who, sectors)
  expect(prove.receipt.exitCode, prove.receipt.error).toBe(0)
  return { devnet, who }
}

describe('sealing and WindowPoSt on the devnet', () => {
  it('creates a miner, pre-commits, waits for the seed, prove-commits and accepts a WindowPoSt', async () => {
    const { devnet, who } = await sealedMiner([1, 2])
    const m = devnet.worldAt().miners.get(who.minerId)!
    expect(m.sectors.size).toBe(2)
    const s1 = m.sectors.get(1)!
    const part = m.deadlines[s1.deadline]!.partitions[s1.partition]!
    expect([...part.all].sort()).toEqual([1, 2])
    expect(part.unproven.size).toBe(2)

    const d = nextDeadline(devnet, who.minerId, s1.deadline)
    await advanceTo(devnet, d.open)
    const post = await submitPoSt(devnet, who, s1.deadline, [{ index: s1.partition }])
    expect(post.receipt.exitCode, post.receipt.error).toBe(0)
    const after = devnet.worldAt().miners.get(who.minerId)!.deadlines[s1.deadline]!.partitions[s1.partition]!
    expect([...activeSectors(after)].sort()).toEqual([1, 2])
    expect(post.receipt.gasUsed).toBe(57_000_000)
  })

  it('marks sectors faulty after a missed deadline, then accepts a recovery and a new proof', async () => {
    const { devnet, who } = await sealedMiner([1])
    const s = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
    const d = nextDeadline(devnet, who.minerId, s.deadline)
    await advanceTo(devnet, d.close + 1)
    let part = devnet.worldAt().miners.get(who.minerId)!.deadlines[s.deadline]!.partitions[s.partition]!
    expect([...part.faulty]).toEqual([1])
    const balanceBefore = devnet.worldAt().miners.get(who.minerId)!.balance

    const { send, b64 } = await import('./__fixtures__/flow.js')
    const { encodeParams } = await import('./params-codec.js')
    const rec = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 11,
      Params: b64(
        encodeParams.sectorLocations([{ deadline: s.deadline, partition: s.partition, sectors: [1] }]),
      ),
    })
    expect(rec.receipt.exitCode, rec.receipt.error).toBe(0)
    part = devnet.worldAt().miners.get(who.minerId)!.deadlines[s.deadline]!.partitions[s.partition]!
    expect([...part.recovering]).toEqual([1])

    const d2 = nextDeadline(devnet, who.minerId, s.deadline)
    await advanceTo(devnet, d2.open)
    const post = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition }])
    expect(post.receipt.exitCode, post.receipt.error).toBe(0)
    part = devnet.worldAt().miners.get(who.minerId)!.deadlines[s.deadline]!.partitions[s.partition]!
    expect(part.faulty.size).toBe(0)
    expect(part.recovering.size).toBe(0)
    expect(devnet.worldAt().miners.get(who.minerId)!.balance).toBeLessThan(balanceBefore + 1n)
  })

  it('rejects a tampered seal proof with exit 16', async () => {
    const devnet = createDevnet({ seed: 'wrong-proof', proofs: fakeVerifier() })
    const who = await setupMiner(devnet)
    await preCommit(devnet, who, [7])
    await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
    const r = await proveCommit(devnet, who, [7], { tamper: true })
    expect(r.receipt.exitCode).toBe(16)
    expect(r.receipt.error).toMatch(/invalid seal proof/)
    expect(devnet.worldAt().miners.get(who.minerId)!.preCommits.has(7)).toBe(true)
  })

  it('rejects a prove-commit before the seed epoch with exit 18 (forbidden)', async () => {
    const devnet = createDevnet({ seed: 'too-early', proofs: fakeVerifier() })
    const who = await setupMiner(devnet)
    await preCommit(devnet, who, [3])
    const r = await proveCommit(devnet, who, [3]).catch((e) => e)
    // sealInputs draws the seed from the future: the prover cannot even build the proof.
    expect(String(r)).toMatch(/future/)
    const { send, b64 } = await import('./__fixtures__/flow.js')
    const { encodeParams } = await import('./params-codec.js')
    const early = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 34,
      Params: b64(
        encodeParams.proveCommitSectors3({
          activations: [{ sectorNumber: 3, pieces: [] }],
          sectorProofs: [new Uint8Array(192)],
          aggregateProof: new Uint8Array(),
          aggregateProofType: null,
          requireActivationSuccess: true,
          requireNotificationSuccess: false,
        }),
      ),
    })
    expect(early.receipt.exitCode).toBe(18)
    expect(early.receipt.error).toMatch(/too early/)
  })

  it('rejects a pre-commit whose ticket is older than the lookback with exit 16', async () => {
    const devnet = createDevnet({ seed: 'old-ticket', proofs: fakeVerifier() })
    const who = await setupMiner(devnet)
    await advanceTo(devnet, devnet.params.maxPreCommitRandomnessLookback + 50)
    const r = await preCommit(devnet, who, [1], { ticketEpoch: 10 })
    expect(r.receipt.exitCode).toBe(16)
    expect(r.receipt.error).toMatch(/too old/)
  })

  it('accepts an aggregate of four proofs and rejects reuse of a sector number', async () => {
    const devnet = createDevnet({ seed: 'aggregate', proofs: fakeVerifier() })
    const who = await setupMiner(devnet)
    await preCommit(devnet, who, [1, 2, 3, 4])
    await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
    const r = await proveCommit(devnet, who, [1, 2, 3, 4], { aggregate: true })
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)
    expect(devnet.worldAt().miners.get(who.minerId)!.sectors.size).toBe(4)
    const again = await preCommit(devnet, who, [2])
    expect(again.receipt.exitCode).toBe(16)
    expect(again.receipt.error).toMatch(/already allocated/)
  })

  it('dry-runs a too-early prove-commit (StateCall) and refuses to estimate its gas', async () => {
    const devnet = createDevnet({ seed: 'dry-run', proofs: fakeVerifier() })
    const who = await setupMiner(devnet)
    await preCommit(devnet, who, [5])
    const { b64 } = await import('./__fixtures__/flow.js')
    const { encodeParams } = await import('./params-codec.js')
    const msg = {
      Version: 0,
      To: who.miner,
      From: who.owner,
      Nonce: 0,
      Value: '0',
      GasLimit: 0,
      GasFeeCap: '0',
      GasPremium: '0',
      Method: 34,
      Params: b64(
        encodeParams.proveCommitSectors3({
          activations: [{ sectorNumber: 5, pieces: [] }],
          sectorProofs: [new Uint8Array(192)],
          aggregateProof: new Uint8Array(),
          aggregateProofType: null,
          requireActivationSuccess: true,
          requireNotificationSuccess: false,
        }),
      ),
    }
    const { receipt } = await devnet.dryRun(msg)
    expect(receipt.exitCode).toBe(18)
    await expect(devnet.estimateGas(msg)).rejects.toMatchObject({
      code: 'CHAIN_ERROR',
      message: expect.stringMatching(/exit 18/),
    })
    expect(devnet.worldAt().miners.get(who.minerId)!.preCommits.has(5)).toBe(true)
  })
})
