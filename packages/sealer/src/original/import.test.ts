// The original venus-worker's sealing stores, as fixtures: __fixtures__/records holds the
// serde_json of its v0.1.2 `Sector` for each case, printed by the Rust program in
// scripts/fixtures/original-worker-store (record types declared after the original's sources),
// and __fixtures__/stores the sealing stores write-stores.py made of them (RocksDB at meta/,
// key `meta/info`; `c2done` left as a killed worker leaves it, its record only in the
// write-ahead log; `pc1done` flushed into a table file).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertNoOriginalWorkerMeta, mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { workerEnv } from '../__fixtures__/env.js'
import { fakeSealer } from '../__fixtures__/fake-sealer.js'
import { until } from '../__fixtures__/until.js'
import { SectorRecordStore } from '../record.js'
import { createSealingWorker, type SealingWorker } from '../worker.js'
import { convertOriginalSector, importOriginalStore, planOriginalImport } from './import.js'
import { readOriginalMeta } from './meta-db.js'
import { ORIGINAL_SECTOR_KEY, type OriginalSector } from './v012-sector.js'

const FIXTURES = join(import.meta.dirname, '__fixtures__')
const record = (c: string) => readFileSync(join(FIXTURES, 'records', `${c}.json`))
const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A copy of a fixture store (imports write into it). */
function storeCopy(c: string, into?: string): string {
  const dir = into ?? join(mkdtempSync(join(tmpdir(), 'orig-store-')), c)
  if (into === undefined) cleanups.push(() => rmSync(join(dir, '..'), { recursive: true, force: true }))
  cpSync(join(FIXTURES, 'stores', c), dir, { recursive: true })
  mkdirSync(join(dir, 'data'), { recursive: true })
  return dir
}

describe("the original worker's sealing stores", () => {
  it("reads a killed worker's record byte for byte from the RocksDB write-ahead log, read-only", async () => {
    const dir = storeCopy('c2done')
    const before = readdirSync(join(dir, 'meta')).sort()
    expect((await readOriginalMeta(dir, ORIGINAL_SECTOR_KEY))?.equals(record('c2done'))).toBe(true)
    expect(await readOriginalMeta(dir, 'meta/none')).toBeUndefined()
    expect(readdirSync(join(dir, 'meta')).sort()).toEqual(before)
  })

  it('names the export step for table files compressed with Snappy, which the binding cannot read', async () => {
    for (const c of ['pc1done', 'c1done', 'deals', 'snapup']) {
      await expect(readOriginalMeta(storeCopy(c), ORIGINAL_SECTOR_KEY)).rejects.toMatchObject({
        code: 'STORE_ORIGINAL_META',
        message: expect.stringMatching(
          /compressed table files .*ldb --db=.*meta get meta\/info > record\.json.*--record record\.json/,
        ),
      })
    }
  })

  it('takes over each state where it can, and says why not where it cannot', async () => {
    const plans = Object.fromEntries(
      await Promise.all(
        ['pc1done', 'c1done', 'c2done', 'deals', 'snapup'].map(async (c) => [
          c,
          await planOriginalImport(join(FIXTURES, 'stores', c), c === 'c2done' ? {} : { record: record(c) }),
        ]),
      ),
    )
    expect(plans.pc1done).toMatchObject({
      action: 'take-over',
      sector: 'm-1000-n-7',
      fromState: 'PC1Done',
      toState: 'PC1Done',
    })
    const pc1 = plans.pc1done.record
    // Pieces: the original keeps the unpadded size, this worker the padded one.
    expect(pc1?.phases.pieces).toEqual([
      { commitment: '/H6SgpblFvqt6Yayj5LUSk8kuTVIUiM3anmQJ7wY+DM=', size: 2048 },
    ])
    // The PC1 output is carried as the proofs-api JSON that PC2 of the native backend reads.
    const orig = JSON.parse(record('pc1done').toString()) as OriginalSector
    expect(JSON.parse(Buffer.from(pc1?.phases.pc1out ?? '', 'base64').toString())).toEqual(orig.phases.pc1out)
    expect(pc1?.base?.prove_input).toEqual([
      Buffer.from(orig.base?.prove_input[0] ?? []).toString('base64'),
      7,
    ])
    expect(pc1?.phases.ticket).toEqual(orig.phases.ticket)

    expect(plans.c1done).toMatchObject({ action: 'take-over', fromState: 'C1Done', toState: 'SeedAssigned' })
    expect(plans.c1done.reason).toBe('goes on from SeedAssigned (C1 runs again)')
    expect(plans.c1done.record?.retry).toBe(0)
    expect(plans.c1done.record?.phases.persist_instance).toBe('persist-a')

    expect(plans.c2done).toMatchObject({ action: 'take-over', toState: 'C2Done' })
    expect(Buffer.from(plans.c2done.record?.phases.c2out?.proof ?? '', 'base64').length).toBe(192)

    expect(plans.deals).toMatchObject({ action: 'take-over', toState: 'DealsAcquired' })
    expect(plans.deals.record?.deals).toEqual([
      {
        ID: 77,
        PayloadSize: 1900,
        Piece: {
          Size: 2048,
          Cid: { '/': 'baga6ea4seaqdn5i2kkhnp64yj2n6ooh5cvcuxiuc3wqvwsobh6mmcwoqpkrpwmq' },
        },
      },
    ])

    expect(plans.snapup).toMatchObject({
      action: 'refuse',
      reason: 'plan snapup: only sealing sectors are taken over',
    })
  })

  it('leaves nothing to take over for an empty or finished record, and refuses unknown states', () => {
    const base = JSON.parse(record('c2done').toString()) as OriginalSector
    expect(convertOriginalSector({ ...base, state: 16 }, '/s').action).toBe('nothing')
    expect(convertOriginalSector({ ...base, state: 0, base: null }, '/s').action).toBe('nothing')
    expect(convertOriginalSector({ ...base, state: 42 }, '/s')).toMatchObject({
      action: 'refuse',
      reason: 'state 42 is not a known state',
    })
    expect(() =>
      convertOriginalSector({ ...base, phases: { ...base.phases, c2out: { proof: [300] } } }, '/s'),
    ).toThrow(/field phases\.c2out\.proof: not a list of bytes/)
  })

  it('imports a store so the worker uses it, and the thread goes on from C2Done to a finalized sector', async () => {
    const env = await workerEnv()
    cleanups.push(() => env.cleanup())
    const store = env.stores[0] as string
    rmSync(store, { recursive: true, force: true })
    storeCopy('c2done', store)
    // Refused until imported; the message names the import.
    await expect(assertNoOriginalWorkerMeta(store)).rejects.toThrow(/venus-worker store import-original -l/)
    const done = await importOriginalStore(store)
    expect(done).toMatchObject({ action: 'take-over', sector: 'm-1000-n-9', toState: 'C2Done' })
    await assertNoOriginalWorkerMeta(store)
    expect((await new SectorRecordStore(store).load())?.state_name).toBe('C2Done')
    // A second import finds this worker's record and writes nothing.
    await expect(importOriginalStore(store)).rejects.toThrow(
      /has a sector in meta\/info\.json already \(C2Done\)/,
    )

    const fake = fakeSealer({ sectors: 0 })
    const worker: SealingWorker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      controlApi: false,
      sealer: fake.client,
    } as Parameters<typeof createSealingWorker>[0])
    cleanups.push(() => worker.stop())
    await worker.start()
    await until(() => fake.finalized.length === 1)
    expect(fake.finalized).toEqual(['m-1000-s-9'])
    const submit = fake.calls.find((c) => c.method === 'SubmitProof')
    const orig = JSON.parse(record('c2done').toString()) as OriginalSector
    expect(submit?.params[1]).toEqual({
      Proof: Buffer.from(orig.phases.c2out?.proof ?? []).toString('base64'),
    })
    expect(fake.calls.some((c) => c.method === 'AllocateSector' && fake.finalized.length === 0)).toBe(false)
  })

  it('says what is wrong with a store that is not one of the original worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orig-none-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    await expect(planOriginalImport(dir)).rejects.toThrow(
      /no metadata of the original venus-worker in meta\//,
    )
  })
})
