// `[processors.limit] unseal` bounds the unseals a worker runs at once, across its threads.
import { join } from 'node:path'
import { mockProofs, type ProofsBackend } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { sealDataSector } from './__fixtures__/data-sector.js'
import { workerEnv } from './__fixtures__/env.js'
import { startManagerEnv } from './__fixtures__/manager-env.js'
import { startUnsealWorker, waitUnsealsDone } from './__fixtures__/unseal-worker.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Mock proofs whose unseal takes 300 ms and that record how many ran at once. */
function slowUnseals(): { proofs: ProofsBackend; peak: () => number } {
  const inner = mockProofs()
  let now = 0
  let peak = 0
  const proofs = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver)
      if (prop === 'unsealRange')
        return async (...args: unknown[]) => {
          now++
          peak = Math.max(peak, now)
          try {
            await sleep(300)
            return await (v as (...a: unknown[]) => Promise<number>).apply(target, args)
          } finally {
            now--
          }
        }
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  return { proofs, peak: () => peak }
}

async function unsealTwo(limit: string): Promise<number> {
  const env = await workerEnv({ threads: 2, extra: limit })
  cleanups.push(() => env.cleanup())
  const mgr = await startManagerEnv({ persist: env.persist, maxSectors: 0, seed: 'unseal-limit' })
  cleanups.push(() => mgr.stop())
  const pieces: { id: { miner: number; number: number }; cid: string }[] = []
  for (const number of [500, 501]) {
    const data = await sealDataSector({
      proofs: mockProofs(),
      store: mgr.manager.store,
      persist: env.persist,
      scratch: join(env.dir, 'scratch'),
      miner: mgr.minerId,
      number,
    })
    pieces.push({ id: data.id, cid: data.cids[1] as string })
    await mgr.manager.repair.requestUnseal(data.id, data.cids[1] as string)
  }
  const { proofs, peak } = slowUnseals()
  const worker = await startUnsealWorker(env, mgr, proofs)
  cleanups.push(() => worker.stop())
  await waitUnsealsDone(mgr, pieces)
  return peak()
}

describe('unseal processor slots', () => {
  it('runs one unseal at a time with [processors.limit] unseal = 1, both with no limit', async () => {
    expect(await unsealTwo('[processors.limit]\nunseal = 1\n')).toBe(1)
    expect(await unsealTwo('')).toBe(2)
  }, 60_000)
})
