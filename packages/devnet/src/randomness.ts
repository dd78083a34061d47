/**
 * Chain and beacon randomness of the devnet. Tickets and drand-like beacon entries are derived
 * from the devnet seed; the mixing of a digest with the domain separation tag, epoch and entropy
 * is the Lotus rule (spec §2.5).
 */
import { blake2b } from '@noble/hashes/blake2.js'
import { drawRandomness } from '@venus-cluster/core'
import { seededBytes } from './messages.js'

/** A drand-style beacon entry for `epoch` (one round per epoch). */
export function beaconEntry(seed: string, epoch: number): { round: number; data: Uint8Array } {
  return { round: epoch, data: seededBytes(`${seed}/beacon/${epoch}`, 96) }
}

/** VRF proof bytes of the ticket of the block at `height` on fork `branch`. */
export function ticketProof(seed: string, height: number, branch: number): Uint8Array {
  return seededBytes(`${seed}/ticket/${height}/${branch}`, 96)
}

/** blake2b-256 of a ticket's VRF proof or a beacon entry's data: the randomness digest. */
export function randomnessDigest(bytes: Uint8Array): Uint8Array {
  return blake2b(bytes, { dkLen: 32 })
}

/**
 * Final randomness: blake2b-256(i64be(dst) ‖ digest ‖ i64be(epoch) ‖ entropy), the core
 * `drawRandomness`.
 * @example
 * ```ts
 * mixRandomness(4, new Uint8Array(32), 1000, Uint8Array.of(0x43, 0, 0xe8, 7))
 * ```
 */
export function mixRandomness(
  dst: number,
  digest: Uint8Array,
  epoch: number,
  entropy: Uint8Array,
): Uint8Array {
  return drawRandomness(dst, digest, epoch, entropy)
}
