import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import {
  cidToCommitment,
  commitmentToCid,
  encodeProveReplicaUpdates3,
  MinerMethod,
  runsToNumbers,
  sectorName,
} from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, mineTo, nextOpenOf, provingHarness } from '../__fixtures__/devnet.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** Snaps a 1 KiB piece into CC sector `n` (mock proofs, real files) and lands ProveReplicaUpdates3. */
async function snap(hs: Harness, n: number) {
  const m = hs.miners[0]!
  const name = sectorName({ miner: m.minerId, number: n })
  const staged = join(hs.root, 'snap-staged', name)
  await mkdir(join(hs.root, 'snap-staged'), { recursive: true })
  const { piece } = await hs.proofs.addPiece({
    proofType: 5,
    source: new Uint8Array(1016).fill(7),
    unpaddedSize: 1016,
    stagedPath: staged,
    existingPieceSizes: [],
  })
  const files = {
    sectorKeyPath: join(hs.root, 'sealed', name),
    sectorKeyCacheDir: join(hs.root, 'cache', name),
    replicaPath: join(hs.root, 'update', name),
    replicaCacheDir: join(hs.root, 'update-cache', name),
  }
  const enc = await hs.proofs.encodeInto({
    updateProofType: 0,
    newReplicaPath: files.replicaPath,
    newCacheDir: files.replicaCacheDir,
    sectorKeyPath: files.sectorKeyPath,
    sectorKeyCacheDir: files.sectorKeyCacheDir,
    stagedPath: staged,
    pieces: [piece],
  })
  const info = (await hs.chain.stateSectorGetInfo(m.miner, n))!
  const commROld = cidToCommitment(info.SealedCID['/'], 'commR').commitment
  const proof = await hs.proofs.generateUpdateProof({
    updateProofType: 0,
    commROld,
    commRNew: enc.commRNew,
    commDNew: enc.commDNew,
    ...files,
  })
  const loc = (await hs.chain.stateSectorPartition(m.miner, n))!
  // Wait until the sector's deadline is mutable (neither open nor next).
  for (let i = 0; i < 40; i++) {
    const di = await hs.chain.stateMinerProvingDeadline(m.miner)
    const next = (di.Index + 1) % di.WPoStPeriodDeadlines
    if (
      loc.Deadline !== di.Index &&
      loc.Deadline !== next &&
      loc.Deadline !== (next + 1) % di.WPoStPeriodDeadlines
    )
      break
    await hs.step(1)
  }
  const params = encodeProveReplicaUpdates3({
    sectorUpdates: [
      {
        sectorNumber: n,
        deadline: loc.Deadline,
        partition: loc.Partition,
        newSealedCid: commitmentToCid(enc.commRNew, 'commR'),
        pieces: [
          {
            cid: commitmentToCid(piece.commP, 'commP'),
            size: piece.paddedSize,
            verifiedAllocationKey: null,
            notify: [],
          },
        ],
      },
    ],
    sectorProofs: [proof],
    aggregateProof: new Uint8Array(),
    updateProofsType: 0,
    aggregateProofType: null,
    requireActivationSuccess: true,
    requireNotificationSuccess: false,
  })
  const pushed = await hs.devnet.pushMessage({
    To: m.miner,
    From: m.owner,
    Method: MinerMethod.ProveReplicaUpdates3,
    Params: Buffer.from(params).toString('base64'),
    GasLimit: 2_000_000_000,
    GasFeeCap: '100000',
    GasPremium: '1000',
  })
  await hs.step(2)
  const found = hs.devnet.searchMessage(pushed.cid)
  expect(found?.receipt.exitCode, found?.receipt.error).toBe(0)
  return { loc, commRNew: enc.commRNew }
}

describe('WindowPoSt of a snapped sector', () => {
  it('proves the new replica (update/, update-cache/) with its new CommR, without the CC sealed file', async () => {
    h = await provingHarness({ seed: 'poster-snap', miners: 1, sectors: 2 })
    const m = h.miners[0]!
    await h.step(2)
    const { loc, commRNew } = await snap(h, 1)
    const info = (await h.chain.stateSectorGetInfo(m.miner, 1))!
    expect(info.SealedCID['/']).toBe(commitmentToCid(commRNew, 'commR').toString())
    expect(info.SectorKeyCID).not.toBeNull()
    // The sector key is gone: only the new replica can be proven.
    const sealed = join(h.root, 'sealed', sectorName({ miner: m.minerId, number: 1 }))
    await rename(sealed, `${sealed}.dropped`)
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 6 + 2)
    const skipped = m.events.flatMap((e) =>
      e.type === 'sectors-skipped' ? e.sectors.map((s) => s.sectorNumber) : [],
    )
    expect(skipped).toEqual([])
    const proven = m.events.find(
      (e) => e.type === 'proof-generated' && e.open === open && e.deadline === loc.Deadline,
    )
    expect(proven).toBeDefined()
    const landed = m.events.filter(
      (e) => e.type === 'landed' && e.open === open && e.deadline === loc.Deadline,
    )
    expect(landed.map((e) => (e.type === 'landed' ? e.exitCode : -1))).toEqual([0])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
    expect(m.events.filter((e) => e.type === 'error' || e.type === 'deadline-missed')).toEqual([])
  }, 60_000)
})
