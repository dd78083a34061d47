import { VenusError } from '../errors/index.js'
import type { Base64, LotusTipSet, LotusTipSetKey } from './types.js'

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Encodes bytes as padded standard base64, the Go JSON form of `[]byte`.
 *
 * @example
 * ```ts
 * encodeBase64Json(new Uint8Array([7])) // 'Bw=='
 * ```
 */
export function encodeBase64Json(bytes: Uint8Array): Base64 {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * Decodes padded standard base64 (Go `[]byte` JSON); `null` decodes to an empty array.
 *
 * @example
 * ```ts
 * decodeBase64Json('Bw==', 'Return') // Uint8Array [7]
 * ```
 */
export function decodeBase64Json(text: unknown, what = 'bytes'): Uint8Array {
  if (text === null) return new Uint8Array(0)
  if (typeof text !== 'string' || !B64.test(text)) {
    throw new VenusError('RPC_TRANSPORT', `${what} is not padded base64`, {
      details: { what, value: String(text).slice(0, 80) },
    })
  }
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/**
 * Parses a Go big-integer string (attoFIL, power) into a bigint.
 *
 * @example
 * ```ts
 * decodeBigIntJson('1000000000000000000', 'Balance') // 10n ** 18n
 * ```
 */
export function decodeBigIntJson(text: unknown, what = 'big integer'): bigint {
  if (typeof text !== 'string' || !/^-?\d+$/.test(text)) {
    throw new VenusError('RPC_TRANSPORT', `${what} is not a decimal integer string`, {
      details: { what, value: String(text).slice(0, 80) },
    })
  }
  return BigInt(text)
}

/**
 * The key of a tipset (its block CIDs), to pass as `tsk` to state calls.
 *
 * @example
 * ```ts
 * const head = await chain.chainHead()
 * await chain.stateMinerInfo('f01000', tipSetKeyOf(head))
 * ```
 */
export function tipSetKeyOf(ts: LotusTipSet): LotusTipSetKey {
  return ts.Cids
}

/** Whether a JSON value is a wire tipset (light shape check). */
export function isLotusTipSet(v: unknown): v is LotusTipSet {
  if (typeof v !== 'object' || v === null) return false
  const t = v as Record<string, unknown>
  return Array.isArray(t.Cids) && Array.isArray(t.Blocks) && typeof t.Height === 'number'
}
