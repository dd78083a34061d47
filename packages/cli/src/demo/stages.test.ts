import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ThreadStepEvent } from '@venus-cluster/sealer'
import { afterAll, describe, expect, it } from 'vitest'
import { hasPoRepParameters } from './proofs.js'
import type { DemoSummary } from './run.js'
import { DEMO_SNAP_STAGES, DEMO_STAGES, StageTracker } from './stages.js'
import { summaryLines } from './summary.js'

/** Test sectors by label: the tracker keys them by their file name (`s-t01000-<n>`). */
const IDS: Record<string, number> = { 's-1': 1, a: 2, b: 3 }
const name = (label: string) => `s-t01000-${IDS[label]}`

const step = (label: string | null, prev: string, next: string, failure: ThreadStepEvent['failure'] = null) =>
  ({
    thread: 0,
    plan: 'sealer',
    sector: label === null ? null : { miner: 1000, number: IDS[label] },
    prev,
    next,
    failure,
  }) as ThreadStepEvent

describe('StageTracker', () => {
  it('charges the time before each stage-ending state to that stage', () => {
    let now = 1000
    const t = new StageTracker(() => now)
    t.onStep(0, step('s-1', 'Empty', 'Allocated'))
    now += 10
    t.onStep(0, step('s-1', 'Allocated', 'PieceAdded'))
    now += 30
    t.onStep(0, step('s-1', 'PieceAdded', 'TreeDBuilt'))
    now += 5
    t.onStep(0, step('s-1', 'TreeDBuilt', 'TicketAssigned'))
    now += 100
    t.onStep(0, step('s-1', 'TicketAssigned', 'PC1Done'))
    const byStage = Object.fromEntries(t.timings().map((x) => [x.stage, x]))
    expect(byStage.AddPiece).toEqual({ stage: 'AddPiece', sectors: 1, meanMs: 10, maxMs: 10 })
    expect(byStage.TreeD?.meanMs).toBe(30)
    // The ticket is part of PC1: it is drawn right before it.
    expect(byStage.PC1?.meanMs).toBe(105)
    expect(byStage.C2?.sectors).toBe(0)
    expect(t.sectors.get(name('s-1'))?.stageIndex).toBe(3)
    expect(t.finished()).toEqual([])
  })

  it('times the snapup stages when given them, finishing a snap-up at Finished', () => {
    let now = 0
    const t = new StageTracker(() => now, DEMO_SNAP_STAGES)
    const path = ['Allocated', 'PieceAdded', 'SnapEncoded', 'SnapProved', 'Persisted', 'PersistanceSubmitted']
    let prev = 'Empty'
    for (const next of [...path, 'ProofSubmitted', 'Finished']) {
      t.onStep(0, step('s-1', prev, next))
      prev = next
      now += 10
    }
    expect(t.timings().map((x) => [x.stage, x.meanMs])).toEqual([
      ['SnapAddPiece', 10],
      ['SnapEncode', 10],
      ['SnapProve', 10],
      // Persisted, then the manager told.
      ['SnapPersist', 20],
      // The proof submitted, then the thread finishes.
      ['SnapSubmit', 20],
    ])
    expect(t.finished().map((p) => p.sector)).toEqual([name('s-1')])
  })

  it('marks a sector finished at Finished and failed on a permanent failure or abort', () => {
    let now = 0
    const t = new StageTracker(() => now)
    const seen: string[] = []
    t.onChange((p) => seen.push(`${p.sector}:${p.state}`))
    t.onStep(0, step(null, 'Empty', 'Empty'))
    t.onStep(1, step('a', 'Empty', 'Allocated'))
    now = 50
    t.onStep(1, step('a', 'ProofSubmitted', 'Finished'))
    t.onStep(0, step('b', 'Empty', 'Allocated'))
    t.onStep(0, step('b', 'Allocated', 'Allocated', { level: 'Temporary', desc: 'retry' }))
    expect(t.sectors.get(name('b'))?.failed).toBeUndefined()
    t.onStep(0, step('b', 'Allocated', 'Allocated', { level: 'Permanent', desc: 'bad piece' }))
    expect(t.sectors.get(name('b'))?.failed).toBe('Permanent: bad piece')
    expect(t.finished().map((p) => [p.sector, p.worker, p.finishedAt])).toEqual([[name('a'), 1, 50]])
    expect(t.sectors.get(name('a'))?.stageIndex).toBe(DEMO_STAGES.length)
    expect(seen[0]).toBe(`${name('a')}:Allocated`)
  })
})

describe('hasPoRepParameters', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })
  it('needs a PoRep .meta of the sector size with non-empty .params and .vk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-params-'))
    dirs.push(dir)
    expect(await hasPoRepParameters(dir, 2048)).toBe(false)
    expect(await hasPoRepParameters(join(dir, 'missing'), 2048)).toBe(false)
    const base = join(
      dir,
      'v28-stacked-proof-of-replication-merkletree-poseidon_hasher-8-0-0-sha256_hasher-abc',
    )
    await writeFile(`${base}.meta`, '{"sector_size":2048}')
    await writeFile(`${base}.params`, 'x')
    expect(await hasPoRepParameters(dir, 2048)).toBe(false)
    await writeFile(`${base}.vk`, 'x')
    expect(await hasPoRepParameters(dir, 2048)).toBe(true)
    expect(await hasPoRepParameters(dir, 8 << 20)).toBe(false)
  })
})

describe('summaryLines', () => {
  it('prints sectors, stage times, messages, fees and the WindowPoSt note', () => {
    const s: DemoSummary = {
      ok: true,
      proofs: { kind: 'mock', reason: 'x' },
      sectorSize: '2KiB',
      workers: 1,
      miner: 't01001',
      home: '/tmp/x',
      kept: true,
      sectors: [{ sector: 's-t01001-1', number: 1, worker: 1, sealMs: 1500, activation: 20, expiration: 99 }],
      stages: [
        { stage: 'PC1', sectors: 1, meanMs: 120, maxMs: 120 },
        { stage: 'C2', sectors: 0, meanMs: 0, maxMs: 0 },
      ],
      wallMs: 2500,
      startupMs: 100,
      epochs: 20,
      messages: {
        count: 2,
        byKind: { pre: 1, prove: 1 },
        gasUsed: 1234567,
        list: [
          { kind: 'pre', method: 28, sectors: [1], exitCode: 0, gasUsed: 1, value: '5' },
          { kind: 'prove', method: 34, sectors: [1], exitCode: 0, gasUsed: 1, value: '7' },
        ],
      },
      fees: { gasFeesAtto: '1000000000000000', lockedAtto: '12' },
      power: { rawBytes: '0', qaBytes: '0', committedBytes: '2048', note: 'pending' },
      dashboardUrl: undefined,
      windowPoSt: { included: false, note: 'WindowPoSt left out' },
    }
    const text = summaryLines(s).join('\n')
    expect(text).toContain('1 × 2KiB sectors sealed, active on chain in 2.50s')
    expect(text).toMatch(/PC1 +0\.12s +0\.12s/)
    expect(text).not.toMatch(/^ {2}C2 /m)
    expect(text).toContain('2 (1 pre, 1 prove), all exit code 0')
    expect(text).toContain('1,234,567')
    expect(text).toContain('0.001 FIL')
    expect(text).toContain('0 B raw (2 KiB committed: pending)')
    expect(text).toContain('WindowPoSt left out')
    expect(text).toContain('/tmp/x (kept)')
    const proven = summaryLines({
      ...s,
      power: { ...s.power, rawBytes: '2048', note: 'proven by WindowPoSt' },
      windowPoSt: { included: true, deadlines: [3], messages: 1, gasUsed: 57_000_000, epochs: 40, ms: 310 },
    }).join('\n')
    expect(proven).toContain('sealed, active on chain and proven by WindowPoSt in 2.50s')
    expect(proven).toContain('; 1 WindowPoSt')
    expect(proven).toContain('1,234,567 sealing + 57,000,000 WindowPoSt')
    expect(proven).toContain('2 KiB raw (2 KiB committed: proven by WindowPoSt)')
    expect(proven).toContain('deadline(s) 3 proven in 0.31s (40 epochs, 1 message(s)')
  })
})
