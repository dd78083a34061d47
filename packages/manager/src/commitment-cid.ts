import { VenusError } from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

const FIL_COMMITMENT_UNSEALED = 0xf101
const FIL_COMMITMENT_SEALED = 0xf102
const SHA2_256_TRUNC254_PADDED = 0x1012
const POSEIDON_BLS12_381_A2_FC1 = 0xb401

/**
 * The CID of a 32-byte CommR (`sealed`) or CommD (`unsealed`), as chain params carry them.
 *
 * @example
 * ```ts
 * commitmentCid(new Uint8Array(32), 'sealed').toString() // 'bagboea4b5abc...'
 * ```
 */
export function commitmentCid(bytes: Uint8Array, kind: 'sealed' | 'unsealed'): CID {
  if (bytes.length !== 32) {
    throw new VenusError('COMMITMENT_INVALID', `a commitment must be 32 bytes, got ${bytes.length}`)
  }
  return kind === 'sealed'
    ? CID.createV1(FIL_COMMITMENT_SEALED, Digest.create(POSEIDON_BLS12_381_A2_FC1, bytes))
    : CID.createV1(FIL_COMMITMENT_UNSEALED, Digest.create(SHA2_256_TRUNC254_PADDED, bytes))
}

/**
 * The 32 bytes inside a commitment CID string.
 *
 * @example
 * ```ts
 * commitmentBytes(commitmentCid(x, 'sealed').toString()) // x
 * ```
 */
export function commitmentBytes(cid: string): Uint8Array {
  let parsed: CID
  try {
    parsed = CID.parse(cid)
  } catch (cause) {
    throw new VenusError('CID_INVALID', `not a CID: ${cid}`, { cause })
  }
  if (parsed.multihash.digest.length !== 32)
    throw new VenusError('CID_INVALID', `not a commitment CID: ${cid}`)
  return parsed.multihash.digest
}
