import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, SubmitResult } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { sealedDealSector } from '../__fixtures__/repair-records.js'
import { writePersistedFiles } from '../__fixtures__/worker-driver.js'
import { createRepairApi } from '../api/repair-api.js'
import type { ManagerChain, ManagerMessager, OnChainSector } from '../chain.js'
import { defaultMinerConfig } from '../config.js'
import { createServiceContext } from '../context.js'
import { managerLimits } from '../limits.js'
import type { SectorManager } from '../manager.js'
import type { ManagedSector } from '../sector.js'
import { openSqliteStore } from '../store/sqlite.js'
import type { ManagerStore } from '../store/types.js'
import { pieceAt, RepairTasks } from './tasks.js'

const commR = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const commD = Uint8Array.from({ length: 32 }, (_, i) => 40 - i)
const PIECE = 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq'
const dirs: string[] = []
const stores: ManagerStore[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function setup(onChain: Partial<OnChainSector> | null = {}) {
  const persist = mkdtempSync(join(tmpdir(), 'vsm-repair-'))
  dirs.push(persist)
  const store = await openSqliteStore({ path: ':memory:' })
  stores.push(store)
  const chain = {
    async sectorInfo(_m: number, n: number) {
      return onChain === null
        ? null
        : {
            sectorNumber: n,
            sealProof: 5,
            sealedCid: commitmentToCid(commR, 'commR').toString(),
            activation: 1,
            expiration: 1000,
            initialPledge: 0n,
            ...onChain,
          }
    },
  } as unknown as ManagerChain
  let now = 1000
  const ctx = createServiceContext({
    store,
    chain,
    messager: {} as ManagerMessager,
    config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [{ name: 'ps1', path: persist }] },
    now: () => now++,
  })
  const repair = new RepairTasks(ctx, { maxAutoUnseals: 1 })
  const api = createRepairApi({ repair } as unknown as SectorManager, managerLimits())
  const call = (method: string, params: unknown[]) => {
    const fn = api[method]
    if (fn === undefined) throw new Error(method)
    return fn(params)
  }
  return { store, repair, persist, call }
}

const sealed = (store: ManagerStore, number: number, over: Partial<ManagedSector> = {}) =>
  sealedDealSector(store, { miner: 1000, number }, PIECE, { commR, commD }, over)

const spec = { allowedMiners: null, allowedProofTypes: null }

describe('RepairTasks: rebuild', () => {
  it('queues a sector whose sealed file is gone once, hands it to one worker with ticket, pieces and the CommR on chain, and accepts the rebuilt files', async () => {
    const { store, repair, persist } = await setup()
    const id = await sealed(store, 1)
    const first = await repair.requestRebuild(id)
    expect(first.created).toBe(true)
    expect(first.task.detail).toEqual({ cacheOnly: false, sealedInstance: null })
    expect((await repair.requestRebuild(id)).created).toBe(false)
    const job = await repair.allocateRebuild(spec, 'w1')
    expect(job).toMatchObject({ id, proofType: 5, cacheOnly: false, ticket: { epoch: 10 } })
    expect(job?.commR).toEqual(commR)
    expect(job?.commD).toEqual(commD)
    expect(job?.pieces?.map((p) => p.dealId)).toEqual([0, 5])
    expect(await repair.allocateRebuild(spec, 'w2')).toBeNull()
    expect((await repair.get('rebuild', id))?.worker).toBe('w1')
    // w1 is gone for good: force queues the running task again, for another worker.
    expect((await repair.requestRebuild(id, { force: true })).task).toMatchObject({
      state: 'queued',
      worker: '',
    })
    expect((await repair.allocateRebuild(spec, 'w1'))?.id).toEqual(id)
    // Files not there yet: refused, the task stays running.
    expect((await repair.submitRebuilt(id, commR, 'ps1')).description).toMatch(/sealed file missing/)
    writePersistedFiles(persist, 1000, 1)
    expect((await repair.submitRebuilt(id, commR, 'ps1')).result).toBe(SubmitResult.Accepted)
    expect((await repair.get('rebuild', id))?.state).toBe('done')
    expect(await store.findLocation(id, 'normal')).toEqual({ sealed: 'ps1', cache: 'ps1' })
  })

  it('fails the task when the rebuilt CommR is not the one on chain', async () => {
    const { store, repair, persist } = await setup()
    const id = await sealed(store, 1)
    await repair.requestRebuild(id)
    await repair.allocateRebuild(spec, 'w1')
    writePersistedFiles(persist, 1000, 1)
    const wrong = Uint8Array.from(commR).fill(9, 0, 1)
    const res = await repair.submitRebuilt(id, wrong, 'ps1')
    expect(res.description).toMatch(/differs from the one on chain/)
    expect(await repair.get('rebuild', id)).toMatchObject({ state: 'failed', error: res.description })
    // Failed tasks may be asked for again (force: the files there look whole).
    expect((await repair.requestRebuild(id, { force: true })).created).toBe(true)
  })

  it('rebuilds only the cache when the sealed file survived, and refuses sectors whose files are whole', async () => {
    const { store, repair, persist } = await setup()
    const id = await sealed(store, 1)
    writePersistedFiles(persist, 1000, 1)
    await expect(repair.requestRebuild(id)).rejects.toMatchObject({
      code: 'SECTOR_STATE_INVALID',
      message: expect.stringMatching(/whole; pass force/),
    })
    rmSync(join(persist, 'cache', 's-t01000-1', 'p_aux'))
    const { task } = await repair.requestRebuild(id)
    expect(task.detail).toEqual({ cacheOnly: true, sealedInstance: 'ps1' })
    expect((await repair.allocateRebuild(spec, 'w1'))?.sealedInstance).toBe('ps1')
  })

  it('refuses sectors that are not finalized, not on chain, or on chain with another CommR', async () => {
    const a = await setup()
    await a.store.allocateSector(1000, { initNumber: 0 }, 5)
    await expect(a.repair.requestRebuild({ miner: 1000, number: 1 })).rejects.toMatchObject({
      code: 'SECTOR_STATE_INVALID',
    })
    await expect(a.repair.requestRebuild({ miner: 1000, number: 9 })).rejects.toMatchObject({
      code: 'SECTOR_NOT_FOUND',
    })
    const b = await setup(null)
    await expect(b.repair.requestRebuild(await sealed(b.store, 1))).rejects.toThrow(/not on chain/)
    const c = await setup({ sealedCid: commitmentToCid(commD, 'commR').toString() })
    await expect(c.repair.requestRebuild(await sealed(c.store, 1))).rejects.toThrow(/is not the record's/)
  })

  it('takes tasks over Venus.* and refuses bad params naming the field', async () => {
    const { store, call } = await setup()
    const id = await sealed(store, 1)
    const queued = (await call('Venus.SectorSetForRebuild', [{ Miner: 1000, Number: 1 }, {}])) as {
      Created: boolean
      Task: { State: string }
    }
    expect(queued).toMatchObject({ Created: true, Task: { State: 'queued', Kind: 'rebuild' } })
    const info = (await call('Venus.AllocateRebuildSector', [{ AllowedMiners: [1000], Worker: 'w1' }])) as {
      Sector: unknown
      CommR: number[]
    }
    expect(info.Sector).toEqual({ ID: { Miner: 1000, Number: id.number }, ProofType: 5 })
    expect(info.CommR).toEqual([...commR])
    await expect(
      call('Venus.SubmitRebuilt', [
        { Miner: 1000, Number: 1 },
        { CommR: [1], Instance: 'ps1' },
      ]),
    ).rejects.toThrow(/params\[1\]\.CommR must be an array of 32 integers/)
    await expect(call('Venus.RepairTasks', ['x'])).rejects.toThrow(
      /params\[0\] must be "rebuild", "unseal" or ""/,
    )
    await call('Venus.ReportRebuildFailed', [{ Miner: 1000, Number: 1 }, 'disk full'])
    expect(await call('Venus.RepairTaskState', ['rebuild', { Miner: 1000, Number: 1 }, ''])).toMatchObject({
      State: 'failed',
      Error: 'disk full',
      Worker: 'w1',
    })
  })
})

describe('RepairTasks: unseal', () => {
  it('queues a piece with its aligned offset and payload, accepts the copy and indexes it', async () => {
    const { store, repair, persist } = await setup()
    const id = await sealed(store, 1)
    const { task } = await repair.requestUnseal(id, PIECE)
    expect(task.detail).toEqual({ offset: 1016, size: 1016, payloadSize: 900 })
    const job = await repair.allocateUnseal(spec, 'w1')
    expect(job).toMatchObject({
      id,
      pieceCid: PIECE,
      offset: 1016,
      size: 1016,
      payloadSize: 900,
      sealedInstance: 'ps1',
    })
    expect(job?.commD).toEqual(commD)
    expect((await repair.submitUnsealed(id, PIECE, 'ps1')).description).toMatch(/missing/)
    mkdirSync(join(persist, 'piece'))
    writeFileSync(join(persist, 'piece', PIECE), Buffer.alloc(899))
    expect((await repair.submitUnsealed(id, PIECE, 'ps1')).description).toMatch(/899 bytes, expected 900/)
    writeFileSync(join(persist, 'piece', PIECE), Buffer.alloc(900))
    expect((await repair.submitUnsealed(id, PIECE, 'ps1')).result).toBe(SubmitResult.Accepted)
    expect(await repair.pieceCopyPath(PIECE)).toBe(join(persist, 'piece', PIECE))
    // A copy exists: a new request is done at once.
    expect((await repair.requestUnseal(id, PIECE)).task.state).toBe('done')
    // The file went away: the index forgets it.
    rmSync(join(persist, 'piece', PIECE))
    expect(await repair.pieceCopyPath(PIECE)).toBeUndefined()
    expect(await store.findPieceCopies(PIECE)).toEqual([])
  })

  it('refuses a piece the sector does not hold', async () => {
    const { store, repair } = await setup()
    const id = await sealed(store, 1)
    await expect(repair.requestUnseal(id, 'bagafiller')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('queues an unseal for the piece store once, up to its bound, and says when a piece is unknown', async () => {
    const { store, repair } = await setup()
    await sealed(store, 1)
    expect((await repair.ensureUnsealed(PIECE)).state).toBe('queued')
    expect((await repair.ensureUnsealed(PIECE)).state).toBe('queued')
    expect((await repair.list('unseal')).length).toBe(1)
    expect((await repair.ensureUnsealed('baga6ea4seaqunknown')).state).toBe('unknown')
    const other = 'baga6ea4seaqbase32cidforatestpiecewithadifferentdigestxxxxxxxxxxxxa'
    await sealed(store, 2, {
      pieces: [{ dealId: 6, payloadSize: 10, piece: { size: 2048, cid: other }, proposal: null }],
    })
    expect((await repair.ensureUnsealed(other)).state).toBe('busy')
  })
})

describe('pieceAt', () => {
  it('aligns each piece to its own size', () => {
    const p = (size: number, cid: string, dealId = 1) => ({
      dealId,
      payloadSize: 1,
      piece: { size, cid },
      proposal: null,
    })
    expect(pieceAt([p(128, 'a'), p(512, 'b')], 'b')).toEqual({ offset: 508, size: 508, payloadSize: 1 })
    expect(pieceAt([p(128, 'a')], 'z')).toBeUndefined()
  })
})

describe('RepairTasks: problems found by checks', () => {
  it('keeps them in the store: a new service over the same store shows them after loadProblems, and a rebuild done forgets its sector', async () => {
    const { store, repair, persist } = await setup()
    const id = await sealed(store, 1)
    await repair.noteProblems(1000, [
      { sectorNumber: 1, reason: 'sealed file missing', action: 'rebuild' },
      { sectorNumber: 2, reason: 'cache file p_aux missing', action: 'rebuild-cache' },
    ])
    const ctx = createServiceContext({
      store,
      chain: {} as ManagerChain,
      messager: {} as ManagerMessager,
      config: {
        miners: [defaultMinerConfig(1000, 't01001')],
        persistStores: [{ name: 'ps1', path: persist }],
      },
    })
    const restarted = new RepairTasks(ctx)
    expect(restarted.problems.list()).toEqual([])
    await restarted.loadProblems()
    expect(restarted.problems.list().map((p) => [p.id.number, p.action])).toEqual([
      [2, 'rebuild-cache'],
      [1, 'rebuild'],
    ])
    // The first service rebuilds sector 1: its problem goes from the store too.
    await repair.requestRebuild(id)
    await repair.allocateRebuild(spec, 'w1')
    writePersistedFiles(persist, 1000, 1)
    expect((await repair.submitRebuilt(id, commR, 'ps1')).result).toBe(SubmitResult.Accepted)
    await new Promise((r) => setTimeout(r, 20))
    expect((await store.listSectorProblems(10)).map((p) => p.id.number)).toEqual([2])
  })
})
