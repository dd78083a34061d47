/**
 * Commitment CIDs, entropy and prover ids as the miner actor derives them. Thin wrappers over
 * multiformats / dag-cbor / iso-filecoin.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { fromString as parseAddressString } from 'iso-filecoin/address'
import { CID } from 'multiformats/cid'
import { ActorAbort, ExitCode } from './actor-types.js'

const FIL_COMMITMENT_UNSEALED = 0xf101
const FIL_COMMITMENT_SEALED = 0xf102
const SHA2_256_TRUNC254_PADDED = 0x1012
const POSEIDON_BLS12_381_A1_FC1 = 0xb401

/** Zero-data CommD per sector size (spec §7.2). */
const ZERO_COMMD: Record<number, string> = {
  2048: 'baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy',
  8388608: 'baga6ea4seaqgl4u6lwmnerwdrm4iz7ag3mpwwaqtapc2fciabpooqmvjypweeha',
  536870912: 'baga6ea4seaqdsvqopmj2soyhujb72jza76t4wpq5fzifvm3ctz47iyytkewnubq',
  34359738368: 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq',
  68719476736: 'baga6ea4seaqomqafu276g53zko4k23xzh4h4uecjwicbmvhsuqi7o4bhthhm4aq',
}

/** CommD CID of an all-zero sector of `sectorSize` bytes. */
export function zeroCommDCid(sectorSize: number): string {
  const cid = ZERO_COMMD[sectorSize]
  if (cid === undefined)
    throw new ActorAbort(ExitCode.ErrIllegalArgument, `no zero CommD for size ${sectorSize}`)
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
  return parseAddressString(addr).toBytes()
}

/** Randomness entropy of a miner: the CBOR encoding of its ID address (spec §2.5). */
export function minerEntropy(idAddress: string): Uint8Array {
  return dagCbor.encode(addressBytes(idAddress))
}

/** The 32-byte proofs prover id: LEB128 of the actor id, zero-padded (spec §2.5). */
export function proverIdOf(actorId: number): Uint8Array {
  const out = new Uint8Array(32)
  let v = actorId
  let i = 0
  do {
    let b = v & 0x7f
    v = Math.floor(v / 128)
    if (v > 0) b |= 0x80
    out[i++] = b
  } while (v > 0)
  return out
}
