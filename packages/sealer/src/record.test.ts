import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { emptySectorRecord, SectorRecordStore } from './record.js'

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function store(): SectorRecordStore {
  dir = mkdtempSync(join(tmpdir(), 'record-'))
  mkdirSync(join(dir, 'meta'))
  return new SectorRecordStore(dir)
}

describe('sector record store', () => {
  it('has no record in a fresh store', async () => {
    expect(await store().load()).toBeUndefined()
  })

  it('round-trips a record and stores the state by index with its name beside it', async () => {
    const rs = store()
    const rec = emptySectorRecord()
    rec.state = 4
    rec.base = { allocated: { ID: { Miner: 1000, Number: 7 }, ProofType: 5 }, prove_input: ['AA==', 7] }
    await rs.save(rec)
    const raw = JSON.parse(readFileSync(rs.path, 'utf8'))
    expect(raw.state).toBe(4)
    const back = await rs.load()
    expect(back?.state_name).toBe('TreeDBuilt')
    expect(back?.base?.allocated.ID.Number).toBe(7)
  })

  it('ignores a leftover temp file from a crash mid-write', async () => {
    const rs = store()
    await rs.save({ ...emptySectorRecord(), state: 2 })
    writeFileSync(`${rs.path}.tmp`, '{"torn')
    expect((await rs.load())?.state_name).toBe('DealsAcquired')
    await rs.save({ ...emptySectorRecord(), state: 3 })
    expect((await rs.load())?.state_name).toBe('PieceAdded')
  })

  it('reports a corrupt record with its path', async () => {
    const rs = store()
    writeFileSync(rs.path, 'not json')
    await expect(rs.load()).rejects.toThrow(/info\.json is not valid JSON/)
    writeFileSync(rs.path, JSON.stringify({ version: 1, state: 99, phases: {} }))
    await expect(rs.load()).rejects.toThrow(/not a sector record of version 1/)
  })

  it('deletes the record', async () => {
    const rs = store()
    await rs.save(emptySectorRecord())
    await rs.remove()
    expect(await rs.load()).toBeUndefined()
  })
})
