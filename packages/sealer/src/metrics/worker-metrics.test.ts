import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GpuSlots } from '../gpu.js'
import type { SealingThread } from '../thread.js'
import { createWorkerMetrics } from './worker-metrics.js'

function thread(state: string, paused: boolean, lastError: string | null): SealingThread {
  return {
    info: () => ({
      index: 0,
      location: '/x',
      plan: 'sealer',
      sectorId: null,
      state,
      paused,
      pausedForMs: null,
      lastError,
    }),
  } as unknown as SealingThread
}

function value(text: string, line: string): number | undefined {
  const l = text.split('\n').find((x) => x.startsWith(`${line} `))
  return l === undefined ? undefined : Number(l.slice(line.length + 1))
}

describe('worker metrics', () => {
  it('counts threads per state, paused and erroring threads', async () => {
    const m = createWorkerMetrics({
      threads: () => [
        thread('Empty', false, null),
        thread('PC1Done', true, 'boom'),
        thread('Empty', false, null),
      ],
      processMetrics: false,
    })
    const text = await m.scrape()
    expect(value(text, 'venus_worker_sealing_threads{state="Empty"}')).toBe(2)
    expect(value(text, 'venus_worker_sealing_threads{state="PC1Done"}')).toBe(1)
    expect(value(text, 'venus_worker_sealing_threads_paused')).toBe(1)
    expect(value(text, 'venus_worker_sealing_threads_with_error')).toBe(1)
  })

  it('times each state from the step that entered it to the step that left it', async () => {
    let now = 1_000
    const m = createWorkerMetrics({ threads: () => [], processMetrics: false, now: () => now })
    const step = (prev: string, next: string, failure: { level: string; desc: string } | null = null) =>
      m.observeStep({ thread: 0, plan: 'sealer', sector: null, prev, next, failure } as never)
    step('Empty', 'Allocated')
    now += 5_000
    step('Allocated', 'PC1Done')
    now += 1_000
    step('PC1Done', 'PC1Done', { level: 'temporary', desc: 'x' })
    now += 2_000
    step('PC1Done', 'PC2Done')
    const text = await m.scrape()
    expect(value(text, 'venus_worker_stage_duration_seconds_sum{stage="Allocated"}')).toBe(5)
    expect(value(text, 'venus_worker_stage_duration_seconds_sum{stage="PC1Done"}')).toBe(3)
    expect(value(text, 'venus_worker_step_failures_total{level="temporary"}')).toBe(1)
    expect(value(text, 'venus_worker_steps_total{state="PC1Done"}')).toBe(2)
  })

  it("reports each GPU's slots and the slots in use, and nothing of GPUs on a worker without them", async () => {
    const gpus = new GpuSlots({
      devices: [
        { id: '0', slots: 2 },
        { id: '1', slots: 1 },
      ],
      stageSlots: { pc2: 1, c2: 1, snap_prove: 1, wdpost: 1 },
    })
    const held = await gpus.acquire('c2', { devices: ['0'] })
    const m = createWorkerMetrics({ threads: () => [], gpus, processMetrics: false })
    const text = await m.scrape()
    expect(value(text, 'venus_worker_gpu_slots{device="0"}')).toBe(2)
    expect(value(text, 'venus_worker_gpu_slots_in_use{device="0"}')).toBe(1)
    expect(value(text, 'venus_worker_gpu_slots_in_use{device="1"}')).toBe(0)
    held.release()
    expect(value(await m.scrape(), 'venus_worker_gpu_slots_in_use{device="0"}')).toBe(0)
    const none = createWorkerMetrics({ threads: () => [], processMetrics: false })
    expect(await none.scrape()).not.toContain('venus_worker_gpu')
  })

  it('registers every worker-side metric the Grafana dashboard queries', async () => {
    const text = readFileSync(new URL('../../../../docs/grafana-dashboard.json', import.meta.url), 'utf8')
    const used = new Set(
      [...text.matchAll(/venus_worker_(?:sealing|stage|step)[a-z_]*/g)].map((x) =>
        x[0].replace(/_(bucket|sum|count)$/, ''),
      ),
    )
    const m = createWorkerMetrics({ threads: () => [], processMetrics: false })
    const known = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name))
    expect([...used].filter((n) => !known.has(n))).toEqual([])
    expect(used.size).toBeGreaterThan(3)
  })
})
