import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { numbersToRuns, runsToNumbers } from './bitfield-json.js'

describe('bitfield JSON runs', () => {
  it('round-trips any set of sector numbers', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 60 }), (xs) => {
        const sorted = [...xs].sort((a, b) => a - b)
        expect(runsToNumbers(numbersToRuns(xs))).toEqual(sorted)
      }),
      { numRuns: 200 },
    )
  })
  it('writes the empty set as [0] and reads null as empty', () => {
    expect(numbersToRuns([])).toEqual([0])
    expect(runsToNumbers(null)).toEqual([])
    expect(numbersToRuns([0, 1, 5])).toEqual([0, 2, 3, 1])
  })
})

describe('runsToNumbers on hostile input', () => {
  it('refuses a run that would list more numbers than allowed, instead of exhausting memory', () => {
    expect(() => runsToNumbers([0, 1e12])).toThrow(/more than 10000000 numbers/)
    expect(() => runsToNumbers([0, 5], { maxCount: 4 })).toThrow(/more than 4 numbers/)
  })
  it('refuses negative, fractional and non-number runs', () => {
    for (const bad of [[-1], [0, 1.5], [0, Number.NaN], ['3' as unknown as number]]) {
      expect(() => runsToNumbers(bad)).toThrow(expect.objectContaining({ code: 'BITFIELD_INVALID' }))
    }
  })
})
