import type { WdPoStJobInput } from '@venus-cluster/core'
import { expect, it } from 'vitest'
import type { NewPostJob } from '../post-types.js'
import type { ManagerStore } from '../types.js'

const key = { miner: 1000, deadline: 3, open: 1200 }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function job(id: string, miner = 1000, postProofType = 10): NewPostJob {
  const input: WdPoStJobInput = {
    minerId: miner,
    postProofType,
    seed: new Uint8Array(32).fill(9),
    sectors: [
      {
        sectorNumber: 1,
        commR: new Uint8Array(32).fill(1),
        upgrade: false,
        sealedStore: 'ps',
        cacheStore: 'ps',
      },
    ],
  }
  return { id, miner, deadline: 3, open: 1200, partitions: [0], input }
}

/**
 * The WindowPoSt part of the store conformance suite (leases, fenced submissions, PoSt jobs),
 * called inside `storeConformance`'s describe with its `fresh` and `shared` openers.
 */
export function postStoreConformance(
  fresh: () => Promise<ManagerStore>,
  shared?: () => Promise<[ManagerStore, ManagerStore]>,
): void {
  it('grants a deadline lease to one holder until it expires, then to another with a larger token', async () => {
    const s = await fresh()
    const a = await s.post.acquireLease(key, 'a', 300)
    expect(a).toEqual({ token: 1 })
    expect(await s.post.acquireLease(key, 'b', 300)).toBeUndefined()
    // The holder asking again keeps its token and extends the lease.
    expect(await s.post.acquireLease(key, 'a', 300)).toEqual({ token: 1 })
    expect(await s.post.leaseHeld(key, 'a', 1)).toBe(true)
    expect(await s.post.leaseHeld(key, 'b', 1)).toBe(false)
    await sleep(350)
    expect(await s.post.leaseHeld(key, 'a', 1)).toBe(false)
    const b = await s.post.acquireLease(key, 'b', 60_000)
    expect(b).toEqual({ token: 2, takenOverFrom: 'a' })
    // The old holder can neither renew nor release the new holder's lease.
    expect(await s.post.renewLease(key, 'a', 1, 60_000)).toBe(false)
    await s.post.releaseLease(key, 'a', 1)
    expect(await s.post.leaseHeld(key, 'b', 2)).toBe(true)
    const [row] = await s.post.listLeases({ miner: 1000 })
    expect(row).toMatchObject({ ...key, holder: 'b', token: 2, released: false, takeovers: 1 })
  })

  it('renews a live lease, and hands a released one on without counting a takeover', async () => {
    const s = await fresh()
    expect(await s.post.acquireLease(key, 'a', 300)).toEqual({ token: 1 })
    await sleep(200)
    expect(await s.post.renewLease(key, 'a', 1, 300)).toBe(true)
    await sleep(200)
    expect(await s.post.leaseHeld(key, 'a', 1)).toBe(true)
    await s.post.releaseLease(key, 'a', 1)
    expect(await s.post.leaseHeld(key, 'a', 1)).toBe(false)
    expect(await s.post.acquireLease(key, 'b', 300)).toEqual({ token: 2 })
    expect((await s.post.listLeases())[0]?.takeovers).toBe(0)
  })

  it('records a submission only under the current lease, and gives every holder the same id until it fails', async () => {
    const s = await fresh()
    await s.post.acquireLease(key, 'a', 200)
    const first = await s.post.recordSubmission(key, 'a', 1, [1, 0])
    expect(first?.adopted).toBe(false)
    expect(await s.post.recordSubmission(key, 'b', 1, [0, 1])).toBeUndefined()
    await sleep(250)
    // Expired: the old holder may not record any more.
    expect(await s.post.recordSubmission(key, 'a', 1, [0, 1])).toBeUndefined()
    await s.post.acquireLease(key, 'b', 60_000)
    expect(await s.post.recordSubmission(key, 'a', 1, [0, 1])).toBeUndefined()
    const again = await s.post.recordSubmission(key, 'b', 2, [0, 1])
    expect(again).toEqual({ id: first?.id, adopted: true })
    await s.post.submissionFailed(first?.id as string)
    const fresh2 = await s.post.recordSubmission(key, 'b', 2, [0, 1])
    expect(fresh2?.adopted).toBe(false)
    expect(fresh2?.id).not.toBe(first?.id)
    const list = await s.post.listSubmissions(key)
    expect(list.map((x) => [x.holder, x.token, x.state, x.partitions])).toEqual([
      ['a', 1, 'failed', [0, 1]],
      ['b', 2, 'recorded', [0, 1]],
    ])
  })

  it('keeps one job per id, hands it to one worker, and follows heartbeats, timeouts and retries', async () => {
    const s = await fresh()
    const put = await s.post.putJob(job('j1'))
    expect(put).toMatchObject({ id: 'j1', state: 'ready2run', tryNum: 0, miner: 1000, open: 1200 })
    expect(put.input.sectors[0]?.commR).toEqual(new Uint8Array(32).fill(1))
    await s.post.finishJob('j1', null, 'x')
    // Published again (e.g. by a manager taking over): the existing job stays as it is.
    expect((await s.post.putJob(job('j1'))).state).toBe('finished')
    await s.post.resetJob('j1')
    await s.post.putJob(job('j2', 2000, 13))
    expect(await s.post.allocateJobs({ allowedMiners: [3000], allowedProofTypes: null }, 4, 'w1')).toEqual([])
    const got = await s.post.allocateJobs(
      { allowedMiners: null, allowedProofTypes: ['StackedDrgWindow2KiBV1_1'] },
      4,
      'w1',
    )
    expect(got.map((j) => [j.id, j.state, j.tryNum, j.workerName])).toEqual([['j1', 'running', 1, 'w1']])
    expect(await s.post.allocateJobs({ allowedMiners: null, allowedProofTypes: null }, 4, 'w2')).toHaveLength(
      1,
    )
    expect(await s.post.heartbeatJobs(['j1', 'nope'], 'w1')).toEqual(['j1'])
    await sleep(2100)
    expect(await s.post.failStaleJobs(1, 10)).toEqual(expect.arrayContaining(['j1', 'j2']))
    expect((await s.post.getJob('j1'))?.errorReason).toBe('heartbeat timeout')
    expect(await s.post.heartbeatJobs(['j1'], 'w1')).toEqual([])
    expect((await s.post.retryFailedJobs(2, 10)).sort()).toEqual(['j1', 'j2'])
    const again = await s.post.allocateJobs({ allowedMiners: [1000], allowedProofTypes: null }, 1, 'w3')
    expect(again.map((j) => [j.id, j.tryNum])).toEqual([['j1', 2]])
    expect(await s.post.finishJob('j1', { proofs: [new Uint8Array([1, 2])], faults: [] }, '')).toBe(true)
    expect((await s.post.getJob('j1'))?.output).toEqual({ proofs: [new Uint8Array([1, 2])], faults: [] })
    expect(await s.post.retryFailedJobs(2, 10)).toEqual([])
    // Succeeded jobs are listed only with `all`.
    expect((await s.post.listJobs()).map((j) => j.id)).toEqual(['j2'])
    expect((await s.post.listJobs({ all: true })).map((j) => j.id).sort()).toEqual(['j1', 'j2'])
    await s.post.removeJob('j2')
    await s.post.removeJob('j2')
    expect(await s.post.getJob('j2')).toBeUndefined()
    expect(await s.post.cleanupJobs(-10)).toBe(1)
  }, 15_000)

  if (shared) {
    it('two stores on one database grant a deadline lease and a job to one of them only', async () => {
      const [a, b] = await shared()
      const grants = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).post.acquireLease(key, `h${i}`, 60_000)),
      )
      expect(grants.filter((g) => g !== undefined)).toEqual([{ token: 1 }])
      await a.post.putJob(job('j1'))
      const taken = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? a : b).post.allocateJobs({ allowedMiners: null, allowedProofTypes: null }, 1, `w${i}`),
        ),
      )
      expect(taken.flat().map((j) => j.id)).toEqual(['j1'])
    })
  }
}
