import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  DomainSeparationTag,
  decodeProveReplicaUpdates3Return,
  mockProofs,
  type ProofsBackend,
  proverId,
  randomnessEntropy,
  sectorName,
} from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { advanceTo, b64, FIL, nextDeadline, send, setupMiner } from '../../__fixtures__/flow.js'
import type { ProveReplicaUpdates3Param } from '../../actor-types.js'
import { createDevnet, type Devnet } from '../../devnet.js'
import { lotusMethods } from '../../lotus-api.js'
import { encodeParams } from '../../params-codec.js'
import { mutableMiner, writableDeadline } from '../../state.js'
import { injectSectors, sealTestSectors } from '../../testing/sectors.js'
import { allocateDatacap, createVerifiedClient } from '../../testing/verified.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

interface Snap {
  sectorNumber: number
  deadline: number
  partition: number
  newSealedCid: string
  pieceCid: string
  pieceSize: number
  proof: Uint8Array
  replicaPath: string
  replicaCacheDir: string
  commRNew: Uint8Array
}

/** A miner with CC sectors sealed by the mock backend (real mock files) and proven on chain. */
async function ccMiner(numbers: number[]) {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed: 'snap', proofs })
  const who = await setupMiner(devnet)
  const root = await mkdtemp(join(tmpdir(), 'devnet-snap-'))
  dirs.push(root)
  const sealed = await sealTestSectors(proofs, root, who.minerId, numbers)
  injectSectors(devnet, who.miner, sealed)
  await devnet.mine(1)
  return { proofs, devnet, who, root, sealed }
}

/** Encodes a 1KiB piece into sector `n`'s CC replica and proves the update, as a worker does. */
async function snapSector(
  proofs: ProofsBackend,
  devnet: Devnet,
  minerId: number,
  root: string,
  n: number,
  fill = n,
): Promise<Snap> {
  const name = sectorName({ miner: minerId, number: n })
  await mkdir(join(root, 'snap-staged'), { recursive: true })
  const stagedPath = join(root, 'snap-staged', name)
  const { piece } = await proofs.addPiece({
    proofType: 5,
    source: new Uint8Array(1016).fill(fill),
    unpaddedSize: 1016,
    stagedPath,
    existingPieceSizes: [],
  })
  const replicaPath = join(root, 'update', name)
  const replicaCacheDir = join(root, 'update-cache', name)
  const files = {
    sectorKeyPath: join(root, 'sealed', name),
    sectorKeyCacheDir: join(root, 'cache', name),
  }
  const enc = await proofs.encodeInto({
    updateProofType: 0,
    newReplicaPath: replicaPath,
    newCacheDir: replicaCacheDir,
    ...files,
    stagedPath,
    pieces: [piece],
  })
  const s = devnet.worldAt().miners.get(minerId)!.sectors.get(n)!
  const commROld = (await import('../../commitments.js')).commitmentOf(s.sealedCid, 'sealed', 'x')
  const proof = await proofs.generateUpdateProof({
    updateProofType: 0,
    commROld,
    commRNew: enc.commRNew,
    commDNew: enc.commDNew,
    ...files,
    replicaPath,
    replicaCacheDir,
  })
  return {
    sectorNumber: n,
    deadline: s.deadline,
    partition: s.partition,
    newSealedCid: commitmentToCid(enc.commRNew, 'commR').toString(),
    pieceCid: commitmentToCid(piece.commP, 'commP').toString(),
    pieceSize: piece.paddedSize,
    proof,
    replicaPath,
    replicaCacheDir,
    commRNew: enc.commRNew,
  }
}

function updateParams(
  snaps: Snap[],
  over: Partial<ProveReplicaUpdates3Param> = {},
): ProveReplicaUpdates3Param {
  return {
    sectorUpdates: snaps.map((s) => ({
      sectorNumber: s.sectorNumber,
      deadline: s.deadline,
      partition: s.partition,
      newSealedCid: s.newSealedCid,
      pieces: [{ cid: s.pieceCid, size: s.pieceSize, verifiedAllocationKey: null }],
    })),
    sectorProofs: snaps.map((s) => s.proof),
    aggregateProof: new Uint8Array(),
    updateProofsType: 0,
    aggregateProofType: null,
    requireActivationSuccess: false,
    requireNotificationSuccess: false,
    ...over,
  }
}

/** Mines until no snapped sector's deadline is immutable (opening or open). */
async function toMutable(devnet: Devnet, minerId: number, snaps: Snap[]) {
  for (let i = 0; i < 200; i++) {
    const h = devnet.head().height + 2
    const busy = snaps.some((s) => {
      const d = nextDeadline(devnet, minerId, s.deadline)
      return d.open - devnet.params.wpostChallengeWindow <= h && h < d.close + 1
    })
    if (!busy) return
    await devnet.mine(1)
  }
}

function update(devnet: Devnet, who: { owner: string; miner: string }, p: ProveReplicaUpdates3Param) {
  return send(devnet, {
    To: who.miner,
    From: who.owner,
    Value: (10n * FIL).toString(),
    Method: 35,
    Params: b64(encodeParams.proveReplicaUpdates3(p)),
  })
}

describe('ProveReplicaUpdates3 on the devnet', () => {
  it('snaps several CC sectors in one message: new sealed CID, sector key, deal weight, verified claim, QA power and pledge', async () => {
    const { proofs, devnet, who, root, sealed } = await ccMiner([1, 2, 3])
    const snaps = await Promise.all([1, 2, 3].map((n) => snapSector(proofs, devnet, who.minerId, root, n)))
    const api = lotusMethods(devnet)
    const call = (m: string, params: unknown[]) =>
      (api[`Filecoin.${m}`] as (p: unknown[]) => unknown)(params) as Record<string, unknown>
    const powerBefore = call('StateMinerPower', [who.miner, null]) as {
      MinerPower: { RawBytePower: string; QualityAdjPower: string }
    }
    const pledgeBefore = devnet.worldAt().miners.get(who.minerId)!.initialPledge
    // Sector 3's piece is verified (a client's allocation, claimed by the update): ten times the
    // QA power for its space.
    const { client, clientId } = await createVerifiedClient(devnet, { datacap: 1024n })
    const [allocationId] = await allocateDatacap(devnet, client, [
      { provider: who.minerId, data: snaps[2]!.pieceCid, size: snaps[2]!.pieceSize },
    ])
    await toMutable(devnet, who.minerId, snaps)
    const p = updateParams(snaps)
    p.sectorUpdates[2]!.pieces[0]!.verifiedAllocationKey = { client: clientId, id: allocationId! }
    const before = devnet.head()
    const r = await update(devnet, who, p)
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)
    expect(decodeProveReplicaUpdates3Return(r.receipt.return!).activationResults).toEqual({
      successCount: 3,
      failCodes: [],
    })
    expect(r.receipt.gasUsed).toBe(60_000_000 + 3 * 46_300_000)

    const info = call('StateSectorGetInfo', [who.miner, 1, null]) as Record<string, unknown>
    expect(info.SealedCID).toEqual({ '/': snaps[0]!.newSealedCid })
    expect(info.SectorKeyCID).toEqual({ '/': sealed[0]!.sealedCid })
    expect(BigInt(info.DealWeight as string)).toBeGreaterThan(0n)
    expect(info.VerifiedDealWeight).toBe('0')
    expect(info.PowerBaseEpoch).toBe(r.included.height)
    const claims = call('StateGetClaims', [who.miner, null]) as Record<
      string,
      { Sector: number; Data: unknown }
    >
    expect(Object.keys(claims)).toEqual([String(allocationId)])
    expect(claims[String(allocationId)]).toMatchObject({ Sector: 3, Data: { '/': snaps[2]!.pieceCid } })
    const m = devnet.worldAt().miners.get(who.minerId)!
    expect(m.sectors.get(1)!.unsealedCid).not.toBe(sealed[0]!.sealedCid)
    // Copy-on-write: the tipset before the update still holds the CC replica.
    const old = devnet.worldAt(before).miners.get(who.minerId)!
    expect(old.sectors.get(1)!.sealedCid).toBe(sealed[0]!.sealedCid)
    expect(old.sectors.get(1)!.sectorKeyCid).toBeUndefined()
    expect(old.initialPledge).toBe(pledgeBefore)

    const powerAfter = call('StateMinerPower', [who.miner, null]) as typeof powerBefore
    expect(powerAfter.MinerPower.RawBytePower).toBe(powerBefore.MinerPower.RawBytePower)
    const qaBefore = BigInt(powerBefore.MinerPower.QualityAdjPower)
    const qaAfter = BigInt(powerAfter.MinerPower.QualityAdjPower)
    // 1 KiB of a 2 KiB sector verified: 1024 + 9 · 1024 extra bytes of QA power (integer division).
    expect(qaBefore).toBe(3n * 2048n)
    expect(qaAfter - qaBefore).toBeGreaterThanOrEqual(9n * 1024n - 1n)
    expect(qaAfter - qaBefore).toBeLessThanOrEqual(9n * 1024n)
    // Pledge follows QA power and never falls: only the verified sector's pledge grew.
    expect(m.initialPledge).toBeGreaterThan(pledgeBefore)
    expect(m.sectors.get(1)!.initialPledge).toBe(2048n * devnet.params.initialPledgePerByte)
    expect(m.sectors.get(3)!.initialPledge).toBeGreaterThan(2048n * devnet.params.initialPledgePerByte)
  })

  it('fails each bad update alone, with its code, and applies the good ones', async () => {
    const { proofs, devnet, who, root } = await ccMiner([1, 2, 3, 4, 5])
    const snaps = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => snapSector(proofs, devnet, who.minerId, root, n)),
    )
    await toMutable(devnet, who.minerId, snaps)
    const p = updateParams(snaps)
    p.sectorProofs[1] = snaps[1]!.proof.map((b, i) => (i === 0 ? b ^ 1 : b)) // tampered proof
    p.sectorUpdates[2]!.newSealedCid = devnet.worldAt().miners.get(who.minerId)!.sectors.get(3)!.sealedCid // not new
    p.sectorUpdates[3]!.pieces[0]!.size = 4096 // does not fit a 2KiB sector
    p.sectorUpdates[4]!.sectorNumber = 99 // no such sector
    const r = await update(devnet, who, p)
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)
    expect(decodeProveReplicaUpdates3Return(r.receipt.return!).activationResults).toEqual({
      successCount: 1,
      failCodes: [
        { index: 1, code: 16 },
        { index: 2, code: 16 },
        { index: 3, code: 16 },
        { index: 4, code: 17 },
      ],
    })
    const m = devnet.worldAt().miners.get(who.minerId)!
    expect(m.sectors.get(1)!.sealedCid).toBe(snaps[0]!.newSealedCid)
    expect(m.sectors.get(2)!.sectorKeyCid).toBeUndefined()

    // The applied update is not applied again: the sector now holds data.
    const again = await update(devnet, who, updateParams([snaps[0]!], { requireActivationSuccess: true }))
    expect(again.receipt.exitCode).toBe(16)
    expect(again.receipt.error).toMatch(/non-zero data/)
  })

  it('fails an update whose verified piece claims no allocation alone, leaving its CC sector as it was', async () => {
    const { proofs, devnet, who, root, sealed } = await ccMiner([1, 2])
    const snaps = await Promise.all([1, 2].map((n) => snapSector(proofs, devnet, who.minerId, root, n)))
    await toMutable(devnet, who.minerId, snaps)
    const p = updateParams(snaps)
    p.sectorUpdates[1]!.pieces[0]!.verifiedAllocationKey = { client: 1001, id: 77 } // never allocated
    const r = await update(devnet, who, p)
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)
    const ret = decodeProveReplicaUpdates3Return(r.receipt.return!).activationResults
    expect(ret.successCount).toBe(1)
    expect(ret.failCodes).toEqual([{ index: 1, code: expect.any(Number) }])
    expect(ret.failCodes[0]!.code).not.toBe(0)
    const m = devnet.worldAt().miners.get(who.minerId)!
    expect(m.sectors.get(1)!.sealedCid).toBe(snaps[0]!.newSealedCid)
    expect(m.sectors.get(2)!.sealedCid).toBe(sealed[1]!.sealedCid)
    expect(m.sectors.get(2)!.verifiedDealWeight).toBe(0n)
    // With requireActivationSuccess the failed claim aborts the whole message.
    const strict = await update(devnet, who, updateParams([snaps[1]!], { requireActivationSuccess: true }))
    expect(strict.receipt.exitCode).toBe(0)
    const bad = updateParams([snaps[1]!], { requireActivationSuccess: true })
    bad.sectorUpdates[0]!.pieces[0]!.verifiedAllocationKey = { client: 1001, id: 77 }
    expect((await update(devnet, who, bad)).receipt.exitCode).not.toBe(0)
  })

  it('refuses faulty and unproven sectors and sectors in an immutable deadline', async () => {
    const { proofs, devnet, who, root } = await ccMiner([1])
    const [snap] = [await snapSector(proofs, devnet, who.minerId, root, 1)]
    // Test setup edits the head's partition through the copy-on-write helpers, as an actor does.
    const headPartition = () =>
      writableDeadline(mutableMiner(devnet.worldAt(), who.minerId)!, snap!.deadline).partitions[
        snap!.partition
      ]!
    // Immutable: the deadline is open (or about to open) at the epoch the message runs.
    const d = nextDeadline(devnet, who.minerId, snap!.deadline)
    await advanceTo(devnet, d.open - 1)
    const imm = await update(devnet, who, updateParams([snap!], { requireActivationSuccess: true }))
    expect(imm.receipt.exitCode).toBe(16)
    expect(imm.receipt.error).toMatch(/immutable deadline/)

    await toMutable(devnet, who.minerId, [snap!])
    headPartition().faulty.add(1)
    const faulty = await update(devnet, who, updateParams([snap!], { requireActivationSuccess: true }))
    expect(faulty.receipt.error).toMatch(/faulty/)
    const head = headPartition()
    head.faulty.delete(1)
    head.unproven.add(1)
    await toMutable(devnet, who.minerId, [snap!])
    const unproven = await update(devnet, who, updateParams([snap!], { requireActivationSuccess: true }))
    expect(unproven.receipt.error).toMatch(/not proven/)
  })

  it('refuses the message shape the actor refuses: aggregates, both or neither proofs, wrong proof type, lengths', async () => {
    const { proofs, devnet, who, root } = await ccMiner([1])
    const snap = await snapSector(proofs, devnet, who.minerId, root, 1)
    await toMutable(devnet, who.minerId, [snap])
    const agg = await update(
      devnet,
      who,
      updateParams([snap], { sectorProofs: [], aggregateProof: new Uint8Array([1]), aggregateProofType: 1 }),
    )
    expect([agg.receipt.exitCode, agg.receipt.error]).toEqual([
      16,
      expect.stringMatching(/aggregate update proofs/),
    ])
    const none = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 35,
      Params: b64(
        (await import('@venus-cluster/core')).cborEncode([[], [], new Uint8Array(), 0, null, false, false]),
      ),
    })
    expect([none.receipt.exitCode, none.receipt.error]).toEqual([16, expect.stringMatching(/exactly one/)])
    const wrongType = await update(
      devnet,
      who,
      updateParams([snap], { updateProofsType: 1, requireActivationSuccess: true }),
    )
    expect(wrongType.receipt.error).toMatch(/expected update proof type 0, was 1/)
    const lengths = await update(
      devnet,
      who,
      updateParams([snap], { sectorProofs: [snap.proof, snap.proof] }),
    )
    expect([lengths.receipt.exitCode, lengths.receipt.error]).toEqual([
      16,
      expect.stringMatching(/mismatched lengths/),
    ])
    const garbage = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 35,
      Params: b64(new Uint8Array([1])),
    })
    expect(garbage.receipt.exitCode).toBe(21)
    const stranger = devnet.newAccount('bls')
    await devnet.faucet(stranger, 10n * FIL)
    await devnet.mine(2)
    const forbidden = await send(devnet, {
      To: who.miner,
      From: stranger,
      Method: 35,
      Params: b64(encodeParams.proveReplicaUpdates3(updateParams([snap]))),
    })
    expect(forbidden.receipt.exitCode).toBe(18)
  })

  it('proves the new replica, not the sector key, in WindowPoSt after the update', async () => {
    const { proofs, devnet, who, root, sealed } = await ccMiner([1])
    const snap = await snapSector(proofs, devnet, who.minerId, root, 1)
    await toMutable(devnet, who.minerId, [snap])
    const r = await update(devnet, who, updateParams([snap], { requireActivationSuccess: true }))
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)

    const d = nextDeadline(devnet, who.minerId, snap.deadline)
    await advanceTo(devnet, d.open)
    const entropy = randomnessEntropy(devnet.idAddress(who.minerId))
    const randomness = devnet
      .beaconRandomness(DomainSeparationTag.WindowedPoStChallengeSeed, d.challenge, entropy)
      .slice()
    randomness[31]! &= 0x3f
    const name = sectorName({ miner: who.minerId, number: 1 })
    const prove = (sealedPath: string, cacheDir: string, commR: Uint8Array) =>
      proofs.generateWindowPoSt({
        randomness,
        proverId: proverId(who.minerId),
        replicas: [{ postProofType: 10, sectorNumber: 1, commR, cacheDir, sealedPath }],
      })
    const submit = (proofBytes: Uint8Array) =>
      send(devnet, {
        To: who.miner,
        From: who.owner,
        Method: 5,
        Params: b64(
          encodeParams.submitWindowedPoSt({
            deadline: snap.deadline,
            partitions: [{ index: snap.partition, skipped: [] }],
            proofs: [{ postProof: 10, proofBytes }],
            chainCommitEpoch: d.challenge,
            chainCommitRand: devnet.ticketRandomness(
              DomainSeparationTag.PoStChainCommit,
              d.challenge,
              new Uint8Array(),
            ),
          }),
        ),
      })
    // A proof of the old CC replica no longer verifies.
    const old = await prove(join(root, 'sealed', name), join(root, 'cache', name), sealed[0]!.commR)
    const refused = await submit(old.proofs[0]!.proofBytes)
    expect(refused.receipt.exitCode).toBe(16)
    const fresh = await prove(snap.replicaPath, snap.replicaCacheDir, snap.commRNew)
    expect(fresh.faultySectors).toEqual([])
    const accepted = await submit(fresh.proofs[0]!.proofBytes)
    expect(accepted.receipt.exitCode, accepted.receipt.error).toBe(0)
  })
})
