import { describe, expect, it } from 'vitest'
import { threadInfoFromWire, threadInfoToWire } from './control-api.js'
import type { SealingThreadInfo } from './thread.js'

const info: SealingThreadInfo = {
  index: 1,
  location: '/data/store2',
  plan: 'sealer',
  sectorId: { miner: 1000, number: 7 },
  state: 'PC1Done',
  paused: true,
  pausedForMs: 12_345,
  lastError: 'PC2 failed',
}

describe('WorkerList wire converters', () => {
  it("writes the original worker's snake_case entry, in its key order", () => {
    const wire = threadInfoToWire(info)
    expect(JSON.stringify(wire)).toBe(
      '{"location":"/data/store2","sector_id":"m-1000-s-7","index":1,"paused":true,"paused_elapsed":"12.3s","state":"PC1Done","last_error":"PC2 failed"}',
    )
    expect(
      threadInfoToWire({ ...info, sectorId: null, paused: false, pausedForMs: null, lastError: null }),
    ).toMatchObject({
      sector_id: null,
      paused_elapsed: null,
      last_error: null,
    })
  })

  it('reads its own entries back', () => {
    expect(threadInfoFromWire(threadInfoToWire(info))).toEqual({ ...info, pausedForMs: 12_300 })
  })

  it("reads later originals' entries: sector id as an object, seconds as a number, the plan", () => {
    const later = {
      location: '/s',
      plan: 'snapup',
      sector_id: { Miner: 1000, Number: 3 },
      index: 0,
      paused: true,
      paused_elapsed: 42,
      state: 'SnapEncoded',
      last_error: null,
    }
    expect(threadInfoFromWire(later)).toMatchObject({
      plan: 'snapup',
      sectorId: { miner: 1000, number: 3 },
      pausedForMs: 42_000,
      state: 'SnapEncoded',
    })
  })

  it('bounds what a peer sends: odd or oversized fields read as null, an entry without index is refused', () => {
    const odd = threadInfoFromWire({
      index: 0,
      location: 5,
      sector_id: 'm-x-s-1',
      paused_elapsed: 'forever',
      state: 'x'.repeat(100),
      last_error: 'e'.repeat(70_000),
    })
    expect(odd).toMatchObject({
      location: '',
      sectorId: null,
      pausedForMs: null,
      state: 'Empty',
      lastError: null,
    })
    expect(() => threadInfoFromWire({ location: '/s' })).toThrow('an entry is not a thread')
    expect(() => threadInfoFromWire(null)).toThrow('an entry is not a thread')
  })
})
