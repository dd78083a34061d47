import { blake2b } from '@noble/hashes/blake2.js'

/**
 * BLAKE2b of `data` with a digest of `length` bytes (1 to 64; default 32), the hash of
 * Filecoin's CIDs, randomness and address checksums. Other packages hash through this, so the
 * hashing library is a dependency of core alone.
 *
 * @example
 * ```ts
 * blake2bHash(new TextEncoder().encode('abc')).length // 32
 * blake2bHash(payload, 4) // an address checksum
 * ```
 */
export function blake2bHash(data: Uint8Array, length = 32): Uint8Array {
  return blake2b(data, { dkLen: length })
}
