import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpsDaemon, reportParams, startOpsDaemon } from '../__fixtures__/ops-daemon.js'
import { parsePromText, promValue } from './prom-text.js'

let o: OpsDaemon
let token: string

beforeAll(async () => {
  o = await startOpsDaemon()
  token = (await o.d.auth?.issue('admin')) as string
})
afterAll(() => o.stop())

async function scrape(): Promise<ReturnType<typeof parsePromText>> {
  const res = await fetch(`${o.base}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parsePromText(await res.text())
}

describe('manager /metrics', () => {
  it('counts sectors per state, stage durations and RPC latency per method', async () => {
    for (let i = 0; i < 3; i++)
      await o.call('AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }], token)
    await o.call('ReportState', reportParams(1, 'Empty', 'Allocated'), token)
    await o.call('ReportState', reportParams(1, 'Allocated', 'DealsAcquired'), token)
    await o.call('ReportState', reportParams(1, 'DealsAcquired', 'PC1Done'), token)
    await o.call('ReportState', reportParams(2, 'Empty', 'Allocated'), token)
    await o.call('ReportAborted', [{ Miner: 1000, Number: 3 }, 'operator said so'], token)
    await o.call('ListSectors', ['nonsense'], token)

    const s = await scrape()
    expect(promValue(s, 'venus_sectors', { miner: '1000', state: 'PC1Done' })).toBe(1)
    expect(promValue(s, 'venus_sectors', { miner: '1000', state: 'Allocated' })).toBe(1)
    expect(promValue(s, 'venus_sectors', { miner: '1000', state: 'Aborted' })).toBe(1)
    expect(promValue(s, 'venus_sector_stage_duration_seconds_count', { stage: 'Allocated' })).toBe(1)
    expect(promValue(s, 'venus_sector_stage_duration_seconds_count', { stage: 'DealsAcquired' })).toBe(1)
    expect(
      promValue(s, 'venus_rpc_request_duration_seconds_count', {
        method: 'Venus.ReportState',
        outcome: 'ok',
      }),
    ).toBe(4)
    expect(
      promValue(s, 'venus_rpc_request_duration_seconds_count', {
        method: 'Venus.ListSectors',
        outcome: 'error',
      }),
    ).toBe(1)
    expect(promValue(s, 'venus_commit_queue_sectors', { kind: 'pre' })).toBe(0)
    expect(promValue(s, 'venus_manager_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0)
  })

  it('shows worker pings and PoSt results fed by the poster', async () => {
    await o.call(
      'WorkerPing',
      [{ Name: 'worker-a', Dest: '10.0.0.2:17890', Summary: { Threads: 4, Empty: 1, Paused: 1, Errors: 0 } }],
      token,
    )
    o.d.metrics.recordPost({ miner: 1000, deadline: 3, partitions: 1, durationMs: 2500, ok: true })
    o.d.metrics.recordPost({
      miner: 1000,
      deadline: 4,
      partitions: 2,
      durationMs: 800,
      ok: false,
      skipped: 2,
    })
    const s = await scrape()
    expect(promValue(s, 'venus_worker_threads', { worker: 'worker-a', kind: 'paused' })).toBe(1)
    expect(promValue(s, 'venus_worker_threads', { worker: 'worker-a', kind: 'total' })).toBe(4)
    expect(promValue(s, 'venus_worker_last_ping_age_seconds', { worker: 'worker-a' })).toBeLessThan(60)
    expect(promValue(s, 'venus_wdpost_results_total', { miner: '1000', result: 'ok' })).toBe(1)
    expect(promValue(s, 'venus_wdpost_results_total', { miner: '1000', result: 'failed' })).toBe(1)
    expect(promValue(s, 'venus_wdpost_duration_seconds_sum', { miner: '1000' })).toBeCloseTo(3.3)
    expect(promValue(s, 'venus_wdpost_skipped_sectors_total', { miner: '1000' })).toBe(2)
  })
})
