import { isVenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { toVenusError } from '../src/errors.js'
import { WorkQueue } from '../src/queue.js'

describe('WorkQueue', () => {
  it('runs at most `limit` jobs at once and runs them all', async () => {
    const q = new WorkQueue(1)
    let active = 0
    let peak = 0
    const job = async (v: number) => {
      active++
      peak = Math.max(peak, active)
      await new Promise((r) => setImmediate(r))
      active--
      return v
    }
    const results = await Promise.all([1, 2, 3].map((v) => q.run(() => job(v))))
    expect(results).toEqual([1, 2, 3])
    expect(peak).toBe(1)
  })

  it('hands a freed slot to the first waiter, so a caller arriving meanwhile cannot start too', async () => {
    // Whatever the number of microtask turns between the release and the new caller.
    for (let turns = 0; turns < 6; turns++) {
      const q = new WorkQueue(1)
      let active = 0
      let peak = 0
      const job = async () => {
        active++
        peak = Math.max(peak, active)
        await new Promise((r) => setImmediate(r))
        active--
      }
      let release!: () => void
      const first = q.run(
        () =>
          new Promise<void>((resolve) => {
            release = resolve
          }),
      )
      const waiter = q.run(job)
      release()
      for (let t = 0; t < turns; t++) await Promise.resolve()
      const late = q.run(job)
      await Promise.all([first, waiter, late])
      expect(peak, `after ${turns} microtask turns`).toBe(1)
      expect(q.running).toBe(0)
    }
  })

  it('frees the slot when a job fails', async () => {
    const q = new WorkQueue(1)
    await expect(q.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x')
    expect(await q.run(async () => 7)).toBe(7)
    expect(q.running).toBe(0)
  })
})

describe('toVenusError', () => {
  it('maps caught panics, bad arguments, missing parameters and failures to typed codes', () => {
    expect(toVenusError(new Error('panic in proofs: boom'), 'c2').code).toBe('PROOFS_PANIC')
    expect(
      toVenusError(Object.assign(new Error('ticket must be 32 bytes'), { code: 'InvalidArg' }), 'pc1').code,
    ).toBe('PROOFS_INVALID_INPUT')
    const missing = toVenusError(new Error('No cached parameters found for v28-x [failure finding /p]'), 'c2')
    expect(missing.code).toBe('PROOFS_PARAMS_MISSING')
    expect(missing.message).toContain('util params')
    const failed = toVenusError(new Error('Invalid vanilla proof generated'), 'c1')
    expect(isVenusError(failed, 'PROOFS_FAILED')).toBe(true)
    expect(failed.details).toEqual({ call: 'c1', reason: 'Invalid vanilla proof generated' })
  })
})
