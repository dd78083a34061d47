import { afterEach, describe, expect, it, vi } from 'vitest'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain } from '../fake-chain.js'
import { SectorManager } from '../manager.js'
import { createManagerMetrics, type PostResult, type TrackedMessage } from '../metrics/manager-metrics.js'
import { openSqliteStore } from '../store/sqlite.js'
import { TelemetrySampler } from '../telemetry/sampler.js'
import { dashboardCharts, feesPerDay, MAX_PLOT_POINTS, wheelOf } from './charts.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const DAY = Date.UTC(2026, 11, 7, 12)
const msg = (o: Partial<TrackedMessage>): TrackedMessage => ({
  uid: 'u',
  miner: 1000,
  kind: 'pre',
  sectors: 1,
  state: 'onchain',
  createdAt: DAY,
  value: '0',
  maxFee: '20000000000000000',
  maxFeeCap: '0',
  ...o,
})

describe('gas per day', () => {
  it('sums gas and fee limits per day and kind, and counts what batching saved against single-sector messages', () => {
    const days = feesPerDay([
      msg({ sectors: 1, gasUsed: 10_000_000 }),
      msg({ sectors: 4, gasUsed: 16_000_000, maxFee: '80000000000000000' }),
      msg({ kind: 'prove', sectors: 4, gasUsed: 50_000_000 }),
      msg({ createdAt: DAY + 86_400_000, sectors: 2 }),
    ])
    expect(days).toEqual([
      {
        day: '2026-12-07',
        kind: 'pre',
        messages: 2,
        sectors: 5,
        gasUsed: 26_000_000,
        maxFee: '100000000000000000',
        maxFeeFil: '100 milliFIL',
        messagesSaved: 3,
        // 5 sectors alone would have used 5 × 10M.
        gasSaved: 24_000_000,
      },
      expect.objectContaining({ day: '2026-12-07', kind: 'prove', messagesSaved: 3, gasSaved: null }),
      // Not on chain yet: no gas, nothing to compare.
      expect.objectContaining({
        day: '2026-12-08',
        kind: 'pre',
        gasUsed: 0,
        messagesSaved: 1,
        gasSaved: null,
      }),
    ])
  })
})

describe('proving-period wheel', () => {
  const post = (deadline: number, open: number, o: Partial<PostResult> = {}): PostResult => ({
    miner: 1000,
    deadline,
    partitions: 1,
    durationMs: 1,
    ok: true,
    open,
    ...o,
  })

  it("marks this period's deadlines proven, faulty or without proof, the open one and those to come", () => {
    const w = wheelOf(1000, { index: 4, deadlines: 48, periodStart: 1000, challengeWindow: 60 }, [
      // Newest first, as the metrics keep them.
      post(3, 1180, { ok: false, error: 'missed' }),
      post(2, 1120, { skipped: 2 }),
      post(1, 1060),
      // Deadline 0 of the previous period: not this period's proof.
      post(0, 1000 - 48 * 60),
      post(5, 1000 - 43 * 60),
      { ...post(1, 1060), miner: 2000, ok: false },
    ])
    expect(w.current).toBe(4)
    expect(w.deadlines.slice(0, 6)).toEqual(['noProof', 'proven', 'faulty', 'faulty', 'current', 'upcoming'])
    expect(w.deadlines.slice(6).every((d) => d === 'upcoming')).toBe(true)
    expect(w.deadlines).toHaveLength(48)
  })
})

describe('dashboard charts', () => {
  it('turns the sampled series into aligned columns: throughput per hour, queue depths, utilisation, power', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    cleanups.push(() => store.close())
    let power = 0n
    const chainWithPower = Object.assign(Object.create(chain), {
      minerPower: async () => ({ raw: power, qa: power * 10n }),
    }) as typeof chain
    const manager = new SectorManager({
      store,
      chain: chainWithPower,
      messager: chain,
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      tickMs: 3_600_000,
    })
    let now = Date.now() - 3 * 3_600_000
    // Samples count from the store's index: a farm has one online record per sealing thread.
    const readAll = vi.spyOn(store, 'listSectors')
    const sampler = new TelemetrySampler({ manager, intervalMs: 3_600_000, now: () => now })
    await sampler.start()
    cleanups.push(() => sampler.stop())
    manager.workers.ping({ name: 'w', dest: '', summary: { threads: 4, empty: 2, paused: 1, errors: 1 } })
    await sampler.sample()
    const s = await manager.allocateSector({ allowedMiners: null, allowedProofTypes: null })
    if (s === null) throw new Error('no sector')
    for (const [prev, next] of [
      ['Empty', 'Allocated'],
      ['Allocated', 'PC1Done'],
    ])
      await manager.reportState(s.id, {
        worker: { instance: 'w', location: '/a' },
        stateChange: { prev: prev as string, next: next as string, event: 'e' },
        failure: null,
      })
    now += 3_600_000
    power = 2048n
    await sampler.sample()
    now += 1_800_000
    await sampler.sample()

    const metrics = createManagerMetrics({ manager, processMetrics: false })
    metrics.observeStage('PC1', 40)
    metrics.observeStage('PC1', 4000)
    const c = await dashboardCharts(manager, metrics, 4 * 3_600_000)
    // Two reports in the hour before the second sample; none in the half hour before the third.
    expect(c.throughput.lines).toEqual([
      { name: 'Allocated', values: [1, 0] },
      { name: 'PC1Done', values: [1, 0] },
    ])
    expect(c.queues.lines).toEqual([
      { name: 'PC1Done', values: [0, 1, 1] },
      { name: 'queue: precommit', values: [0, 0, 0] },
      { name: 'queue: prove-commit', values: [0, 0, 0] },
    ])
    expect(c.workers.lines).toEqual([
      { name: 'threads', values: [4, 4, 4] },
      { name: 'sealing', values: [0, 1, 1] },
      { name: 'paused', values: [1, 1, 1] },
      { name: 'errors', values: [1, 1, 1] },
    ])
    expect(c.power.lines).toEqual([
      { name: 'raw t01000', values: [0, 2048, 2048] },
      { name: 'QA t01000', values: [0, 20480, 20480] },
    ])
    expect(c.power.at).toEqual(c.queues.at)
    expect(readAll).not.toHaveBeenCalled()
    const pc1 = c.stages.stages.find((x) => x.stage === 'PC1')
    expect(pc1).toMatchObject({ count: 2, seconds: 4040 })
    // 40 s falls in the ≤ 60 s bucket, 4000 s in the ≤ 7200 s one.
    expect(pc1?.counts[c.stages.buckets.indexOf(60)]).toBe(1)
    expect(pc1?.counts[c.stages.buckets.indexOf(7200)]).toBe(1)
    // The fake chain does not tell the proving deadline: no wheel rather than a made-up one.
    expect(c.wheels).toEqual([])
  })

  it('averages a long window down to at most MAX_PLOT_POINTS points per line', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    cleanups.push(() => store.close())
    const manager = new SectorManager({
      store,
      chain,
      messager: chain,
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      tickMs: 3_600_000,
    })
    const start = Date.now() - 3000 * 60_000
    const samples = Array.from({ length: 3000 }, (_, i) => [
      { series: 'sectors', at: start + i * 60_000, value: { PC1Done: i % 2 === 0 ? 2 : 4 } },
      { series: 'power/1000', at: start + i * 60_000, value: { raw: String(i), qa: String(i) } },
    ]).flat()
    await store.appendSamples(samples, 0)
    const c = await dashboardCharts(
      manager,
      createManagerMetrics({ manager, processMetrics: false }),
      3 * 86_400_000,
    )
    expect(c.queues.at.length).toBeLessThanOrEqual(MAX_PLOT_POINTS)
    expect(c.queues.at.length).toBeGreaterThan(MAX_PLOT_POINTS / 2)
    // Buckets of 5 alternate 2,4,2,4,2 / 4,2,4,2,4: their means are 2.8 and 3.2, never 2 or 4.
    const pc1 = c.queues.lines.find((l) => l.name === 'PC1Done')?.values ?? []
    expect(new Set(pc1.map((v) => Number(v?.toFixed(1))))).toEqual(new Set([2.8, 3.2]))
    // A gauge keeps its last point.
    expect(c.power.at.length).toBeLessThanOrEqual(MAX_PLOT_POINTS)
    expect(c.power.lines[0]?.values.at(-1)).toBe(2999)
  })

  it('drops samples older than the retention when it writes new ones', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    cleanups.push(() => store.close())
    const manager = new SectorManager({
      store,
      chain,
      messager: chain,
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      tickMs: 3_600_000,
    })
    let now = 1_000_000
    const sampler = new TelemetrySampler({ manager, intervalMs: 1000, retentionMs: 5000, now: () => now })
    for (let i = 0; i < 10; i++, now += 1000) await sampler.sample()
    const kept = await store.listSamples('queues', 0)
    expect(kept.map((k) => k.at)).toEqual([1_004_000, 1_005_000, 1_006_000, 1_007_000, 1_008_000, 1_009_000])
    expect(() => new TelemetrySampler({ manager, intervalMs: 1000, retentionMs: 10 })).toThrow(/retentionMs/)
  })
})
