import { describe, expect, it } from 'vitest'
import { SectorHistory } from './history.js'

const id = (n: number) => ({ miner: 1000, number: n })

describe('SectorHistory', () => {
  it('keeps failure texts and names cut to their bounds', () => {
    const h = new SectorHistory({ textBytes: 100, nameBytes: 10 })
    h.add(id(1), {
      at: 1,
      kind: 'ReportState',
      next: 'N'.repeat(50),
      failure: { Level: 'temporary', Desc: 'd'.repeat(20 * 1024 * 1024) },
    })
    const [e] = h.of(id(1))
    expect(e?.failure?.Desc).toBe(`${'d'.repeat(100)}… [truncated, 20971520 bytes]`)
    expect(e?.next).toBe(`${'N'.repeat(10)}… [truncated, 50 bytes]`)
    expect(h.bytes).toBeLessThan(2000)
  })

  it('keeps the last events per sector and drops the least recently touched sectors past the byte budget', () => {
    const h = new SectorHistory({ perSector: 3, maxBytes: 20_000, textBytes: 1000 })
    for (let i = 0; i < 5; i++) h.add(id(1), { at: i, kind: 'ReportState', detail: 'x'.repeat(1000) })
    expect(h.of(id(1)).map((e) => e.at)).toEqual([2, 3, 4])
    for (let n = 2; n <= 20; n++) h.add(id(n), { at: n, kind: 'ReportState', detail: 'x'.repeat(1000) })
    expect(h.bytes).toBeLessThanOrEqual(20_000)
    expect(h.of(id(1))).toEqual([])
    expect(h.of(id(20))).toHaveLength(1)
  })
})
