import { blake2b } from '@noble/hashes/blake2.js'
import { varint } from 'multiformats'
import { VenusError } from '../errors/index.js'
import { addressToBytes } from './address.js'
import { cborEncode } from './cbor.js'

/**
 * Domain separation tags of Filecoin randomness (`crypto.DomainSeparationTag`).
 *
 * @example
 * ```ts
 * DomainSeparationTag.SealRandomness // 5
 * ```
 */
export const DomainSeparationTag = {
  TicketProduction: 1,
  ElectionProofProduction: 2,
  WinningPoStChallengeSeed: 3,
  WindowedPoStChallengeSeed: 4,
  SealRandomness: 5,
  InteractiveSealChallengeSeed: 6,
  WindowedPoStDeadlineAssignment: 7,
  MarketDealCronSeed: 8,
  PoStChainCommit: 9,
} as const

/**
 * Mixes a randomness digest as the chain does:
 * `blake2b-256(i64be(tag) ‖ digest ‖ i64be(epoch) ‖ entropy)`.
 *
 * @example
 * ```ts
 * drawRandomness(DomainSeparationTag.SealRandomness, digest, 1000, randomnessEntropy('f01000'))
 * ```
 */
export function drawRandomness(
  tag: number,
  digest: Uint8Array,
  epoch: number,
  entropy: Uint8Array | null = null,
): Uint8Array {
  if (digest.length !== 32)
    throw new VenusError('RANDOMNESS_INVALID', `randomness digest must be 32 bytes, got ${digest.length}`)
  if (!Number.isSafeInteger(epoch))
    throw new VenusError('RANDOMNESS_INVALID', `epoch ${epoch} is not an integer`)
  const ent = entropy ?? new Uint8Array(0)
  const buf = new Uint8Array(8 + 32 + 8 + ent.length)
  const view = new DataView(buf.buffer)
  view.setBigInt64(0, BigInt(tag))
  buf.set(digest, 8)
  view.setBigInt64(40, BigInt(epoch))
  buf.set(ent, 48)
  return blake2b(buf, { dkLen: 32 })
}

/**
 * The entropy the miner actor uses for sealing and PoSt randomness: the CBOR encoding of the
 * miner's ID address (byte-string header included).
 *
 * @example
 * ```ts
 * Buffer.from(randomnessEntropy('f01000')).toString('hex') // '4300e807'
 * ```
 */
export function randomnessEntropy(minerAddress: string): Uint8Array {
  return cborEncode(addressToBytes(minerAddress))
}

/**
 * The 32-byte prover id of the proofs library: the LEB128 varint of the miner actor id,
 * zero-padded on the right.
 *
 * @example
 * ```ts
 * Buffer.from(proverId(1000)).toString('hex').slice(0, 4) // 'e807'
 * ```
 */
export function proverId(actorId: number): Uint8Array {
  if (!Number.isSafeInteger(actorId) || actorId < 0) {
    throw new VenusError('INVALID_ARGUMENT', `actor id ${actorId} is not a non-negative integer`)
  }
  const out = new Uint8Array(32)
  varint.encodeTo(actorId, out)
  return out
}

/**
 * PoSt randomness as the proofs library needs it: a field element (top two bits of the last
 * byte cleared). Only the prover input is masked; what goes on chain is not.
 *
 * @example
 * ```ts
 * postRandomness(new Uint8Array(32).fill(0xff))[31] // 0x3f
 * ```
 */
export function postRandomness(randomness: Uint8Array): Uint8Array {
  if (randomness.length !== 32) throw new VenusError('RANDOMNESS_INVALID', 'PoSt randomness must be 32 bytes')
  const out = new Uint8Array(randomness)
  out[31]! &= 0x3f
  return out
}
