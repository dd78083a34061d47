import { getEventListeners } from 'node:events'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type ExternalProcessor, externalProcessor } from './external.js'
import { GpuSlots } from './gpu.js'
import { SlotPool } from './limits.js'
import { runProcessorChild } from './processor-child.js'
import { fromStageWire, toStageWire } from './processors.js'

const echo = fileURLToPath(new URL('./__fixtures__/echo-processor.mjs', import.meta.url))
let proc: ExternalProcessor | undefined
let others: ExternalProcessor[] = []
afterEach(async () => {
  await proc?.close?.()
  proc = undefined
  await Promise.all(others.map((p) => p.close?.()))
  others = []
})

const run = (p: ExternalProcessor, data: unknown) => p.run('pc2', data as never) as Promise<unknown>

describe('external processors (line-JSON child protocol)', () => {
  it('waits for the ready line, skips undecodable lines and matches out-of-order answers by id', async () => {
    proc = externalProcessor({ stage: 'pc2', children: [{ bin: process.execPath, args: [echo, 'pc2'] }] })
    await proc.ready
    const order: number[] = []
    const results = await Promise.all(
      [60, 1, 30].map(async (delay, i) => {
        const r = (await run(proc as ExternalProcessor, { delay, i, bytes: new Uint8Array([1, 2]) })) as {
          echo: { i: number; bytes: Uint8Array }
        }
        order.push(i)
        return r
      }),
    )
    expect(order).toEqual([1, 2, 0])
    expect(results.map((r) => r.echo.i)).toEqual([0, 1, 2])
    expect(results[0]?.echo.bytes).toEqual(new Uint8Array([1, 2]))
  })

  it('turns err_msg into a PROCESSOR_FAILED error', async () => {
    proc = externalProcessor({ stage: 'pc2', children: [{ bin: process.execPath, args: [echo, 'pc2'] }] })
    await expect(run(proc, { fail: true })).rejects.toThrow(/pc2 processor: asked to fail/)
  })

  it('fails startup when the child does not print its ready line within stable_wait', async () => {
    proc = externalProcessor({
      stage: 'pc2',
      children: [{ bin: process.execPath, args: [echo, 'pc2', '--silent'], stableWaitMs: 300 }],
    })
    await expect(proc.ready).rejects.toThrow(/did not print "pc2 processor ready" within 300 ms/)
  })

  it('restarts a child that dies; the request in flight fails and later ones succeed', async () => {
    proc = externalProcessor({
      stage: 'pc2',
      restartDelayMs: 10,
      children: [{ bin: process.execPath, args: [echo, 'pc2'] }],
    })
    await proc.ready
    const before = proc.pids()[0]
    await expect(run(proc, { die: true })).rejects.toThrow(/pc2 processor died/)
    await new Promise((r) => setTimeout(r, 50))
    const r = (await run(proc, { ok: 1 })) as { pid: number }
    expect(r.pid).not.toBe(before)
    expect(proc.restarts()).toEqual([1])
  })

  it('kills its children on close', async () => {
    proc = externalProcessor({ stage: 'pc2', children: [{ bin: process.execPath, args: [echo, 'pc2'] }] })
    await proc.ready
    const pid = proc.pids()[0] as number
    await proc.close?.()
    proc = undefined
    expect(() => process.kill(pid, 0)).toThrow()
  })

  it('holds the child ext locks around each request', async () => {
    const locks = new SlotPool({ gpu: 1 })
    proc = externalProcessor({
      stage: 'pc2',
      locks,
      children: [{ bin: process.execPath, args: [echo, 'pc2'], locks: ['gpu'] }],
    })
    await Promise.all([run(proc, { delay: 10 }), run(proc, { delay: 10 }), run(proc, { delay: 10 })])
    expect(locks.stats('gpu')).toMatchObject({ peak: 1, acquired: 3, inUse: 0 })
  })

  it('starts a child pinned to a GPU with CUDA_VISIBLE_DEVICES set to it, over what its envs say', async () => {
    proc = externalProcessor({
      stage: 'c2',
      children: [
        { bin: process.execPath, args: [echo, 'c2'], gpu: '1', env: { CUDA_VISIBLE_DEVICES: '0,1' } },
      ],
    })
    const r = (await proc.run('c2', {} as never)) as unknown as { cuda: string | null }
    expect(r.cuda).toBe('1')
    others.push(externalProcessor({ stage: 'c2', children: [{ bin: process.execPath, args: [echo, 'c2'] }] }))
    const unpinned = (await (others[0] as ExternalProcessor).run('c2', {} as never)) as unknown as {
      cuda: string | null
    }
    expect(unpinned.cuda).toBe(process.env.CUDA_VISIBLE_DEVICES ?? null)
  })

  it('runs a PC2 and a C2 that share the only slot of one GPU one after the other, on the children of that GPU', async () => {
    const gpus = new GpuSlots({
      devices: [
        { id: '0', slots: 1 },
        { id: '1', slots: 1 },
      ],
      stageSlots: { pc2: 1, c2: 1, snap_prove: 1, wdpost: 1 },
    })
    const child = (stage: string, gpu: string) => ({ bin: process.execPath, args: [echo, stage], gpu })
    // PC2 has a child on each GPU; C2 only one, on GPU 0.
    const pc2 = externalProcessor({ stage: 'pc2', gpus, children: [child('pc2', '0'), child('pc2', '1')] })
    const c2 = externalProcessor({ stage: 'c2', gpus, children: [child('c2', '0')] })
    others.push(pc2, c2)
    type Answer = { cuda: string; start: number; end: number; echo: { n: number } }
    const results = (await Promise.all([
      ...[1, 2, 3, 4].map((n) => pc2.run('pc2', { n, delay: 30 } as never)),
      ...[5, 6].map((n) => c2.run('c2', { n, delay: 30 } as never)),
    ])) as unknown as Answer[]
    // Each request ran on a child of the GPU it held.
    expect(results.slice(4).map((r) => r.cuda)).toEqual(['0', '0'])
    for (const device of ['0', '1']) {
      const on = results.filter((r) => r.cuda === device).sort((a, b) => a.start - b.start)
      for (let i = 1; i < on.length; i++) {
        expect(
          on[i]?.start,
          `GPU ${device}: request ${on[i]?.echo.n} began before ${on[i - 1]?.echo.n} ended`,
        ).toBeGreaterThanOrEqual(on[i - 1]?.end as number)
      }
    }
    expect(gpus.stats('0')).toMatchObject({ peak: 1, inUse: 0 })
    expect(gpus.stats('1')).toMatchObject({ peak: 1, inUse: 0 })
    expect(gpus.stats('0').acquired + gpus.stats('1').acquired).toBe(6)
  })

  it('refuses a GPU stage child without a GPU on a worker with GPUs', () => {
    const gpus = new GpuSlots({
      devices: [{ id: '0', slots: 1 }],
      stageSlots: { pc2: 1, c2: 1, snap_prove: 1, wdpost: 1 },
    })
    expect(() =>
      externalProcessor({ stage: 'c2', gpus, children: [{ bin: process.execPath, args: [echo, 'c2'] }] }),
    ).toThrow(/c2 processor 0 has no gpu; on a worker with GPUs each c2 processor computes on one/)
  })

  it('adds no abort listener per request: none left, and no leak warning, after 100 requests on one signal', async () => {
    proc = externalProcessor({ stage: 'pc2', children: [{ bin: process.execPath, args: [echo, 'pc2'] }] })
    await proc.ready
    // One signal for all requests, as a sealing thread passes its stop signal to every stage.
    const signal = new AbortController().signal
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      for (let i = 0; i < 100; i += 4) {
        await Promise.all(
          [0, 1, 2, 3].map((j) => (proc as ExternalProcessor).run('pc2', { i: i + j } as never, { signal })),
        )
      }
      expect(getEventListeners(signal, 'abort')).toHaveLength(0)
      await new Promise((r) => setTimeout(r, 10))
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning')
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('serves stage requests in child mode on the mock backend', async () => {
    const input = new PassThrough()
    const output = new PassThrough()
    const lines: string[] = []
    output.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)))
    const done = runProcessorChild({ stage: 'c2', backend: mockProofs(), input, output })
    input.write('garbage\n')
    input.write(
      `${JSON.stringify({ id: 7, data: toStageWire({ phase1Output: new Uint8Array([1]), proverId: new Uint8Array(32), sectorNumber: 1 }) })}\n`,
    )
    input.end()
    await done
    expect(lines[0]).toBe('c2 processor ready')
    const answer = JSON.parse(lines[1] ?? '{}')
    expect(answer.id).toBe(7)
    expect(answer.err_msg).toMatch(/./)
    expect(fromStageWire({ a: { '/bytes': 'AQI=' } })).toEqual({ a: new Uint8Array([1, 2]) })
  })
})
