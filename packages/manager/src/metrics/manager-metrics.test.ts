import { describe, expect, it } from 'vitest'
import type { SectorManager } from '../manager.js'
import type { StoredMessage } from '../store/types.js'
import { createManagerMetrics } from './manager-metrics.js'
import { parsePromText, promValue } from './prom-text.js'

function stubManager(messages: StoredMessage[], onchain: Set<string>): SectorManager {
  return {
    store: {
      countSectors: async () => [],
      countQueue: async () => 0,
      listRecentMessages: async (limit: number) =>
        [...messages].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit),
    },
    workers: { pings: () => [] },
    messager: {
      getMessageByUid: async (uid: string) =>
        onchain.has(uid)
          ? {
              state: 'onchain',
              confidence: 1,
              receipt: { exitCode: 0, return: new Uint8Array(), gasUsed: 42_000_000 },
            }
          : { state: 'pending', confidence: 0 },
    },
  } as unknown as SectorManager
}

const msg = (uid: string, kind: 'pre' | 'prove', sectors: number): StoredMessage => ({
  uid,
  miner: 1000,
  kind,
  sectors: Array.from({ length: sectors }, (_, i) => i + 1),
  body: { Value: '1000', Spec: { MaxFee: '500', MaxFeeCap: '7' } },
  state: 'pushed',
  createdAt: 1,
})

describe('manager metrics', () => {
  it('observes each commit message once: batch size, value, fee limit, then gas when it lands', async () => {
    const onchain = new Set<string>()
    const messages = [msg('a', 'pre', 8), msg('b', 'prove', 4)]
    const m = createManagerMetrics({ manager: stubManager(messages, onchain), processMetrics: false })
    await m.refreshMessages()
    onchain.add('a')
    let s = parsePromText(await m.scrape())
    expect(promValue(s, 'venus_commit_batch_sectors_count', { kind: 'pre' })).toBe(1)
    expect(promValue(s, 'venus_commit_batch_sectors_sum', { kind: 'pre' })).toBe(8)
    expect(promValue(s, 'venus_commit_batch_sectors_sum', { kind: 'prove' })).toBe(4)
    expect(promValue(s, 'venus_message_value_attofil_total', { kind: 'pre' })).toBe(1000)
    expect(promValue(s, 'venus_message_max_fee_attofil_total', { kind: 'prove' })).toBe(500)
    expect(promValue(s, 'venus_message_gas_used_sum', { kind: 'pre' })).toBe(42_000_000)
    expect(promValue(s, 'venus_commit_messages_tracked', { state: 'onchain' })).toBe(1)
    s = parsePromText(await m.scrape())
    expect(promValue(s, 'venus_commit_batch_sectors_count', { kind: 'pre' })).toBe(1)
    expect(promValue(s, 'venus_message_gas_used_count', { kind: 'pre' })).toBe(1)
  })

  it('follows only the newest keepMessages messages, however many the store holds', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ ...msg(`m${i}`, 'pre', 2), createdAt: i }))
    const m = createManagerMetrics({
      manager: stubManager(messages, new Set()),
      processMetrics: false,
      keepMessages: 10,
    })
    const first = await m.refreshMessages()
    expect(first.map((t) => t.uid)).toEqual(Array.from({ length: 10 }, (_, i) => `m${49 - i}`))
    messages.push({ ...msg('m50', 'pre', 2), createdAt: 50 })
    const second = await m.refreshMessages()
    expect(second.length).toBe(10)
    expect(second[0]?.uid).toBe('m50')
    // Each message is counted once, when it first enters the newest.
    const s = parsePromText(await m.scrape())
    expect(promValue(s, 'venus_commit_batch_sectors_count', { kind: 'pre' })).toBe(11)
  })

  it('reads a short page of the newest messages when little is new, more after a burst', async () => {
    const messages = Array.from({ length: 500 }, (_, i) => ({ ...msg(`m${i}`, 'pre', 1), createdAt: i }))
    const mgr = stubManager(messages, new Set())
    const limits: number[] = []
    const list = mgr.store.listRecentMessages.bind(mgr.store)
    mgr.store.listRecentMessages = async (limit: number) => {
      limits.push(limit)
      return list(limit)
    }
    const m = createManagerMetrics({ manager: mgr, processMetrics: false, keepMessages: 300 })
    // The first refresh finds only new messages: it reads on up to keepMessages.
    expect((await m.refreshMessages()).length).toBe(300)
    expect(limits.at(-1)).toBe(300)
    limits.length = 0
    messages.push({ ...msg('m500', 'pre', 1), createdAt: 500 })
    expect((await m.refreshMessages())[0]?.uid).toBe('m500')
    expect(limits).toEqual([64])
    // A burst larger than the first page is read whole.
    limits.length = 0
    for (let i = 501; i < 601; i++) messages.push({ ...msg(`m${i}`, 'pre', 1), createdAt: i })
    const after = await m.refreshMessages()
    expect(after.length).toBe(300)
    expect(after[0]?.uid).toBe('m600')
    expect(limits).toEqual([64, 256])
    const s = parsePromText(await m.scrape())
    expect(promValue(s, 'venus_commit_batch_sectors_count', { kind: 'pre' })).toBe(401)
  })

  it('sees the push of a message created before the newest page', async () => {
    const messages: StoredMessage[] = [{ ...msg('old', 'pre', 1), state: 'created', createdAt: 0 }]
    const m = createManagerMetrics({ manager: stubManager(messages, new Set()), processMetrics: false })
    expect((await m.refreshMessages())[0]?.state).toBe('created')
    for (let i = 1; i <= 100; i++) messages.push({ ...msg(`m${i}`, 'pre', 1), createdAt: i })
    await m.refreshMessages()
    // Pushed once 100 newer ones exist: beyond the first page, still followed.
    messages[0] = { ...messages[0]!, state: 'pushed' }
    messages.push({ ...msg('m101', 'pre', 1), createdAt: 101 })
    const got = await m.refreshMessages()
    expect(got.find((t) => t.uid === 'old')?.state).toBe('pushed')
  })

  it('reads sector and queue gauges from the store counts', async () => {
    const stub = stubManager([], new Set())
    Object.assign(stub.store, {
      countSectors: async () => [
        { miner: 1000, online: true, state: 'PC1Done', count: 7 },
        { miner: 1000, online: false, state: 'Finalized', count: 1_000_000 },
      ],
      countQueue: async (kind: string) => (kind === 'pre' ? 3 : 0),
    })
    const m = createManagerMetrics({ manager: stub, processMetrics: false })
    const s = parsePromText(await m.scrape())
    expect(promValue(s, 'venus_sectors', { miner: '1000', state: 'Finalized' })).toBe(1_000_000)
    expect(promValue(s, 'venus_sectors', { miner: '1000', state: 'PC1Done' })).toBe(7)
    expect(promValue(s, 'venus_commit_queue_sectors', { kind: 'pre' })).toBe(3)
  })

  it('keeps the newest PoSt results first and bounded', () => {
    const m = createManagerMetrics({ processMetrics: false, keepPostResults: 2 })
    for (const d of [1, 2, 3])
      m.recordPost({ miner: 1000, deadline: d, partitions: 1, durationMs: 1, ok: true })
    expect(m.postResults().map((p) => p.deadline)).toEqual([3, 2])
  })
})

describe('parsePromText', () => {
  it('reads labels with escapes and special values', () => {
    const s = parsePromText('# HELP x y\nx{a="b\\"c",d="e"} 1.5\ny +Inf\n')
    expect(s).toEqual([
      { name: 'x', labels: { a: 'b"c', d: 'e' }, value: 1.5 },
      { name: 'y', labels: {}, value: Number.POSITIVE_INFINITY },
    ])
    expect(() => parsePromText('bad line here x')).toThrow(/not a Prometheus sample/)
  })

  it('reads NaN in any case, as prom-client writes it ("Nan") before a gauge has a sample', () => {
    const s = parsePromText('a Nan\nb NaN\nc -Inf\n')
    expect(s.map((x) => x.value)).toEqual([Number.NaN, Number.NaN, Number.NEGATIVE_INFINITY])
    expect(() => parsePromText('a 1.2.3')).toThrow(/line 1 has a bad value: 1\.2\.3/)
  })
})

describe('docs/grafana-dashboard.json', () => {
  it('queries only metrics the manager registers (worker-side ones are checked in the sealer)', async () => {
    const { readFileSync } = await import('node:fs')
    const text = readFileSync(new URL('../../../../docs/grafana-dashboard.json', import.meta.url), 'utf8')
    const used = new Set(
      [...text.matchAll(/venus_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')),
    )
    const m = createManagerMetrics({ processMetrics: false })
    const known = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name))
    const workerSide = /^venus_worker_(sealing_threads|stage_duration_seconds|step)/
    const missing = [...used].filter((n) => !known.has(n) && !workerSide.test(n))
    expect(missing).toEqual([])
    expect(used.size).toBeGreaterThan(15)
  })
})

describe('manager metrics bounds', () => {
  it('counts stage names past the cap under "other", so reported names cannot grow the registry', async () => {
    const m = createManagerMetrics({ processMetrics: false, maxStages: 3 })
    for (let i = 0; i < 1000; i++) m.observeStage(`made-up-${i}`, 1)
    const text = await m.registry.metrics()
    const stages = new Set([...text.matchAll(/stage="([^"]+)"/g)].map((x) => x[1]))
    expect(stages).toEqual(new Set(['made-up-0', 'made-up-1', 'made-up-2', 'other']))
  })
})
