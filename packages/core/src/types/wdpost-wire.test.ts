import { describe, expect, it } from 'vitest'
import {
  type WdPoStJobInput,
  wdPoStBriefJobFromWire,
  wdPoStBriefJobToWire,
  wdPoStDisplayState,
  wdPoStInputFromWire,
  wdPoStInputToWire,
  wdPoStJobId,
  wdPoStOutputFromWire,
} from './wdpost-wire.js'

const input: WdPoStJobInput = {
  minerId: 1000,
  postProofType: 10,
  seed: new Uint8Array(32).fill(7),
  sectors: [
    {
      sectorNumber: 3,
      commR: new Uint8Array(32).fill(1),
      upgrade: false,
      sealedStore: 'ps1',
      cacheStore: 'ps1',
    },
    {
      sectorNumber: 4,
      commR: new Uint8Array(32).fill(2),
      upgrade: true,
      sealedStore: 'ps2',
      cacheStore: 'ps2',
      vanillaProof: new Uint8Array([1, 2, 3]),
    },
  ],
}

describe('WdPoSt job wire shapes', () => {
  it('round-trips an input through the damocles wire shape', () => {
    const wire = wdPoStInputToWire(input)
    expect(wire.ProofType).toBe('StackedDrgWindow2KiBV1_1')
    expect(wire.Sectors[0]).toEqual({
      SectorId: 3,
      CommR: Array(32).fill(1),
      Upgrade: false,
      Accesses: { SealedFile: 'ps1', CacheDir: 'ps1' },
    })
    expect(wdPoStInputFromWire(JSON.parse(JSON.stringify(wire)))).toEqual(input)
  })

  it('gives the same id to the same input, whether or not vanilla proofs came along', () => {
    const bare = { ...input, sectors: input.sectors.map(({ vanillaProof: _v, ...s }) => s) }
    expect(wdPoStJobId(input)).toBe(wdPoStJobId(bare))
    expect(wdPoStJobId({ ...input, seed: new Uint8Array(32) })).not.toBe(wdPoStJobId(input))
  })

  it('names the field of a bad input', () => {
    const wire = wdPoStInputToWire(input) as unknown as { Sectors: { CommR: number[] }[]; ProofType: string }
    wire.Sectors[1]!.CommR = [1, 2]
    expect(() => wdPoStInputFromWire(wire)).toThrow(/Input\.Sectors\[1\]\.CommR must be a list of 32 bytes/)
    expect(() => wdPoStInputFromWire({ ...wdPoStInputToWire(input), ProofType: 'Nope' })).toThrow(/ProofType/)
  })

  it('bounds outputs from workers', () => {
    expect(wdPoStOutputFromWire(null)).toBeNull()
    expect(wdPoStOutputFromWire({ proofs: ['AQI='], faults: [5] })).toEqual({
      proofs: [new Uint8Array([1, 2])],
      faults: [5],
    })
    expect(() => wdPoStOutputFromWire({ proofs: Array(17).fill('AA=='), faults: [] })).toThrow(/at most 16/)
    expect(() => wdPoStOutputFromWire({ proofs: [], faults: [-1] })).toThrow(/faults\[0\]/)
  })

  it('lists a job briefly with its sector and fault counts', () => {
    const brief = wdPoStBriefJobToWire({
      id: 'j1',
      state: 'finished',
      deadline: 3,
      partitions: [0],
      input,
      output: { proofs: [], faults: [4] },
      tryNum: 1,
      errorReason: '',
      workerName: 'w1',
      startedAt: 1,
      heartbeatAt: 2,
      finishedAt: 3,
      createdAt: 1,
      updatedAt: 3,
    })
    expect(brief).toMatchObject({ Id: 'j1', Input: { MinerId: 1000 }, Sectors: 2, Faults: 1, Output: null })
    expect(wdPoStBriefJobFromWire(JSON.parse(JSON.stringify(brief)))).toEqual(brief)
    expect(wdPoStDisplayState(brief)).toBe('Faults(1)')
  })
})
