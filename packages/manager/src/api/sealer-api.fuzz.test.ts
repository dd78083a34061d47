import { VenusError, zeroCommitment } from '@venus-cluster/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fakeProofs } from '../__fixtures__/worker-driver.js'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain } from '../fake-chain.js'
import { SectorManager } from '../manager.js'
import { openSqliteStore } from '../store/sqlite.js'
import { createSealerApi } from './sealer-api.js'

const PIECE = 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq'

/** A valid param list per method, to mutate from. */
function validParams(id: { Miner: number; Number: number }, ticket: { Ticket: string; Epoch: number }) {
  const report = {
    Worker: { Instance: 'w', Location: '/x' },
    StateChange: { Prev: 'A', Next: 'B', Event: 'None' },
    Failure: null,
  }
  return {
    'Venus.AllocateSector': [{ AllowedMiners: [1000], AllowedProofTypes: null }],
    'Venus.AcquireDeals': [id, { MaxDeals: null }],
    'Venus.AssignTicket': [id],
    'Venus.SubmitPreCommit': [
      { ID: id, ProofType: 5 },
      { CommR: Array(32).fill(3), CommD: [...zeroCommitment(2048)], Ticket: ticket, Deals: [] },
      false,
    ],
    'Venus.PollPreCommitState': [id],
    'Venus.SubmitPersisted': [id, 'ps1'],
    'Venus.WaitSeed': [id],
    'Venus.SubmitProof': [id, { Proof: 'AAAA' }, false],
    'Venus.PollProofState': [id],
    'Venus.ReportState': [id, report],
    'Venus.ReportFinalized': [id],
    'Venus.ReportAborted': [id, 'why'],
    'Venus.WorkerPing': [
      { Name: 'w1', Dest: '127.0.0.1:17890', Summary: { Threads: 1, Empty: 0, Paused: 0, Errors: 0 } },
    ],
    'Venus.AllocateSanpUpSector': [{ Sector: {}, Deals: {} }],
    'Venus.SubmitSnapUpProof': [
      id,
      {
        CommR: Array(32).fill(3),
        CommD: Array(32).fill(4),
        Pieces: [],
        Proof: 'AAAA',
        AccessInstance: 'ps1',
      },
    ],
    'Venus.AllocateSnapUpSector': [{ Sector: { AllowedMiners: [1000] }, Deals: { MaxDeals: 1 } }],
    'Venus.SubmitPersistedEx': [id, 'ps1', true],
    'Venus.SnapUpPreFetch': [1000, null],
    'Venus.SnapUpCandidates': [1000],
    'Venus.SnapUpCancelCommitment': [id],
    'Venus.ListSectors': ['online'],
    'Venus.FindSector': ['online', id],
    'Venus.RemoveSector': [id],
    'Venus.RestoreSector': [id, false],
    'Venus.CheckProvable': [
      1000,
      [{ SealProof: 5, SectorNumber: 1, SectorKey: null, SealedCID: null }],
      false,
    ],
    'Venus.ProvingSectorInfo': [id],
    'Venus.SectorIndexerFind': ['normal', id],
    'Venus.WorkerPingInfoList': [],
    'Venus.WorkerGetPingInfo': ['w1'],
    'Venus.KnownWorkers': [],
    'Venus.WorkerRemove': ['w1'],
    'Venus.TerminateSector': [id],
    'Venus.PollTerminateSectorState': [id],
    'Venus.AddDirectPiece': [
      {
        Miner: 1000,
        PieceCID: { '/': 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq' },
        PieceSize: 2048,
        PayloadSize: 2000,
        Client: 't01002',
        AllocationID: 1,
      },
    ],
    'Venus.ListDirectPieces': [{ Miner: 1000, State: 'pending' }],
    'Venus.RemoveDirectPiece': [1],
    'Venus.AllocateRebuildSector': [{ AllowedMiners: [1000], AllowedProofTypes: null, Worker: 'w1' }],
    'Venus.SubmitRebuilt': [id, { CommR: new Array(32).fill(1), Instance: 'ps1' }],
    'Venus.ReportRebuildFailed': [id, 'why'],
    'Venus.AllocateUnsealSector': [{ AllowedMiners: [1000], AllowedProofTypes: null, Worker: 'w1' }],
    'Venus.SubmitUnsealed': [id, { '/': PIECE }, 'ps1'],
    'Venus.AchieveUnsealSector': [id, { '/': PIECE }, 'why'],
    'Venus.SectorSetForRebuild': [id, { CacheOnly: null, Force: false }],
    'Venus.UnsealPieceRequest': [id, PIECE],
    'Venus.RepairTasks': [''],
    'Venus.RepairTaskState': ['unseal', id, PIECE],
    'Venus.StoreReserveSpace': [id, 2048, ['ps1']],
    'Venus.StoreBasicInfo': ['ps1'],
    'Venus.StoreList': [],
    'Venus.StoreReleaseReserved': [id],
    'Venus.StoreAttach': [
      { Name: 'ps9', Path: '/nonexistent/ps9', Weight: 1, AllowMiners: [1000], Index: false },
    ],
    'Venus.StoreDetach': ['ps9', { Apply: false, Force: false }],
    'Venus.SectorFinalize': [id, false],
    'Venus.SectorResendPreCommit': [id, false, false],
    'Venus.SectorResendProof': [id, false, false],
    'Venus.FindSectorsWithDeal': [5],
  } as Record<string, unknown[]>
}

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.double(),
  fc.constant(2 ** 60),
  fc.string({ maxLength: 6 }),
  fc.constant('AAAA'),
  fc.array(fc.integer({ min: -1, max: 300 }), { maxLength: 33 }),
  fc.constant({}),
  fc.dictionary(
    fc.constantFrom('Miner', 'Number', 'ID', 'Ticket', 'Epoch', 'x'),
    fc.integer({ min: -1, max: 3 }),
  ),
)

/** Replaces one value somewhere inside `v` (by a path of indices) with `x`. */
function mutate(v: unknown, path: number[], x: unknown): unknown {
  if (path.length === 0) return x
  const [head, ...rest] = path as [number, ...number[]]
  if (Array.isArray(v)) {
    if (v.length === 0) return [x]
    const i = head % (v.length + 1)
    const copy = [...v]
    if (i === v.length) copy.push(x)
    else copy[i] = mutate(v[i], rest, x)
    return copy
  }
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v)
    if (keys.length === 0) return x
    const k = keys[head % keys.length] as string
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) }
    if (head % 7 === 6) delete copy[k]
    else copy[k] = mutate(copy[k], rest, x)
    return copy
  }
  return x
}

describe('Venus.* fuzz', () => {
  it('answers every mutated call with a result or a typed VenusError, and bad input changes no state', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    const mgr = new SectorManager({
      store,
      chain,
      messager: chain,
      config: {
        miners: [defaultMinerConfig(1000, 't01001')],
        persistStores: [{ name: 'ps1', path: '/nonexistent' }],
      },
      proofs: fakeProofs,
      tickMs: 3_600_000,
    })
    const api = createSealerApi(mgr)
    const alloc = (await api['Venus.AllocateSector']?.([
      { AllowedMiners: null, AllowedProofTypes: null },
    ])) as {
      ID: { Miner: number; Number: number }
    }
    const ticket = (await api['Venus.AssignTicket']?.([alloc.ID])) as { Ticket: string; Epoch: number }
    const valid = validParams(alloc.ID, ticket)
    expect(Object.keys(valid).sort()).toEqual(Object.keys(api).sort())
    const snapshot = async () =>
      JSON.stringify([
        await store.listSectors(true),
        await store.listSectors(false),
        await store.listQueue('pre'),
        await store.listDirectPieces(),
        await store.listRepairTasks(),
      ])
    const methods = Object.keys(valid)
    let calls = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        fc.array(fc.nat(40), { maxLength: 4 }),
        junk,
        async (method, path, x) => {
          const params = mutate(valid[method], path, x)
          const fn = api[method] as (p: unknown[]) => unknown
          const before = await snapshot()
          try {
            await fn(params as unknown[])
          } catch (err) {
            expect(err).toBeInstanceOf(VenusError)
            const code = (err as VenusError).code
            if (code === 'INVALID_ARGUMENT' || code === 'RPC_INVALID_PARAMS') {
              expect((err as VenusError).message).toContain(method)
              expect(await snapshot()).toBe(before)
            }
          }
          calls++
        },
      ),
      { numRuns: 1500, seed: 42 },
    )
    expect(calls).toBe(1500)
    await store.close()
  })

  it('rejects a non-array params value and wrong param counts with RPC_INVALID_PARAMS', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    const mgr = new SectorManager({
      store,
      chain,
      messager: chain,
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
    })
    const api = createSealerApi(mgr)
    for (const fn of Object.values(api)) {
      expect(() => fn({} as unknown as unknown[])).toThrow(
        expect.objectContaining({ code: 'RPC_INVALID_PARAMS' }),
      )
      expect(() => fn([1, 2, 3, 4, 5])).toThrow(expect.objectContaining({ code: 'RPC_INVALID_PARAMS' }))
    }
    await store.close()
  })
})
