import type { wdPoStInputToWire } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createWdPoStApi } from '../api/wdpost-api.js'
import { openSqliteStore } from '../store/sqlite.js'
import type { ManagerStore } from '../store/types.js'
import { createPostJobQueue, type PostJobRequest } from './queue.js'

let store: ManagerStore | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

const request = (seed = 5): PostJobRequest => ({
  miner: 't01000',
  deadline: 3,
  open: 1200,
  batch: 0,
  partitions: [0],
  randomness: new Uint8Array(32).fill(seed),
  proverId: new Uint8Array(32),
  replicas: [1, 2].map((n) => ({
    postProofType: 10,
    sectorNumber: n,
    commR: new Uint8Array(32).fill(n),
    sealedPath: `/mnt/ps1/sealed/s-t01000-${n}`,
    cacheDir: `/mnt/ps1/cache/s-t01000-${n}`,
  })),
})

const until = async (f: () => Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await f()); i++) await new Promise((r) => setTimeout(r, 10))
}

describe('PoSt job queue and Venus.WdPoSt*', () => {
  it('publishes a batch as a job naming the stores, and hands the worker proof back to the poster', async () => {
    store = await openSqliteStore({ path: ':memory:' })
    const api = createWdPoStApi(store, { maxTry: 2 })
    const q = createPostJobQueue({ store, persistStores: [{ name: 'ps1', path: '/mnt/ps1' }], pollMs: 10 })
    const proving = q.compute(request(), { signal: new AbortController().signal })
    let taken: { Id: string; Input: ReturnType<typeof wdPoStInputToWire> }[] = []
    await until(async () => {
      taken = (await api['Venus.WdPoStAllocateJobs']!([
        { AllowedMiners: [1000], AllowedProofTypes: null },
        1,
        'w1',
      ])) as typeof taken
      return taken.length > 0
    })
    expect(taken[0]?.Input.Sectors.map((s) => s.Accesses)).toEqual([
      { SealedFile: 'ps1', CacheDir: 'ps1' },
      { SealedFile: 'ps1', CacheDir: 'ps1' },
    ])
    expect(taken[0]?.Input.ProofType).toBe('StackedDrgWindow2KiBV1_1')
    await api['Venus.WdPoStHeartbeatJobs']!([[taken[0]?.Id], 'w1'])
    await api['Venus.WdPoStFinishJob']!([
      taken[0]?.Id,
      { proofs: [Buffer.from([7, 7]).toString('base64')], faults: [] },
      '',
    ])
    const res = await proving
    expect(res).toEqual({
      proofs: [{ postProof: 10, proofBytes: new Uint8Array([7, 7]) }],
      faultySectors: [],
    })
    const all = (await api['Venus.WdPoStAllJobs']!([true])) as {
      Jobs: { Sectors: number; Faults: number }[]
      MaxTry: number
    }
    expect(all.MaxTry).toBe(2)
    expect(all.Jobs[0]).toMatchObject({ Sectors: 2, Faults: 0, State: 'finished', WorkerName: 'w1' })
  })

  it('returns the faulty sectors a worker found, and publishes a job again that an operator removed', async () => {
    store = await openSqliteStore({ path: ':memory:' })
    const api = createWdPoStApi(store)
    const q = createPostJobQueue({ store, pollMs: 10 })
    const proving = q.compute(request(6), { signal: new AbortController().signal })
    let id = ''
    await until(async () => {
      id = (await store!.post.listJobs())[0]?.id ?? ''
      return id !== ''
    })
    await api['Venus.WdPoStRemoveJob']!([id])
    await until(async () => (await store!.post.getJob(id)) !== undefined)
    expect((await store.post.getJob(id))?.state).toBe('ready2run')
    await api['Venus.WdPoStFinishJob']!([id, { proofs: [], faults: [2] }, ''])
    expect(await proving).toEqual({ proofs: [], faultySectors: [2] })
  })

  it('fails the poster with the worker error once the job is out of tries, and gives it a new round when asked again', async () => {
    store = await openSqliteStore({ path: ':memory:' })
    const q = createPostJobQueue({ store, pollMs: 10, maxTry: 1 })
    const proving = q.compute(request(7), { signal: new AbortController().signal })
    await until(async () => (await store!.post.listJobs()).length > 0)
    const [job] = await store.post.allocateJobs({ allowedMiners: null, allowedProofTypes: null }, 1, 'w1')
    await store.post.finishJob(job!.id, null, 'GPU lost')
    await expect(proving).rejects.toThrow(/error from worker: GPU lost/)
    const again = q.compute(request(7), { signal: new AbortController().signal })
    await until(async () => (await store!.post.getJob(job!.id))?.state === 'ready2run')
    expect((await store.post.getJob(job!.id))?.tryNum).toBe(0)
    const ac = new AbortController()
    ac.abort()
    await q.compute(request(8), { signal: ac.signal }).catch(() => {})
    await store.post.finishJob(job!.id, { proofs: [new Uint8Array([1])], faults: [] }, '')
    expect((await again).proofs).toHaveLength(1)
  })

  it('answers bad params with the method and the field', async () => {
    store = await openSqliteStore({ path: ':memory:' })
    const api = createWdPoStApi(store)
    await expect(api['Venus.WdPoStAllocateJobs']!([{ AllowedMiners: null }, 1, 'bad name!'])).rejects.toThrow(
      /WdPoStAllocateJobs: params\[2\] must be a worker name/,
    )
    await expect(api['Venus.WdPoStHeartbeatJobs']!([Array(300).fill('x'), 'w'])).rejects.toThrow(
      /at most 256/,
    )
    await expect(api['Venus.WdPoStFinishJob']!(['nope', null, 'x'])).rejects.toThrow(
      /job 'nope' does not exist/,
    )
    await expect(api['Venus.WdPoStResetJob']!(['nope'])).rejects.toThrow(/does not exist/)
    await expect(api['Venus.WdPoStFinishJob']!(['j', { proofs: 'AA==', faults: [] }, ''])).rejects.toThrow(
      /output\.proofs must be a list/,
    )
  })
})
