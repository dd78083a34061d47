import { describe, expect, it } from 'vitest'
import { MANAGER_LIMITS, managerLimits, venusBodyLimits } from './limits.js'

describe('manager limits', () => {
  it('gives ordinary calls 1 MiB, reports 32 MiB and sector lists 16 MiB by default', () => {
    const { maxBodyBytes, methodBodyBytes } = venusBodyLimits(managerLimits())
    expect(maxBodyBytes).toBe(32 * 1024 * 1024)
    expect(methodBodyBytes('Venus.SubmitProof')).toBe(1024 * 1024)
    expect(methodBodyBytes('Venus.ReportState')).toBe(32 * 1024 * 1024)
    expect(methodBodyBytes('Venus.ReportAborted')).toBe(32 * 1024 * 1024)
    expect(methodBodyBytes('Venus.CheckProvable')).toBe(16 * 1024 * 1024)
  })

  it('takes overrides and names a bad one', () => {
    expect(managerLimits({ failureTextBytes: 100 })).toEqual({ ...MANAGER_LIMITS, failureTextBytes: 100 })
    expect(() => managerLimits({ maxBatch: 0 })).toThrow(/maxBatch must be a positive integer/)
    expect(() => managerLimits({ bogus: 1 } as never)).toThrow(/unknown manager limit 'bogus'/)
  })
})
