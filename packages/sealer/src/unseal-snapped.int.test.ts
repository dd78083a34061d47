// Unsealing a piece of a snapped sector: the data lives in the update replica, so the `unseal`
// thread decodes it with the sector key (the update decode), never `unsealRange` on the CC
// replica. With the key kept it decodes at once; with the key dropped (as the snap-up service
// does once the update is final) it regenerates the key from the recorded ticket first.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { mockProofs, type ProofsBackend } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { type ManagerEnv, startManagerEnv } from './__fixtures__/manager-env.js'
import { snapDataSector } from './__fixtures__/snapped-sector.js'
import { startUnsealWorker, waitUnsealsDone } from './__fixtures__/unseal-worker.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Mock proofs that count the calls of the unseal paths. */
function countingProofs(): { proofs: ProofsBackend; calls: Record<string, number> } {
  const inner = mockProofs()
  const calls: Record<string, number> = { unsealRange: 0, decodeRange: 0, sealPreCommitPhase1: 0 }
  const proofs = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver)
      if (typeof prop === 'string' && prop in calls && typeof v === 'function')
        return (...args: unknown[]) => {
          calls[prop] = (calls[prop] ?? 0) + 1
          return (v as (...a: unknown[]) => unknown).apply(target, args)
        }
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  return { proofs, calls }
}

async function unsealSnapped(keepKey: boolean) {
  const env: WorkerEnv = await workerEnv({ threads: 1 })
  cleanups.push(() => env.cleanup())
  const mgr: ManagerEnv = await startManagerEnv({
    persist: env.persist,
    maxSectors: 0,
    seed: 'unseal-snapped',
  })
  cleanups.push(() => mgr.stop())
  const data = await snapDataSector({
    proofs: mockProofs(),
    store: mgr.manager.store,
    persist: env.persist,
    scratch: join(env.dir, 'scratch'),
    miner: mgr.minerId,
    number: 600,
    keepKey,
  })
  const piece = data.cids[1] as string
  await mgr.manager.repair.requestUnseal(data.id, piece)
  const job = await mgr.manager.repair.get('unseal', data.id, piece)
  expect(job?.state).toBe('queued')
  const { proofs, calls } = countingProofs()
  const worker = await startUnsealWorker(env, mgr, proofs)
  cleanups.push(() => worker.stop())
  await waitUnsealsDone(mgr, [{ id: data.id, cid: piece }])
  const copy = join(env.persist, 'piece', piece)
  expect(readFileSync(copy).equals(data.payloads[1] as Buffer)).toBe(true)
  return { calls, env, data }
}

describe('unsealing a piece of a snapped sector', () => {
  it('decodes from the update replica with the kept sector key, without unsealRange', async () => {
    const { calls } = await unsealSnapped(true)
    expect(calls).toMatchObject({ unsealRange: 0, decodeRange: 1, sealPreCommitPhase1: 0 })
  }, 60_000)

  it('regenerates a dropped sector key from the ticket, decodes, and drops the regenerated key', async () => {
    const { calls, env, data } = await unsealSnapped(false)
    expect(calls).toMatchObject({ unsealRange: 0, decodeRange: 1, sealPreCommitPhase1: 1 })
    // The regenerated key is scratch in the thread's store, not a persisted sector key.
    const name = `s-t0${data.id.miner}-${data.id.number}`
    expect(existsSync(join(env.stores[0] as string, 'data', 'sealed', name))).toBe(false)
    expect(existsSync(join(env.persist, 'sealed', name))).toBe(false)
  }, 60_000)
})
