import { createHash } from 'node:crypto'

/** A field a mock digest commits to: bytes, or an integer (encoded as u64 LE). */
export type HashField = Uint8Array | number

/** Encodes a non-negative safe integer as 8 bytes little-endian. */
export function u64le(n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true)
  return out
}

/** Encodes a non-negative safe integer as 8 bytes big-endian. */
export function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false)
  return out
}

/** Plain SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** Clears the top two bits of byte 31 so 32 bytes read little-endian are a canonical Fr. */
export function trimFr(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice(0, 32)
  out[31] = (out[31] as number) & 0x3f
  return out
}

/**
 * Domain-separated digest: SHA-256 over the tag and every field, each field framed by its
 * length so that moving bytes between fields changes the digest.
 */
export function taggedDigest(tag: string, ...fields: HashField[]): Uint8Array {
  const h = createHash('sha256')
  const t = Buffer.from(`venus-mock-proofs/${tag}`, 'utf8')
  const len = new Uint8Array(4)
  const view = new DataView(len.buffer)
  view.setUint32(0, t.length, true)
  h.update(len).update(t)
  for (const f of fields) {
    const bytes = typeof f === 'number' ? u64le(f) : f
    view.setUint32(0, bytes.length, true)
    h.update(len).update(bytes)
  }
  return new Uint8Array(h.digest())
}

/** Expands a 32-byte seed into `length` pseudo-random bytes (SHA-256 in counter mode). */
export function expand(seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length)
  const ctr = new Uint8Array(4)
  const view = new DataView(ctr.buffer)
  for (let i = 0, off = 0; off < length; i++, off += 32) {
    view.setUint32(0, i, true)
    out.set(sha256(seed, ctr).subarray(0, Math.min(32, length - off)), off)
  }
  return out
}

/** Byte equality; proofs are public, so no constant-time comparison is needed. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}

/** Bytes of a hex string (no validation beyond what Buffer does). */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** Reads 8 bytes little-endian at `offset` as a bigint. */
export function readU64le(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getBigUint64(offset, true)
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}
