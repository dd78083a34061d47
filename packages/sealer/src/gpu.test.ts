import { type GpuStage, VenusError, type WorkerGpuConfig } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { GpuSlots, inProcessGpuSlots } from './gpu.js'
import type { SealStage, StageProcessor } from './processors.js'

const ONE_EACH = { pc2: 1, c2: 1, snap_prove: 1, wdpost: 1 }

function slots(devices: WorkerGpuConfig['devices'], stageSlots: Partial<Record<GpuStage, number>> = {}) {
  return new GpuSlots({ devices, stageSlots: { ...ONE_EACH, ...stageSlots } })
}

/** A deferred: a stage that runs until the test ends it. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((r) => {
    open = r
  })
  return { open, opened }
}

/** Lets queued promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r))

/**
 * Mock stages: each records when it starts and ends, and runs until its gate is opened, so a
 * test decides the order in which they finish.
 */
function mockStages() {
  const log: string[] = []
  const gates = new Map<string, ReturnType<typeof gate>>()
  const processor: StageProcessor = {
    async run(stage: SealStage, req) {
      const name = `${stage}:${(req as unknown as { name: string }).name}`
      const g = gate()
      gates.set(name, g)
      log.push(`start ${name}`)
      await g.opened
      log.push(`end ${name}`)
      return true as never
    },
  }
  const finish = async (name: string) => {
    const g = gates.get(name)
    if (g === undefined) throw new Error(`${name} has not started`)
    g.open()
    await settle()
  }
  return { log, processor, finish }
}

describe('GPU slots', () => {
  it('runs two stages that want the only slot of one GPU one after the other', async () => {
    const gpus = slots([{ id: '0', slots: 1 }])
    const first = await gpus.acquire('pc2')
    let second: { device: string; release: () => void } | undefined
    const waiting = gpus.acquire('c2').then((g) => {
      second = g
    })
    await settle()
    expect(second).toBeUndefined()
    expect(gpus.stats('0')).toMatchObject({ inUse: 1, peak: 1 })
    first.release()
    await waiting
    expect(second?.device).toBe('0')
    second?.release()
    expect(gpus.stats('0')).toEqual({ id: '0', slots: 1, inUse: 0, peak: 1, acquired: 2 })
  })

  it('runs stages together while their slots fit the GPU', async () => {
    const gpus = slots([{ id: '0', slots: 3 }], { c2: 2 })
    const pc2 = await gpus.acquire('pc2')
    const c2 = await gpus.acquire('c2')
    expect(gpus.stats('0').inUse).toBe(3)
    let third = false
    const waiting = gpus.acquire('pc2').then((g) => {
      third = true
      return g
    })
    await settle()
    expect(third).toBe(false)
    pc2.release()
    ;(await waiting).release()
    c2.release()
    expect(gpus.stats('0')).toMatchObject({ inUse: 0, peak: 3, acquired: 3 })
  })

  it('takes the GPU with the most free slots, and only GPUs big enough for the stage', async () => {
    const gpus = slots(
      [
        { id: '0', slots: 1 },
        { id: 'GPU-8a5e3c11-0000-0000-0000-000000000001', slots: 2 },
      ],
      { c2: 2 },
    )
    const a = await gpus.acquire('pc2')
    expect(a.device).toBe('GPU-8a5e3c11-0000-0000-0000-000000000001')
    const b = await gpus.acquire('pc2')
    expect(b.device).toBe('0')
    // C2 takes 2 slots: only the second GPU can hold it, once both pc2s there and here are done.
    let c2: string | undefined
    const waiting = gpus.acquire('c2').then((g) => {
      c2 = g.device
    })
    b.release()
    await settle()
    expect(c2).toBeUndefined()
    a.release()
    await waiting
    expect(c2).toBe('GPU-8a5e3c11-0000-0000-0000-000000000001')
    await expect(gpus.acquire('c2', { devices: ['0'] })).rejects.toThrow(
      /c2 takes 2 GPU slots; no GPU of "0" \(1\) has that many/,
    )
  })

  it('serves waiters of a GPU in order: a big stage waiting is not overtaken by a later small one', async () => {
    const gpus = slots([{ id: '0', slots: 2 }], { c2: 2 })
    const pc2 = await gpus.acquire('pc2')
    const order: string[] = []
    const c2 = gpus.acquire('c2').then((g) => {
      order.push('c2')
      return g
    })
    const late = gpus.acquire('pc2').then((g) => {
      order.push('pc2')
      return g
    })
    await settle()
    // One slot is free, but the C2 that came first wants both.
    expect(order).toEqual([])
    pc2.release()
    ;(await c2).release()
    ;(await late).release()
    expect(order).toEqual(['c2', 'pc2'])
  })

  it('gives up a wait when its signal aborts, and lets the next waiter through', async () => {
    const gpus = slots([{ id: '0', slots: 2 }], { c2: 2 })
    const held = await gpus.acquire('pc2')
    const ctl = new AbortController()
    const c2 = gpus.acquire('c2', { signal: ctl.signal })
    const pc2 = gpus.acquire('pc2')
    ctl.abort(new Error('stopping'))
    const err = await c2.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VenusError)
    expect((err as VenusError).code).toBe('ABORTED')
    ;(await pc2).release()
    held.release()
    expect(gpus.stats('0')).toMatchObject({ inUse: 0, acquired: 2 })
    await expect(gpus.acquire('c2', { signal: AbortSignal.abort() })).rejects.toThrow(/aborted/)
  })

  it('refuses a GPU the worker does not have', async () => {
    const gpus = slots([{ id: '0', slots: 1 }])
    await expect(gpus.acquire('c2', { devices: ['7'] })).rejects.toThrow(
      /no GPU "7" in this worker \(it has: 0\)/,
    )
  })

  it('holds every GPU for a stage computed in process, at most all of a GPU', async () => {
    const gpus = slots(
      [
        { id: '0', slots: 1 },
        { id: '1', slots: 2 },
      ],
      { c2: 2 },
    )
    const release = await gpus.acquireAll('c2')
    expect([gpus.stats('0').inUse, gpus.stats('1').inUse]).toEqual([1, 2])
    release()
    release()
    expect([gpus.stats('0').inUse, gpus.stats('1').inUse]).toEqual([0, 0])
    // Without GPUs there is nothing to hold.
    const none = slots([])
    expect(none.enabled).toBe(false)
    ;(await none.acquireAll('c2'))()
  })
})

describe('GPU stages computed in process', () => {
  it('run one after the other when they want the only slot of the GPU; other stages do not wait', async () => {
    const gpus = slots([{ id: '0', slots: 1 }])
    const { log, processor, finish } = mockStages()
    const p = inProcessGpuSlots(processor, gpus)
    const pc2 = p.run('pc2', { name: 'a' } as never)
    const c2 = p.run('c2', { name: 'b' } as never)
    const pc1 = p.run('pc1', { name: 'c' } as never)
    await settle()
    // PC1 is no GPU stage: it starts at once, beside the PC2 that holds the GPU; the C2 waits.
    expect([...log].sort()).toEqual(['start pc1:c', 'start pc2:a'])
    await finish('pc2:a')
    await pc2
    expect(log.slice(2)).toEqual(['end pc2:a', 'start c2:b'])
    await finish('c2:b')
    await finish('pc1:c')
    await Promise.all([c2, pc1])
    expect(gpus.stats('0')).toMatchObject({ peak: 1, acquired: 2, inUse: 0 })
  })

  it('run together when the GPU has the slots for both', async () => {
    const gpus = slots([{ id: '0', slots: 2 }])
    const { log, processor, finish } = mockStages()
    const p = inProcessGpuSlots(processor, gpus)
    const runs = [p.run('pc2', { name: 'a' } as never), p.run('c2', { name: 'b' } as never)]
    await settle()
    expect(log).toEqual(['start pc2:a', 'start c2:b'])
    await finish('pc2:a')
    await finish('c2:b')
    await Promise.all(runs)
  })

  it('leave the processor as it is on a worker without GPUs', () => {
    const { processor } = mockStages()
    expect(inProcessGpuSlots(processor, slots([]))).toBe(processor)
  })
})
