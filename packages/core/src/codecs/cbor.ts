import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { VenusError } from '../errors/index.js'

/**
 * Filecoin's CBOR encoding of a big integer: empty bytes for 0, else a sign byte (0x00
 * positive, 0x01 negative) and the big-endian magnitude.
 *
 * @example
 * ```ts
 * Buffer.from(encodeBigInt(10n ** 18n)).toString('hex') // '000de0b6b3a7640000'
 * ```
 */
export function encodeBigInt(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0)
  let mag = value < 0n ? -value : value
  const bytes: number[] = []
  while (mag > 0n) {
    bytes.unshift(Number(mag & 0xffn))
    mag >>= 8n
  }
  if (bytes.length > 127) throw new VenusError('CBOR_INVALID', 'big integer is larger than 127 bytes')
  return Uint8Array.from([value < 0n ? 1 : 0, ...bytes])
}

/**
 * Reads Filecoin's big-integer bytes; see {@link encodeBigInt}.
 *
 * @example
 * ```ts
 * decodeBigInt(Uint8Array.of(0, 3)) // 3n
 * ```
 */
export function decodeBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  const sign = bytes[0]
  if (sign !== 0 && sign !== 1)
    throw new VenusError('CBOR_INVALID', `big integer sign byte ${sign} is not 0 or 1`)
  if (bytes.length > 128) throw new VenusError('CBOR_INVALID', 'big integer is larger than 128 bytes')
  if (bytes.length > 1 && bytes[1] === 0)
    throw new VenusError('CBOR_INVALID', 'big integer has a leading zero byte')
  let v = 0n
  for (let i = 1; i < bytes.length; i++) v = (v << 8n) | BigInt(bytes[i]!)
  if (v === 0n) throw new VenusError('CBOR_INVALID', 'zero must be encoded as empty bytes')
  return sign === 1 ? -v : v
}

/** Encodes a value with dag-cbor (the canonical CBOR the chain hashes). */
export function cborEncode(value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

/** Decodes dag-cbor bytes, turning library errors into `CBOR_INVALID`. */
export function cborDecode(bytes: Uint8Array, what = 'value'): unknown {
  try {
    return dagCbor.decode(bytes)
  } catch (cause) {
    throw new VenusError('CBOR_INVALID', `${what} is not valid CBOR`, { cause })
  }
}

/**
 * Reads fields of a decoded CBOR tuple with checks that name the field that is wrong.
 *
 * @internal The codecs' own reader; decode with the `decodeX` functions.
 */
export class TupleReader {
  constructor(
    private readonly what: string,
    private readonly items: unknown[],
  ) {}

  static of(value: unknown, what: string, length: number): TupleReader {
    if (!Array.isArray(value) || value.length !== length) {
      throw new VenusError('CBOR_INVALID', `${what} must be a ${length}-element tuple`, {
        details: { what, found: Array.isArray(value) ? `${value.length} elements` : typeof value },
      })
    }
    return new TupleReader(what, value)
  }

  private fail(i: number, expected: string): never {
    const v = this.items[i]
    throw new VenusError('CBOR_INVALID', `${this.what}[${i}] must be ${expected}`, {
      details: { what: this.what, index: i, found: v === null ? 'null' : typeof v },
    })
  }

  uint(i: number): number {
    const v = this.items[i]
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v
    if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v)
    return this.fail(i, 'an unsigned integer')
  }

  int(i: number): number {
    const v = this.items[i]
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v
    if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER))
      return Number(v)
    return this.fail(i, 'an integer')
  }

  bytes(i: number): Uint8Array {
    const v = this.items[i]
    return v instanceof Uint8Array ? v : this.fail(i, 'a byte string')
  }

  bool(i: number): boolean {
    const v = this.items[i]
    return typeof v === 'boolean' ? v : this.fail(i, 'a boolean')
  }

  cid(i: number): CID {
    const v = CID.asCID(this.items[i])
    return v ?? this.fail(i, 'a CID')
  }

  isNull(i: number): boolean {
    return this.items[i] === null
  }

  array(i: number): unknown[] {
    const v = this.items[i]
    return Array.isArray(v) ? v : this.fail(i, 'an array')
  }

  string(i: number): string {
    const v = this.items[i]
    return typeof v === 'string' ? v : this.fail(i, 'a string')
  }
}
