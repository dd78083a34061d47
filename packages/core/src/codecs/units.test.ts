import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatGoDuration, parseGoDuration } from './duration.js'
import { formatFil, parseFil } from './fil.js'

describe('FIL amounts', () => {
  it.each([
    ['5 nanoFIL', 5_000_000_000n],
    ['0.02 FIL', 20_000_000_000_000_000n],
    ['0.03FIL', 30_000_000_000_000_000n],
    ['1 attoFIL', 1n],
    ['1', 10n ** 18n],
    ['1.5', 15n * 10n ** 17n],
    ['100 fil', 100n * 10n ** 18n],
    ['2 milliFIL', 2n * 10n ** 15n],
  ])('parses %s', (text, atto) => void expect(parseFil(text)).toBe(atto))

  it.each(['', 'FIL', '1.5 attoFIL', 'five FIL', '1 bananaFIL', '1e18'])('rejects %j', (text) =>
    expect(() => parseFil(text)).toThrow(expect.objectContaining({ code: 'FIL_AMOUNT_INVALID' })),
  )

  it('prints as lotus does', () => {
    expect(formatFil(20_000_000_000_000_000n)).toBe('0.02 FIL')
    expect(formatFil(10n ** 18n)).toBe('1 FIL')
    expect(formatFil(0n)).toBe('0 FIL')
    expect(formatFil(5_000_000_000n, { unit: 'auto' })).toBe('5 nanoFIL')
    expect(formatFil(-1n, { unit: 'attoFIL' })).toBe('-1 attoFIL')
  })

  it('round-trips random amounts', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        (v) => void expect(parseFil(formatFil(v))).toBe(v),
      ),
    )
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        (v) => void expect(parseFil(formatFil(v, { unit: 'auto' }))).toBe(v),
      ),
    )
  })
})

describe('Go durations', () => {
  it.each([
    ['1h0m0s', 3_600_000],
    ['30s', 30_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['1m30s', 90_000],
    ['0', 0],
    ['-2m', -120_000],
    ['1h2m3.5s', 3_723_500],
    ['10us', 0.01],
  ])('parses %s', (text, ms) => void expect(parseGoDuration(text)).toBeCloseTo(ms, 9))

  it.each(['', '5', '1x', 'h', '1h 2m', 'ms', '--1s'])('rejects %j', (text) =>
    expect(() => parseGoDuration(text)).toThrow(expect.objectContaining({ code: 'DURATION_INVALID' })),
  )

  it.each([
    [3_600_000, '1h0m0s'],
    [90_000, '1m30s'],
    [1500, '1.5s'],
    [300, '300ms'],
    [0, '0s'],
    [0.001, '1µs'],
    [-60_000, '-1m0s'],
  ])('prints %d ms as %s', (ms, text) => void expect(formatGoDuration(ms)).toBe(text))

  it('round-trips random whole-millisecond durations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        (ms) => void expect(parseGoDuration(formatGoDuration(ms))).toBe(ms),
      ),
    )
  })
})
