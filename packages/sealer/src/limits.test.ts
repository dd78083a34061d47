import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { SlotPool } from './limits.js'

describe('stage slot pool', () => {
  it('never hands out more slots than the limit and records the peak', async () => {
    const pool = new SlotPool({ pc1: 2 })
    let live = 0
    let max = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const release = await pool.acquire('pc1')
        live++
        max = Math.max(max, live)
        await new Promise((r) => setTimeout(r, 2))
        live--
        release()
      }),
    )
    expect(max).toBe(2)
    expect(pool.stats('pc1')).toMatchObject({ limit: 2, inUse: 0, peak: 2, acquired: 8 })
  })

  it('treats a stage without a limit as unlimited', async () => {
    const pool = new SlotPool({})
    const rs = await Promise.all([pool.acquire('c2'), pool.acquire('c2'), pool.acquire('c2')])
    expect(pool.stats('c2').peak).toBe(3)
    for (const r of rs) r()
  })

  it('leaves no abort listener on a long-lived signal after waits that ended with a slot', async () => {
    const pool = new SlotPool({ pc1: 1 })
    const signal = new AbortController().signal
    for (let i = 0; i < 50; i++) {
      const first = await pool.acquire('pc1', signal)
      const waiting = pool.acquire('pc1', signal)
      first()
      ;(await waiting)()
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  })

  it('stops waiting when the signal aborts, without losing the slot', async () => {
    const pool = new SlotPool({ pc2: 1 })
    const held = await pool.acquire('pc2')
    const ac = new AbortController()
    const waiting = pool.acquire('pc2', ac.signal)
    ac.abort()
    await expect(waiting).rejects.toThrow(/aborted/)
    held()
    const again = await pool.acquire('pc2')
    again()
    again() // releasing twice is harmless
    expect(pool.stats('pc2').inUse).toBe(0)
  })

  it('acquires several ext locks in order and releases them together', async () => {
    const pool = new SlotPool({ gpu: 1, disk: 1 })
    const r = await pool.acquireAll(['gpu', 'disk'])
    expect(pool.stats('gpu').inUse + pool.stats('disk').inUse).toBe(2)
    r()
    expect(pool.stats('gpu').inUse + pool.stats('disk').inUse).toBe(0)
  })

  it('rejects a zero limit, which would block forever', () => {
    expect(() => new SlotPool({ pc1: 0 })).toThrow(/limit of pc1 must be a positive integer/)
  })

  it('spaces starts of a staggered stage', async () => {
    const pool = new SlotPool({}, { staggeredMs: { pc1: 20 } })
    const starts: number[] = []
    await Promise.all(
      [0, 1, 2].map(async () => {
        const r = await pool.acquire('pc1')
        starts.push(Date.now())
        r()
      }),
    )
    starts.sort((a, b) => a - b)
    expect((starts[2] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(35)
  })
})
