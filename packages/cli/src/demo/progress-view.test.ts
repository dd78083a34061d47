import type { ThreadStepEvent } from '@venus-cluster/sealer'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { liveProgress } from '../progress.js'
import { progressView } from './progress-view.js'
import { StageTracker } from './stages.js'

afterEach(() => {
  vi.useRealTimers()
})

const step = (prev: string, next: string) =>
  ({
    thread: 0,
    plan: 'sealer',
    sector: { miner: 1000, number: 1 },
    prev,
    next,
    failure: null,
  }) as ThreadStepEvent

describe('demo progress in a log (not a terminal)', () => {
  it('says a long stage is still running, and for how long, without repeating short ones', () => {
    vi.useFakeTimers({ now: 0 })
    const out: string[] = []
    const tracker = new StageTracker()
    const view = progressView(tracker, { write: (s: string) => out.push(s) } as never, {
      start: 0,
      heartbeatMs: 30_000,
    })
    tracker.onStep(0, step('Empty', 'Allocated'))
    tracker.onStep(0, step('Allocated', 'PieceAdded'))
    vi.advanceTimersByTime(29_000)
    expect(out.join('')).not.toContain('still in')
    vi.advanceTimersByTime(31_000)
    // Two heartbeats so far: the stage began at 0, so 30 s and 60 s.
    expect(out.filter((l) => l.includes('still in'))).toEqual([
      '[ 30.0s] s-t01000-1 still in TreeD after 30 s (worker 1)\n',
      '[ 60.0s] s-t01000-1 still in TreeD after 1 min 00 s (worker 1)\n',
    ])
    // A new stage starts its own clock.
    tracker.onStep(0, step('PieceAdded', 'TreeDBuilt'))
    vi.advanceTimersByTime(30_000)
    expect(out.at(-1)).toBe('[ 90.0s] s-t01000-1 still in PC1 after 30 s (worker 1)\n')
    view.close()
    vi.advanceTimersByTime(120_000)
    expect(out.at(-1)).toBe('[ 90.0s] s-t01000-1 still in PC1 after 30 s (worker 1)\n')
  })
})

describe('live progress line', () => {
  it('redraws a spinner with the elapsed time on a terminal and prints the end with its duration', () => {
    vi.useFakeTimers({ now: 0 })
    const out: string[] = []
    const p = liveProgress('waiting for bafy1', { sink: { isTTY: true, write: (s) => out.push(s) } })
    vi.advanceTimersByTime(2_400)
    expect(out.at(-1)).toMatch(/^\r. waiting for bafy1 \(2\.4 s\)/)
    p.stop('landed')
    expect(out.at(-1)).toBe('landed (after 2.4 s)\n')
  })

  it('writes a plain line every interval elsewhere', () => {
    vi.useFakeTimers({ now: 0 })
    const out: string[] = []
    const p = liveProgress('C2', { sink: { write: (s) => out.push(s) }, everyMs: 30_000 })
    vi.advanceTimersByTime(185_000)
    expect(out).toHaveLength(6)
    expect(out.at(-1)).toBe('C2: still running after 3 min 00 s\n')
    p.stop()
  })
})
