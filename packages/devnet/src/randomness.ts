/**
 * Chain and beacon randomness of the devnet. Tickets and drand-like beacon entries are derived
 * from the devnet seed; the mixing of a digest with the domain separation tag, epoch and entropy
 * is the Lotus rule (core's `drawRandomness`).
 */
import { blake2bHash } from '@venus-cluster/core'
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
  return blake2bHash(bytes)
}
