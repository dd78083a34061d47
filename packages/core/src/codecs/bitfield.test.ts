import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Bitfield, decodeBitfield, decodeRuns, encodeBitfield, encodeBitfieldRuns } from './bitfield.js'
import { numbersToRuns } from './bitfield-json.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i)

// Vectors: go-state-types and go-bitfield tests, and computed rows.
describe('RLE+ bitfields', () => {
  it.each([
    [[], ''],
    [[0], '0c'],
    [[1], '18'],
    [[5], 'b002'],
    [[0, 1, 2, 3], '9400'],
    [[5, 6, 7], 'b01c'],
    [[100], '802c'],
    [range(2, 21), '50a000'],
    [[0, 2, 4, 5, 6, ...range(11, 27)], '7c472202'],
  ])('encodes %j as %s and decodes it back', (set, bytes) => {
    expect(hex(encodeBitfield(set))).toBe(bytes)
    expect(decodeBitfield(Buffer.from(bytes, 'hex'))).toEqual(set)
  })

  it.each([
    ['40', 'unknown version'],
    ['00', 'trailing zero byte'],
    ['04', 'non-empty bytes for an empty set'],
    ['0800', 'trailing zero byte'],
    ['2c', 'short run'], // run of 1 written as a short block
    ['8c', 'ends with a run of zeros'],
    ['100001', 'long run'], // length 0x..<16 written as a varint
  ])('rejects %s (%s)', (bytes, reason) => {
    expect(() => decodeBitfield(Buffer.from(bytes, 'hex'))).toThrow(
      expect.objectContaining({ code: 'BITFIELD_INVALID' }),
    )
    void reason
  })

  it('round-trips random sets and agrees on runs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 100_000 }), { maxLength: 300 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b)
        const bytes = encodeBitfield(values)
        expect(decodeBitfield(bytes)).toEqual(sorted)
        const count = decodeRuns(bytes).reduce((n, [, len]) => n + len, 0)
        expect(count).toBe(sorted.length)
      }),
    )
  })

  it('never accepts a random byte string that is not the canonical encoding of what it decodes to', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 12 }), (bytes) => {
        let decoded: number[] | undefined
        try {
          decoded = decodeBitfield(bytes, { maxCount: 50_000 })
        } catch {
          return
        }
        expect(hex(encodeBitfield(decoded))).toBe(hex(bytes))
      }),
      { numRuns: 2000 },
    )
  })

  it('encodes JSON runs as the same bytes as the numbers they list, without listing them', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 300 }), { maxLength: 40 }), (values) => {
        expect(hex(encodeBitfieldRuns(numbersToRuns(values)))).toBe(hex(encodeBitfield(values)))
      }),
      { numRuns: 500 },
    )
    // Empty runs, runs of equal bits and trailing zeros are folded away.
    expect(hex(encodeBitfieldRuns([2, 0, 0, 3, 0, 2, 5]))).toBe(hex(encodeBitfield([2, 3, 4, 5, 6])))
    expect(encodeBitfieldRuns([0])).toHaveLength(0)
    expect(decodeRuns(encodeBitfieldRuns([0, 1_000_000_000]))).toEqual([[0, 1_000_000_000]])
    expect(() => encodeBitfieldRuns([0, -1])).toThrow(expect.objectContaining({ code: 'BITFIELD_INVALID' }))
  })

  it('offers set operations', () => {
    const a = Bitfield.from([1, 2, 3, 10])
    expect(a.union([4]).toArray()).toEqual([1, 2, 3, 4, 10])
    expect(a.subtract([2, 10]).toArray()).toEqual([1, 3])
    expect(a.intersect([3, 10, 11]).toArray()).toEqual([3, 10])
    expect(a.count).toBe(4)
    expect(Bitfield.decode(a.encode()).toArray()).toEqual([1, 2, 3, 10])
    expect(() => Bitfield.from([-1])).toThrow(expect.objectContaining({ code: 'BITFIELD_INVALID' }))
  })
})
