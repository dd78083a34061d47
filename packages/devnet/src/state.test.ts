import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { advanceTo, nextDeadline, submitPoSt } from './__fixtures__/flow.js'
import { createDevnet } from './devnet.js'
import {
  copyWorld,
  emptyWorld,
  type MinerState,
  mutableMiner,
  writableAllocated,
  writableDeadline,
  writablePreCommits,
  writableSectors,
} from './state.js'
import { createTestMiner } from './testing/miners.js'
import { injectPreCommits } from './testing/sectors.js'

function minerWorld() {
  const w = emptyWorld()
  const m: MinerState = {
    id: 1000,
    robust: 't2abc',
    owner: 1001,
    worker: 1001,
    controls: [],
    pendingWorker: null,
    pendingOwner: null,
    beneficiary: 1001,
    beneficiaryTerm: { quota: 0n, usedQuota: 0n, expiration: 0 },
    pendingBeneficiary: {
      beneficiary: 1002,
      quota: 5n,
      expiration: 100,
      approvedByBeneficiary: false,
      approvedByNominee: false,
    },
    peerId: new Uint8Array(),
    multiaddrs: [],
    windowPoStProofType: 10,
    sectorSize: 2048,
    partitionSectors: 2,
    balance: 0n,
    preCommitDeposits: 0n,
    initialPledge: 0n,
    feeDebt: 0n,
    provingPeriodStart: 0,
    currentDeadline: 0,
    allocated: new Set([1, 2]),
    preCommits: new Map(),
    sectors: new Map([[1, { sectorNumber: 1 } as never]]),
    deadlines: [
      {
        partitions: [
          {
            all: new Set([1]),
            faulty: new Set(),
            recovering: new Set(),
            terminated: new Set(),
            unproven: new Set(),
          },
        ],
        postSubmissions: new Set(),
      },
      { partitions: [], postSubmissions: new Set() },
    ],
    creationEpoch: 0,
  }
  w.miners.set(1000, m)
  return { w, m }
}

describe('copy-on-write miner state', () => {
  it('copies a miner without its sectors, pre-commits, numbers or deadlines until one is written', () => {
    const { w, m } = minerWorld()
    const next = copyWorld(w)
    const c = mutableMiner(next, 1000)!
    expect(c).not.toBe(m)
    expect(c.sectors).toBe(m.sectors)
    expect(c.preCommits).toBe(m.preCommits)
    expect(c.allocated).toBe(m.allocated)
    expect(c.deadlines[0]).toBe(m.deadlines[0])
    // The same world gets the same copy back.
    expect(mutableMiner(next, 1000)).toBe(c)
  })

  it('leaves the older snapshot as it was when the newer one writes each part', () => {
    const { w, m } = minerWorld()
    const c = mutableMiner(copyWorld(w), 1000)!
    writableDeadline(c, 0).partitions[0]?.faulty.add(1)
    writableDeadline(c, 0).postSubmissions.add(0)
    writableSectors(c).set(2, { sectorNumber: 2 } as never)
    writablePreCommits(c).set(3, { sectorNumber: 3 } as never)
    writableAllocated(c).add(3)
    expect([...(m.deadlines[0]?.partitions[0]?.faulty ?? [])]).toEqual([])
    expect(m.deadlines[0]?.postSubmissions.size).toBe(0)
    expect([...m.sectors.keys()]).toEqual([1])
    expect(m.preCommits.size).toBe(0)
    expect([...m.allocated]).toEqual([1, 2])
    expect([...(c.deadlines[0]?.partitions[0]?.faulty ?? [])]).toEqual([1])
    expect([...c.sectors.keys()]).toEqual([1, 2])
    // Untouched parts are still shared; a part is copied once per miner copy.
    expect(c.deadlines[1]).toBe(m.deadlines[1])
    const dl = writableDeadline(c, 0)
    expect(writableDeadline(c, 0)).toBe(dl)
  })

  it('leaves the beneficiary term and proposal of the older snapshot as they were when the newer one approves', () => {
    const { w, m } = minerWorld()
    const c = mutableMiner(copyWorld(w), 1000)!
    // The actor edits these in place (approvals, quota used by withdrawals).
    c.beneficiaryTerm.usedQuota = 7n
    if (c.pendingBeneficiary !== null) c.pendingBeneficiary.approvedByNominee = true
    expect(m.beneficiaryTerm.usedQuota).toBe(0n)
    expect(m.pendingBeneficiary?.approvedByNominee).toBe(false)
  })

  it('leaves the pre-commits and numbers of older tipsets as they were when pre-commits are injected', async () => {
    const devnet = createDevnet({ seed: 'cow-pre', proofs: fakeVerifier() })
    const who = await createTestMiner(devnet, { windowPoStProofType: 10 })
    await devnet.mine(1)
    const before = devnet.worldAt().miners.get(who.minerId)!
    await devnet.mine(1)
    injectPreCommits(devnet, who.miner, [
      { sectorNumber: 9, sealedCid: 'bagboea4b5abcbqfgv3xgbp7ynvkxmzb2hfw7ej5ab2cyfyeizcsq4cjx3rxvxwbz' },
    ])
    expect(devnet.worldAt().miners.get(who.minerId)?.preCommits.has(9)).toBe(true)
    expect(before.preCommits.has(9)).toBe(false)
    expect(before.allocated.has(9)).toBe(false)
  })

  it('shares the sectors of a miner between tipsets across deadline ends and proofs', async () => {
    const devnet = createDevnet({ seed: 'cow', proofs: fakeVerifier() })
    const who = await createTestMiner(devnet, { windowPoStProofType: 10 })
    await devnet.faucet(who.miner, 10n ** 18n)
    await devnet.mine(1)
    devnet.injectSectors(
      who.miner,
      [1, 2, 3].map((n) => ({
        sectorNumber: n,
        sealedCid: 'bagboea4b5abcbqfgv3xgbp7ynvkxmzb2hfw7ej5ab2cyfyeizcsq4cjx3rxvxwbz',
      })),
    )
    const before = devnet.worldAt().miners.get(who.minerId)!
    const s = before.sectors.get(1)!
    const d = nextDeadline(devnet, who.minerId, s.deadline)
    await advanceTo(devnet, d.open)
    const post = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition }])
    expect(post.receipt.exitCode, post.receipt.error).toBe(0)
    await advanceTo(devnet, d.close + 1)
    const after = devnet.worldAt().miners.get(who.minerId)!
    expect(after).not.toBe(before)
    // A proof and a deadline end later, the head still holds the very same sector records.
    expect(after.sectors).toBe(before.sectors)
    expect(after.deadlines[s.deadline]).not.toBe(before.deadlines[s.deadline])
  })
})
