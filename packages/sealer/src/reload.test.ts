import { join } from 'node:path'
import { mockProofs, parseWorkerConfig, prepareFileStore } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { fakeSealer } from './__fixtures__/fake-sealer.js'
import { SlotPool } from './limits.js'
import { createSealingWorker } from './worker.js'

let env: WorkerEnv | undefined
afterEach(() => env?.cleanup())

describe('worker config reload', () => {
  it('applies sealing settings, stage limits and attached stores live, and lists what needs a restart', async () => {
    env = await workerEnv({ threads: 2, extra: '[processors.limit]\npc1 = 1\n' })
    const worker = createSealingWorker({
      config: parseWorkerConfig(env.configText, 'w.toml'),
      proofs: mockProofs(),
      // No sector to seal: threads wait for allocations, so nothing else runs meanwhile.
      sealer: { ...fakeSealer().client, allocateSector: async () => null },
      controlApi: false,
    })
    await worker.start()
    try {
      const second = join(env.dir, 'persist2')
      await prepareFileStore(second)
      const text = env.configText
        .replace('max_retries = 3', 'max_retries = 9\nallowed_miners = [1000]')
        .replace('pc1 = 1', 'pc1 = 3\nc2 = 1')
        .replace('name = "test-worker"', 'name = "renamed"')
        .concat(`\n[[attached]]\nname = "ps2"\nlocation = "${second}"\n`)
      const diff = await worker.reload(parseWorkerConfig(text, 'w.toml'))
      expect(diff.live.sort()).toEqual(['attached', 'processors.limit', 'sealing'])
      expect(diff.restart).toEqual(['worker.name'])
      for (const t of worker.threads)
        expect(t.sealing).toMatchObject({ maxRetries: 9, allowedMiners: [1000] })
      expect(worker.limits.stats('pc1').limit).toBe(3)
      expect(worker.limits.has('c2')).toBe(true)
      expect(worker.attached.map((a) => a.name)).toEqual(['ps1', 'ps2'])
      // The name waits for a restart: the running config keeps the old one.
      expect(worker.config.name).toBe('test-worker')
      expect(worker.config.sealing.maxRetries).toBe(9)

      // A config that does not check changes nothing.
      await expect(
        worker.reload(
          parseWorkerConfig(text.replace(`location = "${second}"`, `location = "${env.dir}/none"`), 'w.toml'),
        ),
      ).rejects.toThrow(/not a prepared store/)
      expect(worker.attached.map((a) => a.name)).toEqual(['ps1', 'ps2'])
      expect((await worker.reload(parseWorkerConfig(text, 'w.toml'))).live).toEqual([])
    } finally {
      await worker.stop()
    }
  })

  it('resizes a stage limit: a raised one lets waiting tasks in at once, a lowered one as slots free', async () => {
    const pool = new SlotPool({ pc1: 1 })
    const first = await pool.acquire('pc1')
    let second = false
    const waiting = pool.acquire('pc1').then((r) => {
      second = true
      return r
    })
    await new Promise((r) => setImmediate(r))
    expect(second).toBe(false)
    pool.setLimits({ pc1: 2 })
    const r2 = await waiting
    expect(second).toBe(true)
    pool.setLimits({ pc1: 1 })
    let third = false
    const w3 = pool.acquire('pc1').then((r) => {
      third = true
      return r
    })
    first()
    await new Promise((r) => setImmediate(r))
    // Two held under a limit of one: the first freed slot is given up, not passed on.
    expect(third).toBe(false)
    r2()
    ;(await w3)()
    expect(third).toBe(true)
    pool.setLimits({})
    const a = await pool.acquire('pc1')
    const b = await pool.acquire('pc1')
    a()
    b()
  })
})
