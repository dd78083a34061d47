import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashNode, hashNodePairs } from './node-hash.js'

function reference(pair: Uint8Array): Uint8Array {
  const d = new Uint8Array(createHash('sha256').update(pair).digest())
  d[31] = (d[31] as number) & 0x3f
  return d
}

describe('hashNodePairs', () => {
  it('equals SHA-256 with byte 31 truncated to 6 bits, for many random pairs', () => {
    const count = 300
    const src = randomBytes(64 * count)
    const out = new Uint8Array(32 * count)
    hashNodePairs(src, 0, out, 0, count)
    for (let i = 0; i < count; i++) {
      expect(out.subarray(i * 32, i * 32 + 32)).toEqual(reference(src.subarray(i * 64, i * 64 + 64)))
    }
  })

  it('collapses a level in place', () => {
    const src = new Uint8Array(randomBytes(64 * 8))
    const expected = new Uint8Array(32 * 8)
    hashNodePairs(src, 0, expected, 0, 8)
    hashNodePairs(src, 0, src, 0, 8)
    expect(src.subarray(0, 256)).toEqual(expected)
  })

  it('hashNode joins two 32-byte nodes', () => {
    const a = randomBytes(32)
    const b = randomBytes(32)
    expect(hashNode(a, b)).toEqual(reference(Buffer.concat([a, b])))
  })
})
