/**
 * Commitment CIDs, entropy and prover ids as the miner actor derives them: thin wrappers over
 * multiformats and the core codecs.
 */
import { addressToBytes, proverId, randomnessEntropy, zeroCommitment } from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { ActorAbort, ExitCode } from './actor-types.js'

const FIL_COMMITMENT_UNSEALED = 0xf101
const FIL_COMMITMENT_SEALED = 0xf102
const SHA2_256_TRUNC254_PADDED = 0x1012
const POSEIDON_BLS12_381_A1_FC1 = 0xb401

const zeroCache = new Map<number, string>()

/** CommD CID of an all-zero sector of `sectorSize` bytes (core `zeroCommitment`, spec §7.2). */
export function zeroCommDCid(sectorSize: number): string {
  let cid = zeroCache.get(sectorSize)
  if (cid === undefined) {
    try {
      cid = CID.create(
        1,
        FIL_COMMITMENT_UNSEALED,
        createDigest(SHA2_256_TRUNC254_PADDED, zeroCommitment(sectorSize)),
      ).toString()
    } catch (err) {
      throw new ActorAbort(
        ExitCode.ErrIllegalArgument,
        `no zero CommD for size ${sectorSize}: ${(err as Error).message}`,
      )
    }
    zeroCache.set(sectorSize, cid)
  }
  return cid
}

/** The 32-byte digest of a commitment CID of the given kind; aborts (exit 16) on any other CID. */
export function commitmentOf(cidText: string, kind: 'sealed' | 'unsealed', what: string): Uint8Array {
  let cid: CID
  try {
    cid = CID.parse(cidText)
  } catch {
    throw new ActorAbort(ExitCode.ErrIllegalArgument, `${what}: not a CID: ${cidText}`)
  }
  const [codec, hash] =
    kind === 'sealed'
      ? [FIL_COMMITMENT_SEALED, POSEIDON_BLS12_381_A1_FC1]
      : [FIL_COMMITMENT_UNSEALED, SHA2_256_TRUNC254_PADDED]
  if (
    cid.version !== 1 ||
    cid.code !== codec ||
    cid.multihash.code !== hash ||
    cid.multihash.digest.length !== 32
  ) {
    throw new ActorAbort(ExitCode.ErrIllegalArgument, `${what}: ${cidText} is not a ${kind} commitment CID`)
  }
  return cid.multihash.digest
}

/** Binary form of an address string. */
export function addressBytes(addr: string): Uint8Array {
  return addressToBytes(addr)
}

/** Randomness entropy of a miner: the CBOR encoding of its ID address (core `randomnessEntropy`). */
export function minerEntropy(idAddress: string): Uint8Array {
  return randomnessEntropy(idAddress)
}

/** The 32-byte proofs prover id of an actor (core `proverId`). */
export function proverIdOf(actorId: number): Uint8Array {
  return proverId(actorId)
}
