import { randomBytes } from 'node:crypto'
import { Fr32 } from '@web3-storage/data-segment'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isVenusError } from '../errors/index.js'
import { fr32Pad, fr32Unpad } from './fr32.js'

/** Bit-by-bit model of `Fr32Reader` (fr32/src/padding.rs): 254 data bits, then 2 zero bits. */
function referencePad(input: Uint8Array): Uint8Array {
  const out = new Uint8Array((input.length / 127) * 128)
  let outBit = 0
  for (let inBit = 0; inBit < input.length * 8; inBit++) {
    if (outBit % 256 === 254) outBit += 2
    const bit = ((input[inBit >> 3] as number) >> (inBit & 7)) & 1
    out[outBit >> 3] = (out[outBit >> 3] as number) | (bit << (outBit & 7))
    outBit++
  }
  return out
}

describe('fr32Pad', () => {
  it('turns 127 bytes into 128 with the top two bits of every 32-byte element cleared', () => {
    const padded = fr32Pad(new Uint8Array(127).fill(0xff))
    expect(padded.length).toBe(128)
    for (let e = 0; e < 4; e++) {
      expect(padded[e * 32 + 31]).toBe(0x3f)
      for (let i = 0; i < 31; i++) expect(padded[e * 32 + i]).toBe(0xff)
    }
  })

  it('matches the bit-level model of Fr32Reader on random data', () => {
    for (const quads of [1, 2, 3, 16]) {
      const input = randomBytes(127 * quads)
      expect(fr32Pad(input)).toEqual(referencePad(input))
    }
  })

  it('matches @web3-storage/data-segment Fr32.pad', () => {
    const input = randomBytes(127 * 8)
    expect(fr32Pad(input)).toEqual(Fr32.pad(input))
  })

  it('rejects a length that is not a multiple of 127', () => {
    expect(() => fr32Pad(new Uint8Array(128))).toThrow(/multiple of 127/)
    try {
      fr32Pad(new Uint8Array(5))
    } catch (err) {
      expect(isVenusError(err, 'PIECE_SIZE_INVALID')).toBe(true)
    }
  })
})

describe('fr32Unpad', () => {
  it('round-trips any multiple of 127 bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer(), (quads, seed) => {
        const input = new Uint8Array(127 * quads).map((_, i) => (i * 131 + seed) & 0xff)
        expect(fr32Unpad(fr32Pad(input))).toEqual(input)
      }),
      { numRuns: 50 },
    )
  })

  it('ignores the two padding bits of every element', () => {
    const input = randomBytes(127)
    const padded = fr32Pad(input)
    for (let e = 0; e < 4; e++) padded[e * 32 + 31] = (padded[e * 32 + 31] as number) | 0xc0
    expect(fr32Unpad(padded)).toEqual(new Uint8Array(input))
  })

  it('rejects a length that is not a multiple of 128', () => {
    expect(() => fr32Unpad(new Uint8Array(127))).toThrow(/multiple of 128/)
  })
})
