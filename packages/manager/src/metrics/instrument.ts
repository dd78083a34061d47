/**
 * Wraps the `Venus.*` method table so every call is timed, and sector events (allocation, state
 * reports, submissions) land in the {@link SectorHistory} and the stage-duration histogram.
 */
import type { RpcMethod, SectorId } from '@venus-cluster/core'
import type { SectorHistory, SectorHistoryEvent } from './history.js'
import type { ManagerMetrics } from './manager-metrics.js'

const SECTOR_EVENTS = new Set([
  'AcquireDeals',
  'AssignTicket',
  'SubmitPreCommit',
  'SubmitPersisted',
  'WaitSeed',
  'SubmitProof',
  'ReportFinalized',
  'ReportAborted',
  'RestoreSector',
  'RemoveSector',
])

/** The sector a call is about, from its wire params or result (`{ Miner, Number }`, or `{ ID }`). */
function idOf(v: unknown): SectorId | undefined {
  const o = v as { Miner?: unknown; Number?: unknown; ID?: unknown } | null
  if (o && typeof o === 'object' && 'ID' in o) return idOf(o.ID)
  if (o && typeof o.Miner === 'number' && typeof o.Number === 'number')
    return { miner: o.Miner, number: o.Number }
  return undefined
}

function summary(result: unknown): string | undefined {
  const r = result as { Res?: unknown; Desc?: unknown; ShouldWait?: unknown } | null
  if (r && typeof r === 'object') {
    if ('Res' in r) return `Res=${String(r.Res)}${r.Desc ? ` ${String(r.Desc)}` : ''}`
    if ('ShouldWait' in r) return r.ShouldWait ? 'waiting' : 'seed assigned'
  }
  return undefined
}

/**
 * Returns a timed copy of `methods` that also records sector history.
 *
 * @example
 * ```ts
 * const methods = instrumentVenusMethods(createSealerApi(mgr), metrics, history)
 * ```
 */
export function instrumentVenusMethods(
  methods: Record<string, RpcMethod>,
  metrics: ManagerMetrics,
  history: SectorHistory,
  now: () => number = Date.now,
): Record<string, RpcMethod> {
  const out: Record<string, RpcMethod> = {}
  const record = (name: string, params: unknown[], result: unknown) => {
    const at = now()
    if (name === 'AllocateSector') {
      const id = idOf(result)
      if (id) history.add(id, { at, kind: name, next: 'Allocated' })
      return
    }
    if (name === 'ReportState') {
      const id = idOf(params[0])
      const req = params[1] as {
        Worker?: { Instance?: string }
        StateChange?: { Prev?: string; Next?: string; Event?: string }
        Failure?: { Level: string; Desc: string } | null
      }
      if (!id || !req?.StateChange) return
      const e: SectorHistoryEvent = {
        at,
        kind: name,
        prev: req.StateChange.Prev,
        next: req.StateChange.Next,
        event: req.StateChange.Event,
        worker: req.Worker?.Instance,
        failure: req.Failure ?? undefined,
      }
      const last = history.add(id, e)
      // A sector's time in a state runs from the event that entered it to the one that left it.
      if (last && e.prev && e.prev !== e.next)
        metrics.observeStage(e.prev, Math.max(0, (at - last.at) / 1000))
      return
    }
    if (SECTOR_EVENTS.has(name)) {
      const id = idOf(params[0])
      if (id) history.add(id, { at, kind: name, detail: summary(result) })
    }
  }
  for (const [full, fn] of Object.entries(methods)) {
    const short = full.startsWith('Venus.') ? full.slice(6) : full
    out[full] = async (params, ctx) => {
      const t0 = performance.now()
      try {
        const result = await fn(params, ctx)
        metrics.observeRpc(full, (performance.now() - t0) / 1000, true)
        try {
          record(short, params, result)
        } catch {
          // History is best effort; never fail the call for it.
        }
        return result
      } catch (err) {
        metrics.observeRpc(full, (performance.now() - t0) / 1000, false)
        throw err
      }
    }
  }
  return out
}
