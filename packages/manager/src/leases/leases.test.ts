import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../store/sqlite.js'
import type { ManagerStore } from '../store/types.js'
import { storeDeadlineLeases } from './leases.js'

const key = { miner: 't01000', deadline: 3, open: 1200 }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let store: ManagerStore | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describe('storeDeadlineLeases', () => {
  it('keeps a held lease alive by renewing it, and gives it up on release', async () => {
    store = await openSqliteStore({ path: ':memory:' })
    const a = storeDeadlineLeases({ store, holder: 'a', ttlMs: 300, renewMs: 80 })
    const b = storeDeadlineLeases({ store, holder: 'b', ttlMs: 300, renewMs: 80 })
    const lease = await a.acquire(key, {})
    expect(lease).toEqual({ key, token: 1 })
    await sleep(700)
    // Renewed meanwhile: still a's, and b is refused.
    expect(await a.holds(lease!, {})).toBe(true)
    expect(await b.acquire(key, {})).toBeUndefined()
    await a.release(lease!)
    expect(a.held()).toEqual([])
    expect(await b.acquire(key, {})).toEqual({ key, token: 2 })
    await a.stop()
    await b.stop()
  })

  it('loses a lease it stopped renewing: another manager takes it with a larger token, and every fenced check of the old one fails', async () => {
    store = await openSqliteStore({ path: ':memory:' })
    const post = store.post
    // a's renewals never complete: the process is paused (SIGSTOP) or cut off from the database.
    const frozen = new Proxy(post, {
      get: (t, prop) =>
        prop === 'renewLease'
          ? () => new Promise<boolean>(() => {})
          : (Reflect.get(t, prop) as () => unknown).bind(t),
    })
    const a = storeDeadlineLeases({ store: { post: frozen }, holder: 'a', ttlMs: 200, renewMs: 50 })
    const b = storeDeadlineLeases({ store, holder: 'b', ttlMs: 5000 })
    const lost: string[] = []
    a.events.on('lost', (e) => lost.push(e.reason))
    const taken: (string | undefined)[] = []
    b.events.on('acquired', (e) => taken.push(e.takenOverFrom))
    const old = await a.acquire(key, {})
    expect(await b.acquire(key, {})).toBeUndefined()
    await sleep(250)
    const got = await b.acquire(key, {})
    expect(got?.token).toBe(2)
    expect(taken).toEqual(['a'])
    // a wakes up: its fencing checks fail, it records no submission, and it reports the loss.
    expect(await a.recordSubmission(old!, { batch: 0, partitions: [0] }, {})).toBeUndefined()
    expect(await a.holds(old!, {})).toBe(false)
    expect(lost.length).toBeGreaterThan(0)
    expect(a.held()).toEqual([])
    // b's lease is untouched by a's release of its stale token.
    await a.release(old!)
    expect(await b.holds(got!, {})).toBe(true)
    await b.stop()
  })

  it('names a takeover from a holder that stopped renewing without releasing', async () => {
    store = await openSqliteStore({ path: ':memory:' })
    // a's lease row, as a killed manager leaves it: never renewed, never released.
    await store.post.acquireLease({ miner: 1000, deadline: 3, open: 1200 }, 'dead-a', 100)
    const b = storeDeadlineLeases({ store, holder: 'b', ttlMs: 5000 })
    const taken: (string | undefined)[] = []
    b.events.on('acquired', (e) => taken.push(e.takenOverFrom))
    expect(await b.acquire(key, {})).toBeUndefined()
    await sleep(150)
    const lease = await b.acquire(key, {})
    expect(lease?.token).toBe(2)
    expect(taken).toEqual(['dead-a'])
    const rec = await b.recordSubmission(lease!, { batch: 0, partitions: [1, 0] }, {})
    expect(rec?.id).toMatch(/^wdpost-1000-3-1200-p0\.1-1$/)
    await b.stop()
  })

  it('refuses a renewal period that is not shorter than the time-to-live, and non-ID miner addresses', async () => {
    expect(() => storeDeadlineLeases({ store: { post: {} as never }, ttlMs: 1000, renewMs: 1000 })).toThrow(
      /renewal period/,
    )
    store = await openSqliteStore({ path: ':memory:' })
    const leases = storeDeadlineLeases({ store })
    await expect(leases.acquire({ ...key, miner: 't2abc' }, {})).rejects.toMatchObject({
      code: 'ADDRESS_INVALID',
    })
    await expect(leases.acquire({ ...key, miner: 't01000' }, {})).resolves.toEqual({ key, token: 1 })
    await leases.stop()
  })
})
