import { nextNotElapsed } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { currentProvingPeriodStart, deadlineInfo } from './deadline.js'
import { devnetParams2k } from './params.js'

const p = devnetParams2k()

describe('deadline arithmetic (go-state-types dline vectors)', () => {
  it('matches the go-state-types dline test vectors', () => {
    expect(deadlineInfo(p, 71, 0, 0)).toMatchObject({ open: 71, close: 131, challenge: 51, faultCutoff: 1 })
    const d0 = deadlineInfo(p, 50000, 0, 50000)
    expect(d0.faultCutoff).toBe(49930)
    expect(nextNotElapsed(d0)).toBe(d0)
    expect(nextNotElapsed(deadlineInfo(p, 50000, 1, 50000)).periodStart).toBe(50000)
    expect(nextNotElapsed(deadlineInfo(p, 50000, 0, 50060)).periodStart).toBe(52880)
    expect(deadlineInfo(p, 0, 48, 2880)).toMatchObject({ open: 2880, close: 2880, faultCutoff: 0 })
  })

  it('matches the computed table for a proving-period seed', () => {
    const rows: [number, number, number, number][] = [
      // seed, cur, periodStart, index
      [1234, 100000, 99154, 14],
      [1234, 99153, 96274, 47],
      [1234, 99154, 99154, 0],
      [0, 28859, 28800, 0],
      [0, 28860, 28800, 1],
      [2879, 5000, 2879, 35],
    ]
    for (const [seed, cur, ps, idx] of rows) {
      const start = currentProvingPeriodStart(p, cur, seed % 2880)
      expect(start).toBe(ps)
      expect(Math.floor((cur - start) / 60)).toBe(idx)
    }
    const d2 = nextNotElapsed(deadlineInfo(p, 99154, 2, 100000))
    expect(d2).toMatchObject({
      periodStart: 102034,
      open: 102154,
      close: 102214,
      challenge: 102134,
      faultCutoff: 102084,
    })
  })
})
