import { describe, expect, it } from 'vitest'
import { partitionsPerPoStMessage } from './dline.js'

describe('partitionsPerPoStMessage', () => {
  it('allows 3 partitions per message for every sector size', () => {
    for (const sectors of [2, 2349, 2300]) expect(partitionsPerPoStMessage(sectors)).toBe(3)
  })
  it('honours a lower configured cap', () => {
    expect(partitionsPerPoStMessage(2349, 1)).toBe(1)
  })
  it('limits by AddressedSectorsMax for huge partitions', () => {
    expect(partitionsPerPoStMessage(12500)).toBe(2)
  })
  it('rejects a non-positive partition size with INVALID_ARGUMENT', () => {
    expect(() => partitionsPerPoStMessage(0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
