import { describe, expect, it } from 'vitest'
import type { SectorManager } from '../manager.js'
import type { StoredMessage } from '../store/types.js'
import { createManagerMetrics } from './manager-metrics.js'
import { parsePromText, promValue } from './prom-text.js'

function stubManager(messages: StoredMessage[], onchain: Set<string>): SectorManager {
  return {
    store: {
      listSectors: async () => [],
      listQueue: async () => [],
      listMessages: async () => messages,
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
