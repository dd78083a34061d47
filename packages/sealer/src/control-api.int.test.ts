import { createServer } from 'node:net'
import { mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { fakeSealer } from './__fixtures__/fake-sealer.js'
import { workerControlClient } from './control-api.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
    })
  })
}

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
afterEach(async () => {
  await worker?.stop()
  env?.cleanup()
})

describe('VenusWorker control API', () => {
  it('lists threads, pauses one at a step boundary and resumes it into a named state', async () => {
    env = await workerEnv({ threads: 2, port: await freePort() })
    const fake = fakeSealer({ sectors: 1, pendingPolls: 1_000_000 })
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlAuth: 'off',
    })
    await worker.start()
    const c = workerControlClient(worker.controlUrl ?? '')
    try {
      const list = await c.list()
      expect(list.map((t) => t.index)).toEqual([0, 1])
      // The wire keeps the original worker's snake_case entries, in its key order.
      const wire = (await c.listWire()) as object[]
      expect(Object.keys(wire[0] ?? {})).toEqual([
        'location',
        'sector_id',
        'index',
        'paused',
        'paused_elapsed',
        'state',
        'last_error',
      ])
      expect(Object.keys(wire[0] ?? {}).sort()).toEqual([
        'index',
        'last_error',
        'location',
        'paused',
        'paused_elapsed',
        'sector_id',
        'state',
      ])
      // Thread 0 or 1 takes the one sector and polls forever; pause it there.
      let busy = list[0]
      for (let i = 0; i < 400; i++) {
        busy = (await c.list()).find((t) => t.state === 'PCSubmitted')
        if (busy !== undefined) break
        await new Promise((r) => setTimeout(r, 10))
      }
      expect(busy).toBeDefined()
      const i = busy?.index ?? 0
      expect(await c.pause(i)).toBe(true)
      for (let k = 0; k < 400 && !(await c.list())[i]?.paused; k++)
        await new Promise((r) => setTimeout(r, 10))
      const paused = (await c.list())[i]
      expect(paused).toMatchObject({
        paused: true,
        state: 'PCSubmitted',
        lastError: null,
        sectorId: { miner: 1000, number: 1 },
      })
      expect((await c.listWire())[i]).toMatchObject({
        paused: true,
        state: 'PCSubmitted',
        last_error: null,
        sector_id: 'm-1000-s-1',
        paused_elapsed: expect.stringMatching(/^\d+\.\ds$/),
      })
      // A state the thread's plan does not have is refused, not run into.
      await expect(c.resume(i, 'SnapEncoded')).rejects.toThrow(
        /SnapEncoded is not a state of the sealer plan/,
      )
      await expect(c.resume(i, 'NoSuchState')).rejects.toThrow(/unknown sealing state/)
      await expect(c.pause(9)).rejects.toThrow(/no sealing thread with index 9/)
      expect(await c.resume(i, 'PC2Done')).toBe(true)
      expect(await c.resume(i, null)).toBe(false)
    } finally {
      await c.close()
    }
  })
})
