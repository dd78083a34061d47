/**
 * `StepContext.withGpu`: a plan's own GPU work (a snap proof, a WindowPoSt) holds the stage's
 * slots of the worker's GPUs, so two threads of such a plan take turns on a GPU with one slot.
 */
import { mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from '../__fixtures__/env.js'
import { fakeSealer } from '../__fixtures__/fake-sealer.js'
import { until } from '../__fixtures__/until.js'
import { createSealingWorker, type SealingWorker } from '../worker.js'
import { PlanRegistry, sealerPlan } from './index.js'
import type { Plan } from './types.js'

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
afterEach(async () => {
  await worker?.stop()
  worker = undefined
  env?.cleanup()
  env = undefined
})

describe('a plan computing on the GPU itself', () => {
  it('takes turns with another thread on a GPU with one slot, for WindowPoSt and snap proving alike', async () => {
    const runs: { stage: string; thread: number; start: number; end: number }[] = []
    const gpuWork =
      (stage: 'wdpost' | 'snap_prove') => async (ctx: Parameters<NonNullable<Plan['steps']['Empty']>>[0]) =>
        ctx.withGpu(stage, async () => {
          const start = Date.now()
          await new Promise((r) => setTimeout(r, 15))
          runs.push({ stage, thread: ctx.thread.index, start, end: Date.now() })
          return stage === 'wdpost' ? 'Take' : 'Do'
        })
    const gpuPlan: Plan<'Take' | 'Do'> = {
      name: 'gpujob',
      description: 'a WindowPoSt, then a snap proof, both on the GPU',
      states: ['Empty', 'Allocated', 'Finished', 'Aborted'],
      initial: { state: 'Empty', asks: 'Venus.AllocateJob' },
      steps: { Empty: gpuWork('wdpost'), Allocated: gpuWork('snap_prove') },
      next: (s, e) => (s === 'Empty' && e === 'Take' ? 'Allocated' : 'Finished'),
      stages: [],
      finish: async () => {},
    }
    env = await workerEnv({ threads: 2, extra: '[processors.gpu]\ndevices = ["0"]\n' })
    const config = {
      ...env.config,
      sealingThreads: env.config.sealingThreads.map((t) => ({ ...t, plan: 'gpujob' })),
    }
    worker = createSealingWorker({
      config,
      proofs: mockProofs(),
      sealer: fakeSealer({ sectors: 0, persistStores: {} }).client,
      plans: new PlanRegistry([sealerPlan as Plan, gpuPlan as Plan]),
      controlApi: false,
    })
    await worker.start()
    await until(() => new Set(runs.map((r) => r.thread)).size === 2 && runs.length >= 8)
    await worker.stop()
    expect(new Set(runs.map((r) => r.stage))).toEqual(new Set(['wdpost', 'snap_prove']))
    const sorted = [...runs].sort((a, b) => a.start - b.start)
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]?.start).toBeGreaterThanOrEqual(sorted[i - 1]?.end as number)
    }
    expect(worker.gpus.stats('0')).toMatchObject({ peak: 1, inUse: 0 })
  })
})
