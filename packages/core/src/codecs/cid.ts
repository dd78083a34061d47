import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { VenusError } from '../errors/index.js'

/** Multicodec `fil-commitment-unsealed` (CommD, CommP). */
export const FIL_COMMITMENT_UNSEALED = 0xf101
/** Multicodec `fil-commitment-sealed` (CommR). */
export const FIL_COMMITMENT_SEALED = 0xf102
/** Multihash `sha2-256-trunc254-padded` (CommD, CommP). */
export const SHA2_256_TRUNC254_PADDED = 0x1012
/** Multihash `poseidon-bls12_381-a2-fc1` (CommR). */
export const POSEIDON_BLS12_381_A2_FC1 = 0xb401
/** Multihash `fr32-sha256-trunc254-padbintree` (piece CID v2, FRC-0069). */
export const FR32_SHA256_TRUNC254_PADBINTREE = 0x1011
const RAW = 0x55

/** Which commitment a CID carries. */
export type CommitmentKind = 'commR' | 'commD' | 'commP'

/** BLS12-381 scalar field modulus r: CommR is a Poseidon output, any value below r. */
const BLS12_381_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n

/**
 * Whether 32 bytes, read little-endian as the proofs library stores them, are a BLS12-381 scalar
 * field element (below the modulus r). This is the library's own test for commitments: CommR
 * uses the whole field, so byte 31 may have bit 6 set; CommD and CommP (SHA-256 truncated to 254
 * bits) always pass.
 *
 * @example
 * ```ts
 * isFieldElement(new Uint8Array(32).fill(0xff)) // false
 * ```
 */
export function isFieldElement(bytes: Uint8Array): boolean {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) return false
  let v = 0n
  for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number)
  return v < BLS12_381_R
}

function checkCommitment(bytes: Uint8Array, kind: CommitmentKind): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new VenusError(
      'COMMITMENT_INVALID',
      `a commitment must be 32 bytes, got ${bytes?.length ?? typeof bytes}`,
    )
  }
  if (kind === 'commR') {
    // Poseidon outputs use the whole field, so bit 6 of byte 31 may be set (real sealing hits it).
    if (!isFieldElement(bytes)) {
      throw new VenusError('COMMITMENT_INVALID', 'a CommR must be a BLS12-381 field element (below r)')
    }
  } else if ((bytes[31]! & 0xc0) !== 0) {
    // SHA-256 commitments are truncated to 254 bits.
    throw new VenusError(
      'COMMITMENT_INVALID',
      'a commitment must be a field element (top two bits of byte 31 clear)',
    )
  }
}

/**
 * The CID of a 32-byte commitment: CommR under `fil-commitment-sealed`/poseidon, CommD and CommP
 * under `fil-commitment-unsealed`/sha2-256-trunc254-padded.
 *
 * @example
 * ```ts
 * commitmentToCid(new Uint8Array(32).fill(0x11), 'commR').toString()
 * // 'bagboea4b5abcaeirceirceirceirceirceirceirceirceirceirceirceirceir'
 * ```
 */
export function commitmentToCid(bytes: Uint8Array, kind: CommitmentKind): CID {
  checkCommitment(bytes, kind)
  return kind === 'commR'
    ? CID.createV1(FIL_COMMITMENT_SEALED, Digest.create(POSEIDON_BLS12_381_A2_FC1, bytes))
    : CID.createV1(FIL_COMMITMENT_UNSEALED, Digest.create(SHA2_256_TRUNC254_PADDED, bytes))
}

/**
 * The commitment inside a commitment CID (a CID object or its string), and which kind it is.
 * CommD and CommP share a codec, so both read back as `'commD'` unless `expect` says otherwise.
 *
 * @example
 * ```ts
 * cidToCommitment('baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy').kind // 'commD'
 * ```
 */
export function cidToCommitment(
  cid: CID | string,
  expect?: CommitmentKind,
): { commitment: Uint8Array; kind: CommitmentKind } {
  let parsed: CID
  try {
    parsed = typeof cid === 'string' ? CID.parse(cid) : cid
  } catch (cause) {
    throw new VenusError('CID_INVALID', `${JSON.stringify(cid)} is not a CID`, { cause })
  }
  const { code } = parsed
  const hash = parsed.multihash.code
  let kind: CommitmentKind
  if (code === FIL_COMMITMENT_SEALED && hash === POSEIDON_BLS12_381_A2_FC1) kind = 'commR'
  else if (code === FIL_COMMITMENT_UNSEALED && hash === SHA2_256_TRUNC254_PADDED)
    kind = expect === 'commP' ? 'commP' : 'commD'
  else {
    throw new VenusError('CID_INVALID', `${parsed.toString()} is not a commitment CID`, {
      details: { codec: code, multihash: hash },
    })
  }
  if (expect !== undefined && (expect === 'commR') !== (kind === 'commR')) {
    throw new VenusError(
      'CID_INVALID',
      `${parsed.toString()} is a ${kind === 'commR' ? 'sealed' : 'unsealed'} commitment, expected ${expect}`,
    )
  }
  const commitment = parsed.multihash.digest
  checkCommitment(commitment, kind)
  return { commitment, kind }
}

/**
 * A piece CID v2 (FRC-0069): the CommP together with the tree height and the payload padding,
 * so the CID alone tells the payload size.
 *
 * @example
 * ```ts
 * pieceCidV2(zeroCommitment(2048), 2032).toString()
 * // 'bafkzcibcaadpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy'
 * ```
 */
export function pieceCidV2(commP: Uint8Array, payloadSize: number): CID {
  checkCommitment(commP, 'commP')
  if (!Number.isSafeInteger(payloadSize) || payloadSize < 0) {
    throw new VenusError('PIECE_SIZE_INVALID', `payload size ${payloadSize} is not a byte count`)
  }
  // Fr32 expands every 127 bytes to 128; the tree has 32-byte leaves.
  const minPadded = Math.max(128, Math.ceil(Math.max(payloadSize, 1) / 127) * 128)
  let height = 2
  while (2 ** height * 32 < minPadded) height++
  const unpaddedCapacity = (2 ** height * 32 * 127) / 128
  const padding = unpaddedCapacity - payloadSize
  const pad = varint.encodeTo(padding, new Uint8Array(varint.encodingLength(padding)))
  const digest = new Uint8Array(pad.length + 1 + 32)
  digest.set(pad, 0)
  digest[pad.length] = height
  digest.set(commP, pad.length + 1)
  return CID.createV1(RAW, Digest.create(FR32_SHA256_TRUNC254_PADBINTREE, digest))
}

/**
 * Reads a piece CID v2 back into its CommP, tree height, padding and payload size.
 *
 * @example
 * ```ts
 * parsePieceCidV2('bafkzcibcaadpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy').payloadSize // 2032
 * ```
 */
export function parsePieceCidV2(cid: CID | string): {
  commP: Uint8Array
  height: number
  padding: number
  payloadSize: number
  paddedSize: number
} {
  let parsed: CID
  try {
    parsed = typeof cid === 'string' ? CID.parse(cid) : cid
  } catch (cause) {
    throw new VenusError('CID_INVALID', `${JSON.stringify(cid)} is not a CID`, { cause })
  }
  if (parsed.code !== RAW || parsed.multihash.code !== FR32_SHA256_TRUNC254_PADBINTREE) {
    throw new VenusError('CID_INVALID', `${parsed.toString()} is not a piece CID v2`)
  }
  const digest = parsed.multihash.digest
  const [padding, len] = varint.decode(digest)
  const height = digest[len]
  const commP = digest.subarray(len + 1)
  if (height === undefined || commP.length !== 32) {
    throw new VenusError('CID_INVALID', `${parsed.toString()} has a malformed piece CID v2 digest`)
  }
  const paddedSize = 2 ** height * 32
  const payloadSize = (paddedSize * 127) / 128 - padding
  if (payloadSize < 0)
    throw new VenusError('CID_INVALID', `${parsed.toString()} pads more than its tree holds`)
  return { commP: new Uint8Array(commP), height, padding, payloadSize, paddedSize }
}
