/**
 * Lotus-JSON messages as the devnet stores them, their CIDs (core message codec: dag-cbor +
 * blake2b-256) and the devnet's stand-in signatures.
 */
import {
  blake2bHash,
  cborCid,
  cborDecode,
  cborEncode,
  encodeMessage,
  fromLotusMessage,
  type LotusMessage,
  type LotusSignature,
} from '@venus-cluster/core'
import type { CID } from 'multiformats/cid'

/** A message as held by the mpool and the chain. */
export interface DevnetStoredMessage {
  message: LotusMessage
  signature: LotusSignature
  /** CID of the unsigned message. */
  unsignedCid: string
  /** On-chain CID: the signed message for secp256k1 senders, else the unsigned one. */
  cid: string
}

/** CIDv1 dag-cbor of a value. */
export function cidOfValue(value: unknown): CID {
  return cborCid(cborEncode(value))
}

/** The unsigned CBOR encoding of a message (core's `encodeMessage`). */
export function messageBytes(m: LotusMessage): Uint8Array {
  return encodeMessage(fromLotusMessage(m))
}

/**
 * Signs a message the devnet way: signatures are never checked, so the data is a hash of the
 * message sized like a real one (65 bytes secp256k1, 96 bytes BLS), giving stable CIDs.
 */
export function devnetSign(m: LotusMessage): DevnetStoredMessage {
  const bytes = messageBytes(m)
  const unsigned = cborCid(bytes)
  const secp = m.From.slice(1, 2) === '1'
  return storedFrom(
    m,
    { Type: secp ? 1 : 2, Data: Buffer.from(expand(bytes, secp ? 65 : 96)).toString('base64') },
    unsigned,
  )
}

/** Builds the stored form of a message and a (not verified) signature. */
export function storedFrom(m: LotusMessage, signature: LotusSignature, unsigned?: CID): DevnetStoredMessage {
  const bytes = messageBytes(m)
  const u = unsigned ?? cborCid(bytes)
  let cid = u
  if (signature.Type === 1) {
    const sig = Buffer.from(signature.Data, 'base64')
    const signed = cborEncode([cborDecode(bytes), new Uint8Array([1, ...sig])])
    cid = cborCid(signed)
  }
  return {
    message: { ...m, Params: m.Params === '' ? null : m.Params },
    signature,
    unsignedCid: u.toString(),
    cid: cid.toString(),
  }
}

function expand(seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len)
  let block = blake2bHash(seed, 64)
  for (let i = 0; i < len; i += 64) {
    out.set(block.subarray(0, Math.min(64, len - i)), i)
    block = blake2bHash(block, 64)
  }
  return out
}

/** Deterministic pseudo-random bytes from a label (tickets, beacon entries, keys). */
export function seededBytes(label: string, len: number): Uint8Array {
  return expand(new TextEncoder().encode(label), len)
}
