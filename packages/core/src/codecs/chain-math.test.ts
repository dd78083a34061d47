import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  currentDeadline,
  faultCutoffPassed,
  hasElapsed,
  isOpen,
  lastEpoch,
  newDeadlineInfo,
  nextDeadline,
  nextNotElapsed,
  nextOpen,
  nextPeriodStart,
  periodEnd,
  provingPeriodOffset,
  quantizeDown,
  quantizeUp,
} from './dline.js'
import {
  DomainSeparationTag,
  drawRandomness,
  postRandomness,
  proverId,
  randomnessEntropy,
} from './randomness.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// Vectors: our computation of Lotus' rule blake2b-256(i64be(tag) ‖ digest ‖ i64be(epoch) ‖ entropy).
describe('randomness', () => {
  it('mixes tag, digest, epoch and entropy', () => {
    expect(randomnessEntropy('f01000')).toEqual(Uint8Array.from([0x43, 0x00, 0xe8, 0x07]))
    expect(hex(drawRandomness(4, new Uint8Array(32), 1000, randomnessEntropy('f01000')))).toBe(
      'c6e3c8aba38fd81ad5c32693b4edea4bf0b21dbdc5a30feb51c3af8f6098a047',
    )
    expect(hex(drawRandomness(DomainSeparationTag.PoStChainCommit, new Uint8Array(32), 1000))).toBe(
      '9fa8a50414322431c29cacd74b8aece0bcb2efe7e2a3a13d19c93c10e0fff746',
    )
  })

  it('builds the prover id and masks PoSt randomness', () => {
    expect(hex(proverId(1000))).toBe(`e807${'00'.repeat(30)}`)
    expect(postRandomness(new Uint8Array(32).fill(0xff))[31]).toBe(0x3f)
    expect(() => drawRandomness(5, new Uint8Array(31), 1)).toThrow(
      expect.objectContaining({ code: 'RANDOMNESS_INVALID' }),
    )
  })
})

// Vectors: go-state-types dline/deadline_test.go and computed rows.
describe('deadline arithmetic', () => {
  it('NewInfo(PS=71, i=0, cur=0) from dline tests', () => {
    const d = newDeadlineInfo(71, 0, 0)
    expect([d.open, d.close, d.challenge, d.faultCutoff]).toEqual([71, 131, 51, 1])
    expect(isOpen(d)).toBe(false)
    expect(hasElapsed(d)).toBe(false)
    expect(faultCutoffPassed(d)).toBe(false)
    expect(faultCutoffPassed(newDeadlineInfo(69, 0, 0))).toBe(true)
  })

  it('PS=50000 cases from dline tests', () => {
    const d0 = newDeadlineInfo(50000, 0, 50000)
    expect(isOpen(d0)).toBe(true)
    expect([lastEpoch(d0), nextOpen(d0), d0.faultCutoff]).toEqual([50059, 50060, 49930])
    expect(faultCutoffPassed(d0)).toBe(true)
    const d1 = newDeadlineInfo(50000, 1, 50000)
    expect(isOpen(d1)).toBe(false)
    expect(nextNotElapsed(d1)).toMatchObject({ periodStart: 50000, index: 1 })
    const elapsed = newDeadlineInfo(50000, 0, 50060)
    expect(hasElapsed(elapsed)).toBe(true)
    expect(nextNotElapsed(elapsed)).toMatchObject({ periodStart: 52880, index: 0 })
  })

  it('index 48 is "after the last deadline"', () => {
    const d = newDeadlineInfo(0, 48, 2880)
    expect(d.index).toBe(48)
    expect(isOpen(d)).toBe(false)
    expect(hasElapsed(d)).toBe(true)
    expect(periodEnd(d)).toBe(2879)
    expect(nextPeriodStart(d)).toBe(2880)
    expect(() => newDeadlineInfo(0, 49, 0)).toThrow(expect.objectContaining({ code: 'DEADLINE_INVALID' }))
  })

  it.each([
    [1234, 100000, 99154, 14, 99994, 100054, 99974, 99924],
    [1234, 99153, 96274, 47, 99094, 99154, 99074, 99024],
    [1234, 99154, 99154, 0, 99154, 99214, 99134, 99084],
    [0, 28859, 28800, 0, 28800, 28860, 28780, 28730],
    [0, 28860, 28800, 1, 28860, 28920, 28840, 28790],
    [2879, 5000, 2879, 35, 4979, 5039, 4959, 4909],
  ])('seed %d at %d → PS %d index %d', (seed, cur, ps, index, open, close, challenge, faultCutoff) => {
    expect(currentDeadline(seed, cur)).toMatchObject({
      periodStart: ps,
      index,
      open,
      close,
      challenge,
      faultCutoff,
    })
  })

  it('moves an elapsed deadline to its next window', () => {
    const d = nextNotElapsed(newDeadlineInfo(99154, 2, 100000))
    expect(d).toMatchObject({
      periodStart: 102034,
      open: 102154,
      close: 102214,
      challenge: 102134,
      faultCutoff: 102084,
    })
  })

  it('wraps to the next period after deadline 47', () => {
    expect(nextDeadline(newDeadlineInfo(0, 47, 0))).toMatchObject({ periodStart: 2880, index: 0 })
    expect(nextDeadline(newDeadlineInfo(0, 3, 0))).toMatchObject({ periodStart: 0, index: 4 })
  })

  it('quantizes as go-state-types does', () => {
    expect(quantizeDown(100000, 2880, 1234)).toBe(99154)
    expect(quantizeUp(100, 60, 10)).toBe(130)
    expect(quantizeUp(130, 60, 10)).toBe(130)
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 1, max: 10000 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        (e, unit, off) => {
          const down = quantizeDown(e, unit, off)
          const up = quantizeUp(e, unit, off)
          expect(down <= e && e - down < unit).toBe(true)
          expect(up >= e && up - e < unit).toBe(true)
          expect((((down - off) % unit) + unit) % unit).toBe(0)
        },
      ),
    )
  })

  it('currentDeadline always contains the current epoch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 0, max: 1e8 }), (seed, cur) => {
        const d = currentDeadline(seed, cur)
        expect(d.open <= cur && cur < d.close).toBe(true)
      }),
    )
  })

  it('derives a proving-period offset below the period length', () => {
    const off = provingPeriodOffset('f01000', 0)
    expect(off).toBeGreaterThanOrEqual(0)
    expect(off).toBeLessThan(2880)
    expect(provingPeriodOffset('f01000', 0)).toBe(off)
  })
})
