/** Helpers that pre-commit and prove-commit data sectors (pieces, verified keys, notifications). */
import {
  commD,
  commPSync,
  DomainSeparationTag,
  encodeDealIdPayload,
  proverId,
  randomnessEntropy,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { PieceActivationParam } from '../actor-types.js'
import { commitmentOf } from '../commitments.js'
import type { Devnet, DevnetMessageLookup } from '../devnet.js'
import { maxProveCommitDuration } from '../params.js'
import { encodeParams } from '../params-codec.js'
import { fakeProver } from './fake-proofs.js'
import { b64, commRCid, FIL, send } from './flow.js'

/** A piece CID (CommP as a `fil-commitment-unsealed` CID). */
export const pieceCidOf = (commP: Uint8Array) => CID.create(1, 0xf101, createDigest(0x1012, commP)).toString()

/** A piece of `size` padded bytes whose data is all `fill`. */
export function testPiece(size: number, fill: number): { cid: string; size: number; commP: Uint8Array } {
  const p = commPSync(new Uint8Array((size / 128) * 127).fill(fill))
  return { cid: pieceCidOf(p.commP), size: p.paddedSize, commP: p.commP }
}

/** A piece as the activation manifest names it. */
export interface TestActivationPiece {
  cid: string
  size: number
  commP: Uint8Array
  allocation?: { client: number; id: number }
  /** Notify the market of this deal id. */
  dealId?: number
}

type Who = { owner: string; miner: string; minerId: number }

/** Pre-commits one 2 KiB data sector of `pieces` expiring at `expiration` (default ~181 days on). */
export async function preCommitData(
  devnet: Devnet,
  who: Who,
  sector: number,
  pieces: readonly { commP: Uint8Array; size: number }[],
  opts: { expiration?: number } = {},
): Promise<DevnetMessageLookup> {
  const head = devnet.head().height
  const p = devnet.params
  const d = commD(
    pieces.map((x) => ({ commP: x.commP, paddedSize: x.size })),
    2048,
  )
  return send(devnet, {
    To: who.miner,
    From: who.owner,
    Value: FIL.toString(),
    Method: 28,
    Params: b64(
      encodeParams.preCommitSectorBatch2([
        {
          sealProof: 5,
          sectorNumber: sector,
          sealedCid: commRCid(sector),
          sealRandEpoch: head - 1,
          dealIds: [],
          expiration: opts.expiration ?? head + 1 + maxProveCommitDuration(p) + p.minSectorExpiration + 10,
          unsealedCid: pieceCidOf(d),
        },
      ]),
    ),
  })
}

/** Prove-commits one data sector with a fake proof and the given piece manifests. */
export async function proveCommitData(
  devnet: Devnet,
  who: Who,
  sector: number,
  pieces: readonly TestActivationPiece[],
  opts: { requireActivationSuccess?: boolean; requireNotificationSuccess?: boolean; value?: bigint } = {},
): Promise<DevnetMessageLookup> {
  const m = devnet.worldAt().miners.get(who.minerId)!
  const pc = m.preCommits.get(sector)!
  const entropy = randomnessEntropy(who.miner)
  const proof = fakeProver.seal({
    registeredProof: 5,
    sectorNumber: sector,
    proverId: proverId(who.minerId),
    commR: commitmentOf(pc.sealedCid, 'sealed', 'x'),
    commD: commitmentOf(pc.unsealedCid!, 'unsealed', 'x'),
    ticket: devnet.ticketRandomness(DomainSeparationTag.SealRandomness, pc.sealRandEpoch, entropy),
    seed: devnet.beaconRandomness(
      DomainSeparationTag.InteractiveSealChallengeSeed,
      pc.preCommitEpoch + devnet.params.preCommitChallengeDelay,
      entropy,
    ),
  })
  const manifest: PieceActivationParam[] = pieces.map((p) => ({
    cid: p.cid,
    size: p.size,
    verifiedAllocationKey: p.allocation ?? null,
    notify: p.dealId === undefined ? [] : [{ address: 't05', payload: encodeDealIdPayload(p.dealId) }],
  }))
  return send(devnet, {
    To: who.miner,
    From: who.owner,
    Value: (opts.value ?? 10n * FIL).toString(),
    Method: 34,
    Params: b64(
      encodeParams.proveCommitSectors3({
        activations: [{ sectorNumber: sector, pieces: manifest }],
        sectorProofs: [proof],
        aggregateProof: new Uint8Array(),
        aggregateProofType: null,
        requireActivationSuccess: opts.requireActivationSuccess ?? false,
        requireNotificationSuccess: opts.requireNotificationSuccess ?? false,
      }),
    ),
  })
}
