import { TypedEmitter } from '@venus-cluster/core'
import {
  type Alert,
  type AlertWebhook,
  createManagerMetrics,
  type ManagerNode,
  type StoreDeadlineLeases,
} from '@venus-cluster/manager'
import type { WindowPoStEvents, WindowPoStService } from '@venus-cluster/poster'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { alertsRef, observePosterEvents, observePostLeases, watchChainLoss } from './poster-ops.js'

/** An alert webhook that keeps what it is told. */
function recordingWebhook(): AlertWebhook & { alerts: Alert[] } {
  const alerts: Alert[] = []
  return {
    alerts,
    notify: (a) => alerts.push(a),
    stats: () => ({ sent: alerts.length, failed: 0, dropped: 0 }),
    flushed: async () => {},
    start: async () => {},
    stop: async () => {},
  }
}

type Health = ReturnType<ManagerNode['health']['current']>

/** The parts of a manager node the observers use: metrics and health. */
function fakeNode(health: { current: () => Health } = { current: () => healthy() }) {
  const metrics = createManagerMetrics()
  return { node: { metrics, health } as unknown as ManagerNode, metrics }
}

function healthy(over: Partial<Health['chain']> = {}): Health {
  return {
    ready: true,
    chain: { reachable: true, height: 100, headAgeSeconds: 1, lastOkAt: Date.now(), stale: false, ...over },
    messager: { reachable: true },
    store: { ok: true },
  } as unknown as Health
}

async function metric(
  m: ReturnType<typeof createManagerMetrics>,
  name: string,
  labels: Record<string, string>,
) {
  const json = await m.registry.getMetricsAsJSON()
  const found = json.find((x) => x.name === name)
  const v = found?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
  return v?.value ?? 0
}

afterEach(() => {
  alertsRef.current = undefined
})

describe('PoSt alerts and metrics of daemon run --poster', () => {
  it('alerts once per failing deadline, on every missed deadline, and on proofs landing in the last quarter of the window', async () => {
    const hook = recordingWebhook()
    alertsRef.current = hook
    const { node, metrics } = fakeNode()
    const events = new TypedEmitter<WindowPoStEvents>()
    observePosterEvents(node, { events } as unknown as WindowPoStService)
    const base = { miner: 't01000', deadline: 7, open: 700 }
    events.emit('error', { type: 'error', ...base, message: 'proving failed: disk' })
    events.emit('error', { type: 'error', ...base, message: 'proving failed: disk' })
    events.emit('deadline-missed', { type: 'deadline-missed', ...base, reason: 'no proof submitted in time' })
    const landed = (height: number) =>
      events.emit('landed', { type: 'landed', ...base, batch: 0, cid: 'c', height, exitCode: 0, window: 20 })
    landed(705)
    landed(716)
    expect(hook.alerts.map((a) => [a.kind, a.severity])).toEqual([
      ['wdpost-failed', 'warning'],
      ['wdpost-missed', 'critical'],
      ['wdpost-late', 'warning'],
    ])
    expect(hook.alerts[1]?.summary).toBe(
      't01000 missed WindowPoSt deadline 7 (open 700): no proof submitted in time',
    )
    expect(hook.alerts[2]?.summary).toContain('landed late: epoch 16 of a 20-epoch window')
    expect(await metric(metrics, 'venus_wdpost_errors_total', { miner: '1000' })).toBe(2)
    expect(await metric(metrics, 'venus_wdpost_late_total', { miner: '1000' })).toBe(1)
  })

  it('counts lease events and alerts when a miner’s leases change hands three times within an hour', async () => {
    const hook = recordingWebhook()
    alertsRef.current = hook
    const { node, metrics } = fakeNode()
    const events = new TypedEmitter<{
      acquired: {
        key: { miner: string; deadline: number; open: number }
        token: number
        takenOverFrom?: string
      }
      refused: { key: { miner: string; deadline: number; open: number } }
      lost: { key: { miner: string; deadline: number; open: number }; token: number; reason: string }
      released: { key: { miner: string; deadline: number; open: number }; token: number }
    }>()
    const held = [{ key: { miner: 't01000', deadline: 1, open: 100 }, token: 3 }]
    observePostLeases(node, { events, held: () => held } as unknown as StoreDeadlineLeases)
    const key = (deadline: number) => ({ miner: 't01000', deadline, open: deadline * 100 })
    events.emit('acquired', { key: key(1), token: 1 })
    for (const d of [2, 3]) events.emit('acquired', { key: key(d), token: 2, takenOverFrom: 'vm:1:a' })
    expect(hook.alerts).toEqual([])
    events.emit('acquired', { key: key(4), token: 2, takenOverFrom: 'vm:1:a' })
    events.emit('acquired', { key: key(5), token: 2, takenOverFrom: 'vm:1:a' })
    expect(hook.alerts.map((a) => a.kind)).toEqual(['lease-churn'])
    expect(hook.alerts[0]?.labels).toMatchObject({ miner: 't01000', from: 'vm:1:a' })
    events.emit('lost', { key: key(6), token: 1, reason: 'renewal refused' })
    expect(await metric(metrics, 'venus_post_lease_events_total', { miner: '1000', kind: 'acquired' })).toBe(
      5,
    )
    expect(await metric(metrics, 'venus_post_lease_events_total', { miner: '1000', kind: 'takeover' })).toBe(
      4,
    )
    expect(await metric(metrics, 'venus_post_lease_events_total', { miner: '1000', kind: 'lost' })).toBe(1)
    expect(await metric(metrics, 'venus_post_leases_held', { miner: '1000' })).toBe(1)
  })

  it('alerts once per chain outage, whether unreachable or stale, and again after it came back', async () => {
    const hook = recordingWebhook()
    alertsRef.current = hook
    let now = healthy()
    const { node } = fakeNode({ current: () => now })
    vi.useFakeTimers()
    const stop = watchChainLoss(node, 1000)
    try {
      vi.advanceTimersByTime(3000)
      expect(hook.alerts).toEqual([])
      now = healthy({ reachable: false })
      vi.advanceTimersByTime(3000)
      now = healthy({ stale: true, headAgeSeconds: 900 })
      vi.advanceTimersByTime(3000)
      expect(hook.alerts.map((a) => a.summary)).toEqual(['the manager cannot reach its chain node'])
      now = healthy()
      vi.advanceTimersByTime(1000)
      now = healthy({ stale: true, headAgeSeconds: 900 })
      vi.advanceTimersByTime(1000)
      expect(hook.alerts.map((a) => [a.kind, a.severity, a.summary])).toEqual([
        ['chain-lost', 'critical', 'the manager cannot reach its chain node'],
        ['chain-lost', 'critical', "the manager's chain head has not advanced for 900 s"],
      ])
    } finally {
      stop()
      vi.useRealTimers()
    }
  })
})
