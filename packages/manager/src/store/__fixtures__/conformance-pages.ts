import { expect, it } from 'vitest'
import { type ManagedSector, newSector, type SectorReport } from '../../sector.js'
import type { ManagerStore, SectorSummary } from '../types.js'

const report = (next: string, worker: string): SectorReport => ({
  worker: { instance: worker, location: '/w' },
  stateChange: { prev: 'x', next, event: 'None' },
  failure: null,
})

/**
 * The part of the conformance suite that servers rely on at a million records: pages, counts
 * and recency reads that never read every record. Registered inside `storeConformance`.
 */
export function pagesConformance(fresh: () => Promise<ManagerStore>): void {
  it('pages records in (miner, number) order from a cursor, online and offline apart', async () => {
    const s = await fresh()
    for (const miner of [2000, 1000])
      for (let i = 0; i < 5; i++) await s.allocateSector(miner, { initNumber: 0 }, 5)
    await s.finalizeSector({ miner: 1000, number: 2 }, (x) => ({ ...x, finalized: true }))
    const ids = (list: ManagedSector[]) => list.map((x) => `${x.id.miner}/${x.id.number}`)
    const first = await s.listSectorsPage(true, { limit: 3 })
    expect(ids(first)).toEqual(['1000/1', '1000/3', '1000/4'])
    const second = await s.listSectorsPage(true, { limit: 3, after: first.at(-1)?.id })
    expect(ids(second)).toEqual(['1000/5', '2000/1', '2000/2'])
    const rest = await s.listSectorsPage(true, { limit: 10, after: second.at(-1)?.id })
    expect(ids(rest)).toEqual(['2000/3', '2000/4', '2000/5'])
    expect(await s.listSectorsPage(true, { limit: 10, after: { miner: 2000, number: 5 } })).toEqual([])
    expect(ids(await s.listSectorsPage(false, { limit: 10 }))).toEqual(['1000/2'])
    // Every page together is what listSectors returns.
    expect([...first, ...second, ...rest]).toEqual(await s.listSectors(true))
  })

  it('pages records in one display state', async () => {
    const s = await fresh()
    for (let i = 0; i < 4; i++) await s.allocateSector(1000, { initNumber: 0 }, 5)
    await s.updateSector({ miner: 1000, number: 2 }, (x) => ({ ...x, latestReport: report('PC1Done', 'w1') }))
    const allocated = await s.listSectorsPage(true, { limit: 2, state: 'Allocated' })
    expect(allocated.map((x) => x.id.number)).toEqual([1, 3])
    const next = await s.listSectorsPage(true, { limit: 2, state: 'Allocated', after: allocated[1]?.id })
    expect(next.map((x) => x.id.number)).toEqual([4])
    expect((await s.listSectorsPage(true, { limit: 9, state: 'PC1Done' })).map((x) => x.id.number)).toEqual([
      2,
    ])
  })

  it('refuses pages with a limit out of range, naming the field', async () => {
    const s = await fresh()
    await expect(s.listSectorsPage(true, { limit: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { field: 'limit' },
    })
    await expect(s.listSectorsPage(true, { limit: 1_000_000 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(s.listRecentSectors({ limit: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('counts records per miner and display state as they are reported, finalized, restored', async () => {
    const s = await fresh()
    for (let i = 0; i < 4; i++) await s.allocateSector(1000, { initNumber: 0 }, 5)
    await s.allocateSector(2000, { initNumber: 0 }, 5)
    await s.updateSector({ miner: 1000, number: 1 }, (x) => ({ ...x, latestReport: report('PC1Done', 'w1') }))
    await s.updateSector({ miner: 1000, number: 2 }, (x) => ({ ...x, latestReport: report('PC1Done', 'w2') }))
    await s.finalizeSector({ miner: 1000, number: 3 }, (x) => ({ ...x, finalized: true }))
    await s.finalizeSector({ miner: 1000, number: 4 }, (x) => ({ ...x, abortReason: 'gone' }))
    const counts = async () =>
      (await s.countSectors())
        .map((c) => `${c.miner} ${c.online ? 'on' : 'off'} ${c.state} ${c.count}`)
        .sort()
    expect(await counts()).toEqual([
      '1000 off Aborted 1',
      '1000 off Finalized 1',
      '1000 on PC1Done 2',
      '2000 on Allocated 1',
    ])
    // An offline record changing (removed) keeps its count; a restore takes it back online.
    await s.updateOfflineSector({ miner: 1000, number: 3 }, (x) => ({ ...x, removed: true }))
    await s.restoreSector({ miner: 1000, number: 4 }, (x) => ({ ...x, abortReason: '' }))
    expect(await counts()).toEqual([
      '1000 off Finalized 1',
      '1000 on Allocated 1',
      '1000 on PC1Done 2',
      '2000 on Allocated 1',
    ])
    expect(await s.countSectorsByWorker()).toEqual(
      new Map([
        ['w1', 1],
        ['w2', 1],
      ]),
    )
  })

  it('counts and pages records created offline (imported) and online with a report', async () => {
    const s = await fresh()
    await s.createSector({ ...newSector({ miner: 1000, number: 7 }, 5), finalized: true }, { offline: true })
    await s.createSector(
      { ...newSector({ miner: 1000, number: 8 }, 5), abortReason: 'gone' },
      { offline: true },
    )
    await s.createSector({
      ...newSector({ miner: 1000, number: 9 }, 5),
      latestReport: report('PC2Done', 'w3'),
    })
    expect(
      (await s.countSectors())
        .map((c) => `${c.miner} ${c.online ? 'on' : 'off'} ${c.state} ${c.count}`)
        .sort(),
    ).toEqual(['1000 off Aborted 1', '1000 off Finalized 1', '1000 on PC2Done 1'])
    expect(await s.countSectorsByWorker()).toEqual(new Map([['w3', 1]]))
    expect(
      (await s.listSectorsPage(false, { limit: 5, state: 'Finalized' })).map((x) => x.id.number),
    ).toEqual([7])
    // A record taken back online leaves the offline count.
    await s.restoreSector({ miner: 1000, number: 7 }, (x) => ({ ...x, finalized: false }))
    expect((await s.countSectors()).filter((c) => !c.online).map((c) => c.state)).toEqual(['Aborted'])
  })

  it('lists records newest first, online and offline together, by offset or before a record', async () => {
    const s = await fresh()
    for (let i = 0; i < 3; i++) {
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      await s.allocateSector(2000, { initNumber: 0 }, 5)
    }
    await s.finalizeSector({ miner: 2000, number: 3 }, (x) => ({ ...x, finalized: true }))
    const key = (r: SectorSummary) => `${r.id.miner}/${r.id.number}${r.online ? '' : ' off'}`
    const page = await s.listRecentSectors({ limit: 3 })
    expect(page.map(key)).toEqual(['1000/3', '2000/3 off', '1000/2'])
    expect((await s.listRecentSectors({ limit: 3, offset: 3 })).map(key)).toEqual([
      '2000/2',
      '1000/1',
      '2000/1',
    ])
    const before = page.at(-1)?.id
    expect((await s.listRecentSectors({ limit: 2, before })).map(key)).toEqual(['2000/2', '1000/1'])
  })

  it('summarizes a record: display state, last worker, event and failure, abort reason', async () => {
    const s = await fresh()
    await s.allocateSector(1000, { initNumber: 0 }, 5)
    await s.allocateSector(1000, { initNumber: 0 }, 5)
    await s.updateSector({ miner: 1000, number: 1 }, (x) => ({
      ...x,
      latestReport: { ...report('PC1Done', 'w1'), failure: { level: 'Temporary', description: 'disk full' } },
    }))
    await s.finalizeSector({ miner: 1000, number: 2 }, (x) => ({ ...x, abortReason: 'gone' }))
    expect(await s.listRecentSectors({ limit: 5 })).toEqual([
      {
        id: { miner: 1000, number: 2 },
        online: false,
        state: 'Aborted',
        worker: null,
        event: null,
        failure: null,
        abortReason: 'gone',
      },
      {
        id: { miner: 1000, number: 1 },
        online: true,
        state: 'PC1Done',
        worker: 'w1',
        event: 'None',
        failure: { level: 'Temporary', description: 'disk full' },
        abortReason: '',
      },
    ])
  })

  it('counts and limits commit queues, and lists the newest messages first', async () => {
    const s = await fresh()
    for (let n = 1; n <= 4; n++) {
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      await s.updateSector({ miner: 1000, number: n }, (x) => x, { enqueue: 'pre' })
    }
    expect(await s.countQueue('pre')).toBe(4)
    expect(await s.countQueue('prove')).toBe(0)
    expect((await s.listQueue('pre', undefined, 2)).map((q) => q.number)).toEqual([1, 2])
    expect((await s.listQueue('pre', 1000, 3)).map((q) => q.number)).toEqual([1, 2, 3])
    for (let n = 1; n <= 3; n++) {
      await s.claimMessage({ uid: `m${n}`, miner: 1000, kind: 'pre', sectors: [n], body: {} }, (x) => x)
      await new Promise((r) => setTimeout(r, 2))
    }
    expect((await s.listRecentMessages(2)).map((m) => m.uid)).toEqual(['m3', 'm2'])
    expect(await s.countQueue('pre')).toBe(1)
  })
}
