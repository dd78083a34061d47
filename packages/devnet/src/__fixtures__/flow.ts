/** Helpers that drive a devnet through sealing and WindowPoSt in tests. */

import {
  actorIdOf,
  DomainSeparationTag,
  decodeCreateMinerReturn,
  nextNotElapsed,
  proverId,
  randomnessEntropy,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { DevnetSealToVerify } from '../actor-types.js'
import { commitmentOf, zeroCommDCid } from '../commitments.js'
import { deadlineInfo } from '../deadline.js'
import type { Devnet, DevnetMessageInput, DevnetMessageLookup } from '../devnet.js'
import { maxProveCommitDuration } from '../params.js'
import { encodeParams } from '../params-codec.js'
import { fakeProver } from './fake-proofs.js'

export const FIL = 10n ** 18n
export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

/** CommR CID of 32 bytes derived from a label. */
export function commRCid(n: number): string {
  const digest = new Uint8Array(32).fill(n & 0xff)
  digest[31] = 0x0f
  return CID.create(1, 0xf102, createDigest(0xb401, digest)).toString()
}

/** Pushes a message with an explicit gas limit (skips estimation), mines 2 and returns its lookup. */
export async function send(
  devnet: Devnet,
  msg: DevnetMessageInput,
  opts: { estimate?: boolean } = {},
): Promise<DevnetMessageLookup> {
  const stored = await devnet.pushMessage(
    opts.estimate ? msg : { GasLimit: 2_000_000_000, GasFeeCap: '100000', GasPremium: '1000', ...msg },
  )
  await devnet.mine(2)
  const found = devnet.searchMessage(stored.cid)
  if (!found) throw new Error(`message ${stored.cid} not executed`)
  return found
}

/** Funds a new BLS account and creates a 2KiB miner owned and worked by it. */
export async function setupMiner(devnet: Devnet): Promise<{ owner: string; miner: string; minerId: number }> {
  const owner = devnet.newAccount('bls')
  await devnet.faucet(owner, 1000n * FIL)
  await devnet.mine(2)
  const r = await send(devnet, {
    To: 't04',
    From: owner,
    Value: devnet.params.minerCreationDeposit.toString(),
    Method: 2,
    Params: b64(
      encodeParams.createMiner({
        owner,
        worker: owner,
        windowPoStProofType: 10,
        peer: new Uint8Array(),
        multiaddrs: [],
      }),
    ),
  })
  if (r.receipt.exitCode !== 0) throw new Error(`CreateMiner failed: ${r.receipt.error}`)
  const { idAddress } = decodeCreateMinerReturn(r.receipt.return!, 't')
  const minerId = actorIdOf(idAddress)
  return { owner, miner: `t0${minerId}`, minerId }
}

/** Pre-commits CC sectors with ticket epoch `head - ticketAge`. */
export async function preCommit(
  devnet: Devnet,
  who: { owner: string; miner: string },
  sectors: number[],
  opts: { ticketEpoch?: number; value?: bigint } = {},
): Promise<DevnetMessageLookup> {
  const head = devnet.head().height
  const ticketEpoch = opts.ticketEpoch ?? Math.max(0, head - 1)
  const p = devnet.params
  const expiration = head + 1 + maxProveCommitDuration(p) + p.minSectorExpiration + 1000
  return send(devnet, {
    To: who.miner,
    From: who.owner,
    Value: (opts.value ?? 10n * FIL).toString(),
    Method: 28,
    Params: b64(
      encodeParams.preCommitSectorBatch2(
        sectors.map((n) => ({
          sealProof: 5,
          sectorNumber: n,
          sealedCid: commRCid(n),
          sealRandEpoch: ticketEpoch,
          dealIds: [],
          expiration,
          unsealedCid: null,
        })),
      ),
    ),
  })
}

/** Public seal inputs of a pre-committed sector as the actor will rebuild them. */
export function sealInputs(devnet: Devnet, minerId: number, sectorNumber: number): DevnetSealToVerify {
  const m = devnet.worldAt().miners.get(minerId)!
  const pc = m.preCommits.get(sectorNumber)!
  const entropy = randomnessEntropy(devnet.idAddress(minerId))
  return {
    registeredProof: pc.sealProof,
    sectorNumber,
    proverId: proverId(minerId),
    commR: commitmentOf(pc.sealedCid, 'sealed', 'x'),
    commD: commitmentOf(zeroCommDCid(2048), 'unsealed', 'x'),
    ticket: devnet.ticketRandomness(DomainSeparationTag.SealRandomness, pc.sealRandEpoch, entropy),
    seed: devnet.beaconRandomness(
      DomainSeparationTag.InteractiveSealChallengeSeed,
      pc.preCommitEpoch + devnet.params.preCommitChallengeDelay,
      entropy,
    ),
  }
}

/** Prove-commits sectors with single proofs (or an aggregate) built by the fake prover. */
export async function proveCommit(
  devnet: Devnet,
  who: { owner: string; miner: string; minerId: number },
  sectors: number[],
  opts: { aggregate?: boolean; tamper?: boolean; requireSuccess?: boolean } = {},
): Promise<DevnetMessageLookup> {
  const inputs = sectors.map((n) => sealInputs(devnet, who.minerId, n))
  const proofs = inputs.map((i) => fakeProver.seal(i))
  if (opts.tamper) proofs[0]![0]! ^= 1
  const agg = opts.aggregate ? fakeProver.aggregate(inputs) : new Uint8Array()
  return send(devnet, {
    To: who.miner,
    From: who.owner,
    Value: (10n * FIL).toString(),
    Method: 34,
    Params: b64(
      encodeParams.proveCommitSectors3({
        activations: sectors.map((n) => ({ sectorNumber: n, pieces: [] })),
        sectorProofs: opts.aggregate ? [] : proofs,
        aggregateProof: agg,
        aggregateProofType: opts.aggregate ? 1 : null,
        requireActivationSuccess: opts.requireSuccess ?? true,
        requireNotificationSuccess: false,
      }),
    ),
  })
}

/** Mines (with null rounds) until the head is at `height`. */
export async function advanceTo(devnet: Devnet, height: number): Promise<void> {
  const head = devnet.head().height
  if (height <= head) return
  await devnet.mine(1, { nullRounds: height - head - 1 })
}

/** The next not-elapsed occurrence of deadline `index` of a miner. */
export function nextDeadline(devnet: Devnet, minerId: number, index: number) {
  const m = devnet.worldAt().miners.get(minerId)!
  return nextNotElapsed(deadlineInfo(devnet.params, m.provingPeriodStart, index, devnet.head().height))
}

/** Submits a WindowPoSt for the partitions of deadline `index` (must be open at the next epoch). */
export async function submitPoSt(
  devnet: Devnet,
  who: { owner: string; miner: string; minerId: number },
  index: number,
  partitions: { index: number; skipped?: number[] }[],
  opts: { tamper?: boolean; sectors?: number[] } = {},
): Promise<DevnetMessageLookup> {
  const d = nextDeadline(devnet, who.minerId, index)
  const entropy = randomnessEntropy(devnet.idAddress(who.minerId))
  const randomness = devnet
    .beaconRandomness(DomainSeparationTag.WindowedPoStChallengeSeed, d.challenge, entropy)
    .slice()
  randomness[31]! &= 0x3f
  const m = devnet.worldAt().miners.get(who.minerId)!
  const proven =
    opts.sectors ??
    partitions.flatMap((p) => {
      const part = m.deadlines[index]!.partitions[p.index]!
      return [...part.all].filter(
        (s) =>
          !(p.skipped ?? []).includes(s) &&
          !part.terminated.has(s) &&
          (!part.faulty.has(s) || part.recovering.has(s)),
      )
    })
  const proof = fakeProver.windowPoSt({
    registeredPoStProof: 10,
    proverId: proverId(who.minerId),
    randomness,
    sectors: proven,
  })
  if (opts.tamper) proof[0]! ^= 1
  return send(devnet, {
    To: who.miner,
    From: who.owner,
    Method: 5,
    Params: b64(
      encodeParams.submitWindowedPoSt({
        deadline: index,
        partitions: partitions.map((p) => ({ index: p.index, skipped: p.skipped ?? [] })),
        proofs: [{ postProof: 10, proofBytes: proof }],
        chainCommitEpoch: d.challenge,
        chainCommitRand: devnet.ticketRandomness(
          DomainSeparationTag.PoStChainCommit,
          d.challenge,
          new Uint8Array(),
        ),
      }),
    ),
  })
}
