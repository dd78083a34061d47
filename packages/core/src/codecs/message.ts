import { blake2b } from '@noble/hashes/blake2.js'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { addressToBytes } from './address.js'
import { cborEncode, encodeBigInt } from './cbor.js'

/** An unsigned Filecoin message (addresses as strings, token amounts in attoFIL). */
export interface UnsignedMessage {
  version?: number
  to: string
  from: string
  nonce: number
  value: bigint
  gasLimit: number
  gasFeeCap: bigint
  gasPremium: bigint
  method: number
  params: Uint8Array
}

const DAG_CBOR = 0x71
const BLAKE2B_256 = 0xb220

/**
 * The CBOR of an unsigned message: a 10-tuple (version, to, from, nonce, value, gas limit, fee
 * cap, premium, method, params), as Lotus hashes it.
 *
 * @example
 * ```ts
 * encodeMessage({ to: 't01000', from: 't01001', nonce: 7, value: 0n, gasLimit: 1_000_000,
 *   gasFeeCap: 100_000n, gasPremium: 1000n, method: 10, params })
 * ```
 */
export function encodeMessage(msg: UnsignedMessage): Uint8Array {
  return cborEncode([
    msg.version ?? 0,
    addressToBytes(msg.to),
    addressToBytes(msg.from),
    msg.nonce,
    encodeBigInt(msg.value),
    msg.gasLimit,
    encodeBigInt(msg.gasFeeCap),
    encodeBigInt(msg.gasPremium),
    msg.method,
    msg.params,
  ])
}

/**
 * The CID of an unsigned message (dag-cbor, blake2b-256).
 *
 * @example
 * ```ts
 * messageCid(msg).toString() // 'bafy2bzace…'
 * ```
 */
export function messageCid(msg: UnsignedMessage): CID {
  return cborCid(encodeMessage(msg))
}

/** The dag-cbor/blake2b-256 CID of CBOR bytes (blocks, tipset keys, messages). */
export function cborCid(bytes: Uint8Array): CID {
  return CID.createV1(DAG_CBOR, Digest.create(BLAKE2B_256, blake2b(bytes, { dkLen: 32 })))
}
