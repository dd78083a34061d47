import type { LotusDeadlineInfo } from '@venus-cluster/core'
import { numbersToRuns } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { DEFAULT_WINDOW_POST_CONFIG, type WindowPoStConfig, windowPoStConfig } from './config.js'
import { nextDeadlineInfo, partitionToProve } from './window/deadlines.js'

const di = (index: number, ps = 100): LotusDeadlineInfo => ({
  CurrentEpoch: ps,
  PeriodStart: ps,
  Index: index,
  Open: ps + index * 60,
  Close: ps + index * 60 + 60,
  Challenge: ps + index * 60 - 20,
  FaultCutoff: ps + index * 60 - 70,
  WPoStPeriodDeadlines: 48,
  WPoStProvingPeriod: 2880,
  WPoStChallengeWindow: 60,
  WPoStChallengeLookback: 20,
  FaultDeclarationCutoff: 70,
})

describe('deadline helpers', () => {
  it('moves to the next deadline and wraps into the next proving period', () => {
    expect(nextDeadlineInfo(di(3))).toMatchObject({ Index: 4, Open: 100 + 240, Challenge: 100 + 220 })
    expect(nextDeadlineInfo(di(47))).toMatchObject({ Index: 0, PeriodStart: 2980, Open: 2980, Close: 3040 })
  })
  it('proves live minus faulty plus recovering sectors', () => {
    const p = {
      AllSectors: numbersToRuns([1, 2, 3, 4]),
      LiveSectors: numbersToRuns([1, 2, 3, 4]),
      ActiveSectors: numbersToRuns([1, 2]),
      FaultySectors: numbersToRuns([3, 4]),
      RecoveringSectors: numbersToRuns([4]),
    }
    expect(partitionToProve(p)).toEqual([1, 2, 4])
  })
})

describe('windowPoStConfig', () => {
  it('fills defaults and keeps given values', () => {
    const c = windowPoStConfig({ challengeConfidence: 1, maxFee: 5n })
    expect(c.challengeConfidence).toBe(1)
    expect(c.maxFee).toBe(5n)
    expect(c.submitConfidence).toBe(DEFAULT_WINDOW_POST_CONFIG.submitConfidence)
  })

  it('refuses a value of the wrong kind, naming the setting', () => {
    expect(() => windowPoStConfig({ challengeConfidence: -1 })).toThrow(
      'WindowPoSt config: challengeConfidence must be a number ≥ 0, got -1',
    )
    expect(() => windowPoStConfig({ confidence: 1.5 })).toThrow('confidence must be a whole number')
    expect(() => windowPoStConfig({ maxFee: 5 as unknown as bigint })).toThrow('maxFee must be a bigint')
    expect(() => windowPoStConfig({ sender: 1000 as unknown as string })).toThrow('sender must be a string')
    expect(() => windowPoStConfig({ confidnce: 1 } as Partial<WindowPoStConfig>)).toThrow(
      'confidnce is not a WindowPoSt setting',
    )
    expect(windowPoStConfig({ singleCheckTimeoutMs: Number.POSITIVE_INFINITY }).singleCheckTimeoutMs).toBe(
      Number.POSITIVE_INFINITY,
    )
  })
})
