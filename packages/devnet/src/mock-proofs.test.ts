import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DomainSeparationTag,
  mockProofs,
  proverId as proverIdOfActor,
  randomnessEntropy,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { afterAll, describe, expect, it } from 'vitest'
import { advanceTo, b64, FIL, nextDeadline, send, setupMiner } from './__fixtures__/flow.js'
import { createDevnet } from './devnet.js'
import { maxProveCommitDuration } from './params.js'
import { encodeParams } from './params-codec.js'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('devnet with the core mock ProofsBackend', () => {
  it('checks a mock-sealed sector and a mock WindowPoSt through the backend', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devnet-mock-'))
    dirs.push(dir)
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'mock', proofs })
    const who = await setupMiner(devnet)
    const entropy = randomnessEntropy(who.miner)
    const proverId = proverIdOfActor(who.minerId)
    const sectorNumber = 1
    const ticketEpoch = devnet.head().height - 1
    const ticket = devnet.ticketRandomness(DomainSeparationTag.SealRandomness, ticketEpoch, entropy)
    const stagedPath = join(dir, 'staged')
    const sealedPath = join(dir, 'sealed')
    const cacheDir = join(dir, 'cache')
    await writeFile(stagedPath, new Uint8Array(2048))
    const pc1 = await proofs.sealPreCommitPhase1({
      proofType: 5,
      cacheDir,
      stagedPath,
      sealedPath,
      proverId,
      sectorNumber,
      ticket,
      pieces: [],
    })
    const { commR, commD } = await proofs.sealPreCommitPhase2({ phase1Output: pc1, cacheDir, sealedPath })
    const sealedCid = CID.create(1, 0xf102, createDigest(0xb401, commR)).toString()
    const head = devnet.head().height
    const pre = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Value: (10n * FIL).toString(),
      Method: 28,
      Params: b64(
        encodeParams.preCommitSectorBatch2([
          {
            sealProof: 5,
            sectorNumber,
            sealedCid,
            sealRandEpoch: ticketEpoch,
            dealIds: [],
            expiration:
              head + 1 + maxProveCommitDuration(devnet.params) + devnet.params.minSectorExpiration + 100,
            unsealedCid: null,
          },
        ]),
      ),
    })
    expect(pre.receipt.exitCode, pre.receipt.error).toBe(0)
    const pcEpoch = pre.included.height
    await advanceTo(devnet, pcEpoch + devnet.params.preCommitChallengeDelay + 1)
    const seed = devnet.beaconRandomness(
      DomainSeparationTag.InteractiveSealChallengeSeed,
      pcEpoch + devnet.params.preCommitChallengeDelay,
      entropy,
    )
    const c1 = await proofs.sealCommitPhase1({
      proofType: 5,
      cacheDir,
      sealedPath,
      proverId,
      sectorNumber,
      ticket,
      seed,
      commR,
      commD,
      pieces: [],
    })
    const proof = await proofs.sealCommitPhase2({ phase1Output: c1, proverId, sectorNumber })
    const prove = (p: Uint8Array) =>
      send(devnet, {
        To: who.miner,
        From: who.owner,
        Value: (10n * FIL).toString(),
        Method: 34,
        Params: b64(
          encodeParams.proveCommitSectors3({
            activations: [{ sectorNumber, pieces: [] }],
            sectorProofs: [p],
            aggregateProof: new Uint8Array(),
            aggregateProofType: null,
            requireActivationSuccess: true,
            requireNotificationSuccess: false,
          }),
        ),
      })
    const flipped = proof.slice()
    flipped[5]! ^= 1
    expect((await prove(flipped)).receipt.exitCode).toBe(16)
    const ok = await prove(proof)
    expect(ok.receipt.exitCode, ok.receipt.error).toBe(0)

    const sector = devnet.worldAt().miners.get(who.minerId)!.sectors.get(sectorNumber)!
    const d = nextDeadline(devnet, who.minerId, sector.deadline)
    await advanceTo(devnet, d.open)
    const randomness = devnet
      .beaconRandomness(DomainSeparationTag.WindowedPoStChallengeSeed, d.challenge, entropy)
      .slice()
    randomness[31]! &= 0x3f
    const post = await proofs.generateWindowPoSt({
      randomness,
      proverId,
      replicas: [{ postProofType: 10, sectorNumber, commR, cacheDir, sealedPath }],
    })
    expect(post.faultySectors).toEqual([])
    const r = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 5,
      Params: b64(
        encodeParams.submitWindowedPoSt({
          deadline: sector.deadline,
          partitions: [{ index: sector.partition, skipped: [] }],
          proofs: post.proofs,
          chainCommitEpoch: d.challenge,
          chainCommitRand: devnet.ticketRandomness(
            DomainSeparationTag.PoStChainCommit,
            d.challenge,
            new Uint8Array(),
          ),
        }),
      ),
    })
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)
  })
})
