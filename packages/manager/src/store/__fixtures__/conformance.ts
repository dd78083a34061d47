import { afterEach, describe, expect, it } from 'vitest'
import { type ManagedSector, newSector } from '../../sector.js'
import type { ManagerStore, RepairTask } from '../types.js'
import { pagesConformance } from './conformance-pages.js'
import { postStoreConformance } from './post-conformance.js'

const task = (over: Partial<RepairTask> = {}): RepairTask => ({
  kind: 'rebuild',
  id: { miner: 1000, number: 1 },
  piece: '',
  state: 'queued',
  worker: '',
  detail: { cacheOnly: false },
  error: '',
  createdAt: 1,
  updatedAt: 1,
  ...over,
})

/**
 * The store conformance suite: the same behaviour on every engine. `open` returns a fresh,
 * empty store; `openShared` (optional) returns a second store on the same database.
 */
export function storeConformance(
  name: string,
  open: () => Promise<ManagerStore>,
  openShared?: (first: ManagerStore) => Promise<ManagerStore>,
): void {
  describe(`ManagerStore conformance: ${name}`, () => {
    const opened: ManagerStore[] = []
    const fresh = async () => {
      const s = await open()
      opened.push(s)
      return s
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close()
    })

    it('queues direct pieces, assigns each to one sector and moves them through their states', async () => {
      const s = await fresh()
      const piece = { miner: 1000, pieceCid: 'baga-a', pieceSize: 2048, payloadSize: 2000 }
      const a = await s.addDirectPiece({ ...piece, allocation: { client: 1001, id: 7 } })
      const b = await s.addDirectPiece({ ...piece, pieceCid: 'baga-b', allocation: null })
      expect(a).toMatchObject({
        ...piece,
        allocation: { client: 1001, id: 7 },
        state: 'pending',
        sector: null,
        reason: '',
      })
      expect(b.id).toBeGreaterThan(a.id)
      // One allocation can be queued once.
      await expect(s.addDirectPiece({ ...piece, allocation: { client: 1001, id: 7 } })).rejects.toMatchObject(
        {
          code: 'ALREADY_EXISTS',
        },
      )
      expect((await s.listDirectPieces({ miner: 1000, state: 'pending' })).map((p) => p.id)).toEqual([
        a.id,
        b.id,
      ])
      const got = await s.assignDirectPieces(1000, 5, [a.id])
      expect(got).toMatchObject([{ id: a.id, state: 'assigned', sector: 5 }])
      // Assigned once: a second assignment (another manager) fails whole.
      await expect(s.assignDirectPieces(1000, 6, [b.id, a.id])).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      })
      expect((await s.listDirectPieces({ state: 'pending' })).map((p) => p.id)).toEqual([b.id])
      expect((await s.listDirectPieces({ sector: 5 })).map((p) => p.id)).toEqual([a.id])
      // Released back to the queue, then given up with a reason.
      expect(await s.setDirectPieceState([a.id], { state: 'pending' }, ['assigned'])).toBe(1)
      expect((await s.listDirectPieces({ miner: 1000 }))[0]).toMatchObject({ state: 'pending', sector: null })
      expect(
        await s.setDirectPieceState([a.id, b.id], { state: 'failed', reason: 'expired' }, ['pending']),
      ).toBe(2)
      expect(await s.setDirectPieceState([a.id], { state: 'sealed' }, ['assigned'])).toBe(0)
      expect((await s.listDirectPieces({ state: 'failed' }))[0]?.reason).toBe('expired')
      // A failed allocation may be queued again; a failed piece may be removed.
      const again = await s.addDirectPiece({ ...piece, allocation: { client: 1001, id: 7 } })
      expect(await s.removeDirectPiece(a.id)).toBe(true)
      expect(await s.removeDirectPiece(a.id)).toBe(false)
      await s.assignDirectPieces(1000, 9, [again.id])
      expect(await s.removeDirectPiece(again.id)).toBe(false)
      expect((await s.listDirectPieces()).map((p) => p.id)).toEqual([b.id, again.id])
    })

    it('migrates to the newest schema version', async () => {
      const s = await fresh()
      expect(await s.schemaVersion()).toBeGreaterThanOrEqual(1)
    })

    it('hands out InitNumber+1, then increasing numbers per miner', async () => {
      const s = await fresh()
      const a = await s.allocateSector(1000, { initNumber: 10 }, 5)
      const b = await s.allocateSector(1000, { initNumber: 10 }, 5)
      const c = await s.allocateSector(2000, { initNumber: 0 }, 6)
      expect(a?.id).toEqual({ miner: 1000, number: 11 })
      expect(b?.id).toEqual({ miner: 1000, number: 12 })
      expect(c?.id).toEqual({ miner: 2000, number: 1 })
      expect(c?.proofType).toBe(6)
      expect(await s.lastNumber(1000)).toBe(12)
      expect(await s.lastNumber(3000)).toBeUndefined()
    })

    it('ignores a changed InitNumber once a counter exists', async () => {
      const s = await fresh()
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      const b = await s.allocateSector(1000, { initNumber: 500 }, 5)
      expect(b?.id.number).toBe(2)
    })

    it('returns null and writes nothing when MaxNumber is reached', async () => {
      const s = await fresh()
      expect(await s.allocateSector(1000, { initNumber: 0, maxNumber: 0 }, 5)).toBeNull()
      expect(await s.lastNumber(1000)).toBeUndefined()
      expect((await s.allocateSector(1000, { initNumber: 0, maxNumber: 2 }, 5))?.id.number).toBe(1)
      expect((await s.allocateSector(1000, { initNumber: 0, maxNumber: 2 }, 5))?.id.number).toBe(2)
      expect(await s.allocateSector(1000, { initNumber: 0, maxNumber: 2 }, 5)).toBeNull()
      expect(await s.lastNumber(1000)).toBe(2)
      expect((await s.listSectors(true)).length).toBe(2)
    })

    it('never hands out a number twice under concurrent calls', async () => {
      const s = await fresh()
      const all = await Promise.all(
        Array.from({ length: 50 }, () => s.allocateSector(7, { initNumber: 0 }, 5)),
      )
      const nums = all.map((x) => x?.id.number)
      expect(new Set(nums).size).toBe(50)
      expect(Math.max(...(nums as number[]))).toBe(50)
    })

    it('reads back online records and the full state JSON', async () => {
      const s = await fresh()
      const a = await s.allocateSector(1000, { initNumber: 0 }, 5)
      const got = await s.getSector({ miner: 1000, number: 1 })
      expect(got).toEqual({ state: a, online: true })
      expect(await s.getSector({ miner: 1000, number: 2 })).toBeUndefined()
    })

    it('updates a record with a mutator and leaves it unchanged when the mutator returns undefined', async () => {
      const s = await fresh()
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      const id = { miner: 1000, number: 1 }
      const t = { value: new Uint8Array([0, 0, 0]), epoch: 9 }
      const u = await s.updateSector(id, (st) => ({ ...st, ticket: t }))
      expect(u.ticket).toEqual(t)
      const same = await s.updateSector(id, () => undefined)
      expect(same.ticket).toEqual(t)
      expect((await s.getSector(id))?.state.ticket).toEqual(t)
    })

    it('loses no update when many writers change one record at once', async () => {
      const s = await fresh()
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      const id = { miner: 1000, number: 1 }
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          s.updateSector(id, (st) => ({ ...st, abortReason: `${st.abortReason}${i},` })),
        ),
      )
      const marks = (await s.getSector(id))?.state.abortReason.split(',').filter((x) => x !== '')
      expect(marks?.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    })

    it('rejects updates of unknown sectors with SECTOR_NOT_FOUND', async () => {
      const s = await fresh()
      await expect(s.updateSector({ miner: 1, number: 1 }, (x) => x)).rejects.toMatchObject({
        code: 'SECTOR_NOT_FOUND',
      })
      await expect(s.finalizeSector({ miner: 1, number: 1 }, (x) => x)).rejects.toMatchObject({
        code: 'SECTOR_NOT_FOUND',
      })
      await expect(s.restoreSector({ miner: 1, number: 1 }, (x) => x)).rejects.toMatchObject({
        code: 'SECTOR_NOT_FOUND',
      })
    })

    it('rolls back a write whose mutator throws, without touching other writes', async () => {
      const s = await fresh()
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      const bad = s.updateSector({ miner: 1000, number: 1 }, () => {
        throw new Error('boom')
      })
      const good = s.updateSector({ miner: 1000, number: 2 }, (st) => ({ ...st, abortReason: 'x' }))
      await expect(bad).rejects.toThrow()
      await expect(good).resolves.toMatchObject({ abortReason: 'x' })
      expect((await s.getSector({ miner: 1000, number: 1 }))?.state.abortReason).toBe('')
    })

    it('moves records offline on finalize and back on restore', async () => {
      const s = await fresh()
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      const id = { miner: 1000, number: 1 }
      await s.updateSector(id, (x) => x, { enqueue: 'pre' })
      const f = await s.finalizeSector(id, (st) => ({ ...st, finalized: true }))
      expect(f.finalized).toBe(true)
      expect(await s.listSectors(true)).toEqual([])
      expect((await s.listSectors(false)).map((x) => x.id)).toEqual([id])
      expect(await s.listQueue('pre')).toEqual([])
      await expect(s.updateSector(id, (x) => x)).rejects.toMatchObject({ code: 'SECTOR_NOT_FOUND' })
      await s.updateOfflineSector(id, (st) => ({ ...st, removed: true }))
      expect((await s.getSector(id))?.state).toMatchObject({ removed: true, finalized: true })
      expect((await s.getSector(id))?.online).toBe(false)
      await s.restoreSector(id, (st) => ({ ...st, finalized: false }))
      expect((await s.getSector(id))?.online).toBe(true)
      await expect(s.updateOfflineSector(id, (x) => x)).rejects.toMatchObject({ code: 'SECTOR_NOT_FOUND' })
    })

    it('does not reuse numbers of finalized sectors', async () => {
      const s = await fresh()
      await s.allocateSector(1000, { initNumber: 0 }, 5)
      await s.finalizeSector({ miner: 1000, number: 1 }, (st) => ({ ...st, abortReason: 'gone' }))
      expect((await s.allocateSector(1000, { initNumber: 0 }, 5))?.id.number).toBe(2)
    })

    it('adds records numbered elsewhere once, and allocation skips their numbers', async () => {
      const s = await fresh()
      const made = await s.createSector(newSector({ miner: 1000, number: 2 }, 5))
      expect(made.id).toEqual({ miner: 1000, number: 2 })
      expect(await s.getSector({ miner: 1000, number: 2 })).toEqual({ state: made, online: true })
      await expect(s.createSector(newSector({ miner: 1000, number: 2 }, 5))).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      })
      expect((await s.allocateSector(1000, { initNumber: 0 }, 5))?.id.number).toBe(1)
      expect((await s.allocateSector(1000, { initNumber: 0 }, 5))?.id.number).toBe(3)
      await s.finalizeSector({ miner: 1000, number: 3 }, (st) => ({ ...st, abortReason: 'gone' }))
      await expect(s.createSector(newSector({ miner: 1000, number: 3 }, 5))).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      })
    })

    it('adds imported records offline, and raising the last number makes allocation continue above it', async () => {
      const s = await fresh()
      const done = { ...newSector({ miner: 1000, number: 40 }, 5), finalized: true }
      await s.createSector(done, { offline: true })
      expect(await s.getSector(done.id)).toEqual({ state: done, online: false })
      expect(await s.listSectors(true)).toEqual([])
      expect(await s.raiseLastNumber(1000, 40)).toBe(40)
      // Never lowered.
      expect(await s.raiseLastNumber(1000, 12)).toBe(40)
      expect((await s.allocateSector(1000, { initNumber: 0 }, 5))?.id.number).toBe(41)
      expect(await s.raiseLastNumber(2000, 7)).toBe(7)
      expect(await s.lastNumber(2000)).toBe(7)
    })

    it('keeps the sector index per kind', async () => {
      const s = await fresh()
      const id = { miner: 1000, number: 3 }
      expect(await s.findLocation(id, 'normal')).toBeUndefined()
      await s.setLocation(id, 'normal', { sealed: 'a', cache: 'b' })
      await s.setLocation(id, 'normal', { sealed: 'a', cache: 'a' })
      expect(await s.findLocation(id, 'normal')).toEqual({ sealed: 'a', cache: 'a' })
      expect(await s.findLocation(id, 'upgrade')).toBeUndefined()
      await s.setLocation(id, 'upgrade', { sealed: 'u', cache: 'u' })
      await s.removeLocation(id, 'normal')
      expect(await s.findLocation(id, 'normal')).toBeUndefined()
      expect(await s.findLocation(id, 'upgrade')).toEqual({ sealed: 'u', cache: 'u' })
    })

    it('queues sectors per kind and claims them once into a message', async () => {
      const s = await fresh()
      for (let i = 0; i < 3; i++) await s.allocateSector(1000, { initNumber: 0 }, 5)
      for (let n = 1; n <= 3; n++)
        await s.updateSector({ miner: 1000, number: n }, (x) => x, { enqueue: 'pre' })
      expect((await s.listQueue('pre', 1000)).map((q) => q.number)).toEqual([1, 2, 3])
      expect(await s.listQueue('prove')).toEqual([])
      const mark = (st: ManagedSector): ManagedSector => ({
        ...st,
        messages: { ...st.messages, preCommit: 'uid-1', needSend: false },
      })
      const m = await s.claimMessage(
        { uid: 'uid-1', miner: 1000, kind: 'pre', sectors: [1, 2], body: { a: 1 } },
        mark,
      )
      expect(m.state).toBe('created')
      expect((await s.listQueue('pre')).map((q) => q.number)).toEqual([3])
      expect((await s.getSector({ miner: 1000, number: 2 }))?.state.messages.preCommit).toEqual('uid-1')
      // Same sectors again: refused, nothing written.
      await expect(
        s.claimMessage({ uid: 'uid-2', miner: 1000, kind: 'pre', sectors: [2, 3], body: {} }, mark),
      ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' })
      expect((await s.listQueue('pre')).map((q) => q.number)).toEqual([3])
      expect(await s.getMessage('uid-2')).toBeUndefined()
      // Same uid again: refused.
      await expect(
        s.claimMessage({ uid: 'uid-1', miner: 1000, kind: 'pre', sectors: [3], body: {} }, mark),
      ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' })
      expect((await s.listQueue('pre')).map((q) => q.number)).toEqual([3])
      expect((await s.listMessages('created')).map((x) => x.uid)).toEqual(['uid-1'])
      await s.markMessagePushed('uid-1')
      expect(await s.listMessages('created')).toEqual([])
      expect(await s.getMessage('uid-1')).toMatchObject({
        uid: 'uid-1',
        sectors: [1, 2],
        body: { a: 1 },
        state: 'pushed',
      })
    })

    it('keeps one repair task per kind, sector and piece; an ended one may be queued again', async () => {
      const s = await fresh()
      const a = await s.putRepairTask(task())
      expect(a.created).toBe(true)
      const again = await s.putRepairTask(task({ detail: { cacheOnly: true }, createdAt: 2 }))
      expect(again).toEqual({ task: task(), created: false })
      const unseal = task({ kind: 'unseal', piece: 'baga1', detail: { offset: 0, size: 127 }, createdAt: 3 })
      expect((await s.putRepairTask(unseal)).created).toBe(true)
      expect((await s.listRepairTasks()).map((t) => t.kind)).toEqual(['rebuild', 'unseal'])
      // The most recently changed first, a page at a time.
      expect((await s.listRecentRepairTasks({ limit: 1 })).map((t) => t.kind)).toEqual(['unseal'])
      expect((await s.listRecentRepairTasks({ limit: 5, offset: 1 })).map((t) => t.kind)).toEqual(['rebuild'])
      expect(await s.listRepairTasks('unseal')).toEqual([unseal])
      await s.updateRepairTask(task(), (t) => ({ ...t, state: 'failed', error: 'CommR differs' }))
      expect((await s.getRepairTask(task()))?.error).toBe('CommR differs')
      const re = await s.putRepairTask(task({ createdAt: 5 }))
      expect(re.created).toBe(true)
      expect((await s.getRepairTask(task()))?.state).toBe('queued')
      await expect(s.updateRepairTask(task({ piece: 'x' }), (t) => t)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      })
      await expect(
        s.updateRepairTask(task(), (t) => ({ ...t, id: { miner: 1, number: 1 } })),
      ).rejects.toMatchObject({ code: 'INTERNAL' })
    })

    it('keeps the newest bad sectors the checks found, one per sector, until repaired', async () => {
      const s = await fresh()
      const problem = (number: number, seenAt: number, over: Record<string, unknown> = {}) => ({
        id: { miner: 1000, number },
        reason: `sealed file of ${number} missing`,
        action: 'rebuild' as const,
        seenAt,
        ...over,
      })
      await s.putSectorProblem(problem(1, 10), 2)
      await s.putSectorProblem(problem(2, 20, { policy: 'rebuild queued' }), 2)
      await s.putSectorProblem(problem(1, 30, { action: 'rebuild-cache' }), 2)
      expect(await s.listSectorProblems(10)).toEqual([
        problem(1, 30, { action: 'rebuild-cache' }),
        problem(2, 20, { policy: 'rebuild queued' }),
      ])
      // A third sector pushes out the oldest.
      await s.putSectorProblem(problem(3, 40), 2)
      expect((await s.listSectorProblems(10)).map((p) => p.id.number)).toEqual([3, 1])
      expect((await s.listSectorProblems(1)).map((p) => p.id.number)).toEqual([3])
      await s.removeSectorProblem({ miner: 1000, number: 3 })
      expect((await s.listSectorProblems(10)).map((p) => p.id.number)).toEqual([1])
    })

    it('hands a queued repair task to one worker, oldest first, of the allowed miners', async () => {
      const s = await fresh()
      await s.putRepairTask(task({ id: { miner: 2000, number: 1 }, createdAt: 1 }))
      await s.putRepairTask(task({ id: { miner: 1000, number: 2 }, createdAt: 2 }))
      await s.putRepairTask(task({ id: { miner: 1000, number: 3 }, createdAt: 3 }))
      const got = await s.claimRepairTask('rebuild', [1000], 'w1', 10)
      expect(got).toMatchObject({
        id: { miner: 1000, number: 2 },
        state: 'running',
        worker: 'w1',
        updatedAt: 10,
      })
      expect(await s.claimRepairTask('unseal', null, 'w1', 10)).toBeUndefined()
      const all = await Promise.all([1, 2, 3].map((i) => s.claimRepairTask('rebuild', null, `w${i}`, 11)))
      expect(
        all
          .filter((t) => t !== undefined)
          .map((t) => t?.id.number)
          .sort(),
      ).toEqual([1, 3])
      expect((await s.listRepairTasks('rebuild')).every((t) => t.state === 'running')).toBe(true)
    })

    it('indexes unsealed piece copies by piece', async () => {
      const s = await fresh()
      expect(await s.findPieceCopies('baga1')).toEqual([])
      const copy = { piece: 'baga1', id: { miner: 1000, number: 1 }, instance: 'ps1', size: 100 }
      await s.setPieceCopy(copy)
      await s.setPieceCopy({ ...copy, instance: 'ps2' })
      await s.setPieceCopy({ ...copy, id: { miner: 1000, number: 2 } })
      expect((await s.findPieceCopies('baga1')).map((c) => [c.id.number, c.instance])).toEqual([
        [1, 'ps2'],
        [2, 'ps1'],
      ])
      await s.removePieceCopy('baga1', { miner: 1000, number: 1 })
      expect((await s.findPieceCopies('baga1')).length).toBe(1)
    })

    it('keeps the snap-up candidate pool: put, replace per sector or per miner, remove once', async () => {
      const s = await fresh()
      const cand = (miner: number, number: number, deadline = 1) => ({
        miner,
        number,
        public: {
          sealedCid: `bagboea4b${number}`,
          activation: 10,
          expiration: 9_000_000,
          deadline,
          partition: 0,
        },
      })
      expect(await s.listSnapCandidates()).toEqual([])
      await s.putSnapCandidates([cand(1000, 3), cand(1000, 1), cand(2000, 5)])
      // The same sector again replaces it (a fetch of its deadline sees it moved).
      await s.putSnapCandidates([cand(1000, 3, 7)])
      expect(await s.listSnapCandidates(1000)).toEqual([cand(1000, 1), cand(1000, 3, 7)])
      expect((await s.listSnapCandidates()).map((c) => [c.miner, c.number])).toEqual([
        [1000, 1],
        [1000, 3],
        [2000, 5],
      ])
      // A full fetch of a miner replaces its pool, and leaves other miners' alone.
      await s.putSnapCandidates([cand(1000, 9)], { replaceMiner: 1000 })
      expect((await s.listSnapCandidates()).map((c) => c.number)).toEqual([9, 5])
      expect(await s.removeSnapCandidate(1000, 9)).toBe(true)
      expect(await s.removeSnapCandidate(1000, 9)).toBe(false)
      expect(await s.listSnapCandidates(1000)).toEqual([])
    })

    it('keeps persist stores attached through the API, and lists the sectors indexed in one', async () => {
      const s = await fresh()
      const ps = {
        name: 'ps1',
        path: '/mnt/ps1',
        readOnly: false,
        strict: true,
        weight: 2.5,
        allowMiners: [1000],
        denyMiners: [],
        attachedAt: 1_700_000_000_000,
      }
      await s.putPersistStore(ps)
      await s.putPersistStore({ ...ps, name: 'ps0', weight: 0 })
      expect((await s.listPersistStores()).map((x) => x.name)).toEqual(['ps0', 'ps1'])
      await s.putPersistStore({ ...ps, path: '/mnt/other' })
      expect((await s.listPersistStores())[1]).toEqual({ ...ps, path: '/mnt/other' })
      await s.setLocation({ miner: 1000, number: 2 }, 'normal', { sealed: 'ps1', cache: 'ps1' })
      await s.setLocation({ miner: 1000, number: 1 }, 'normal', { sealed: 'ps0', cache: 'ps1' })
      await s.setLocation({ miner: 1000, number: 3 }, 'upgrade', { sealed: 'ps0', cache: 'ps0' })
      expect(await s.listLocationsIn('ps1')).toEqual([
        { id: { miner: 1000, number: 1 }, kind: 'normal' },
        { id: { miner: 1000, number: 2 }, kind: 'normal' },
      ])
      expect(await s.deletePersistStore('ps1')).toBe(true)
      expect(await s.deletePersistStore('ps1')).toBe(false)
      expect((await s.listPersistStores()).map((x) => x.name)).toEqual(['ps0'])
    })

    it('reserves store space within a capacity, once per sector, and releases it', async () => {
      const s = await fresh()
      const r = (number: number, store: string, size = 100) => ({
        miner: 1000,
        number,
        store,
        size,
        at: number,
      })
      expect(await s.reserveSpace(r(1, 'a'), 250)).toEqual(r(1, 'a'))
      expect(await s.reserveSpace(r(2, 'a'), 250)).toEqual(r(2, 'a'))
      // A third would pass the capacity.
      expect(await s.reserveSpace(r(3, 'a'), 250)).toBeUndefined()
      expect(await s.reserveSpace(r(3, 'b'), 250)).toEqual(r(3, 'b'))
      // A sector asking again gets its reservation back, wherever it is.
      expect(await s.reserveSpace(r(1, 'b'), 250)).toEqual(r(1, 'a'))
      expect((await s.listReservations('a')).map((x) => x.number)).toEqual([1, 2])
      expect((await s.listReservations()).length).toBe(3)
      expect(await s.releaseReservation({ miner: 1000, number: 1 })).toEqual(r(1, 'a'))
      expect(await s.releaseReservation({ miner: 1000, number: 1 })).toBeUndefined()
      expect(await s.reserveSpace(r(3, 'a'), 250)).toEqual(r(3, 'b'))
      expect(await s.reserveSpace(r(4, 'a'), 250)).toEqual(r(4, 'a'))
    })

    it('keeps time-series samples only within their retention', async () => {
      const s = await fresh()
      await s.appendSamples(
        [
          { series: 'queues', at: 1000, value: { pre: 1 } },
          { series: 'queues', at: 2000, value: { pre: 2 } },
          { series: 'power/1000', at: 2000, value: { raw: '2048' } },
        ],
        0,
      )
      expect(await s.listSamples('queues', 0)).toEqual([
        { series: 'queues', at: 1000, value: { pre: 1 } },
        { series: 'queues', at: 2000, value: { pre: 2 } },
      ])
      expect((await s.listSamples('queues', 1500)).map((x) => x.at)).toEqual([2000])
      expect((await s.listSamples('queues', 0, 1)).map((x) => x.at)).toEqual([1000])
      await s.appendSamples([{ series: 'queues', at: 3000, value: { pre: 3 } }], 2000)
      expect((await s.listSamples('queues', 0)).map((x) => x.at)).toEqual([2000, 3000])
      expect((await s.listSamples('power/1000', 0)).length).toBe(1)
    })

    postStoreConformance(
      fresh,
      openShared
        ? async () => {
            const a = await fresh()
            const b = await openShared(a)
            opened.push(b)
            return [a, b]
          }
        : undefined,
    )
    pagesConformance(fresh)

    if (openShared) {
      it('two stores never hand out one repair task twice', async () => {
        const a = await fresh()
        const b = await openShared(a)
        opened.push(b)
        for (let n = 1; n <= 10; n++)
          await a.putRepairTask(task({ id: { miner: 9, number: n }, createdAt: n }))
        const got = await Promise.all(
          Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).claimRepairTask('rebuild', null, `w${i}`, 1)),
        )
        const numbers = got.filter((t) => t !== undefined).map((t) => t?.id.number)
        expect(numbers.length).toBe(10)
        expect(new Set(numbers).size).toBe(10)
      })

      it('two stores never take the same snap-up candidate', async () => {
        const a = await fresh()
        const b = await openShared(a)
        opened.push(b)
        await a.putSnapCandidates(
          Array.from({ length: 5 }, (_, i) => ({
            miner: 9,
            number: i + 1,
            public: { sealedCid: 'bagboea4b', activation: 1, expiration: 2, deadline: 0, partition: 0 },
          })),
        )
        const took = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).removeSnapCandidate(9, (i % 5) + 1)),
        )
        expect(took.filter(Boolean).length).toBe(5)
      })

      it('two stores on one database never hand out the same number or claim the same sector', async () => {
        const a = await fresh()
        const b = await openShared(a)
        opened.push(b)
        const got = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).allocateSector(42, { initNumber: 100 }, 5)),
        )
        const nums = got.map((x) => x?.id.number as number)
        expect(new Set(nums).size).toBe(40)
        expect(Math.min(...nums)).toBe(101)
        expect(Math.max(...nums)).toBe(140)
        for (const n of nums) await a.updateSector({ miner: 42, number: n }, (x) => x, { enqueue: 'prove' })
        const sectors = nums.slice(0, 10)
        const results = await Promise.allSettled(
          [a, b, a, b].map((st, i) =>
            st.claimMessage({ uid: `u${i}`, miner: 42, kind: 'prove', sectors, body: {} }, (x) => x),
          ),
        )
        expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1)
        expect((await b.listMessages()).length).toBe(1)
      })

      it('two stores updating one record concurrently lose no update', async () => {
        const a = await fresh()
        const b = await openShared(a)
        opened.push(b)
        await a.allocateSector(7, { initNumber: 0 }, 5)
        const id = { miner: 7, number: 1 }
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? a : b).updateSector(id, (st) => ({ ...st, abortReason: `${st.abortReason}${i},` })),
          ),
        )
        const marks = (await b.getSector(id))?.state.abortReason.split(',').filter((x) => x !== '')
        expect(new Set(marks).size).toBe(40)
      })
    }
  })
}
