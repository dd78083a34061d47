/**
 * What `daemon run --poster` adds for operators: the `Venus.PoStProveDeadline` method (a manual
 * run of one deadline's proof), the PoSt HA metrics fed from lease, job and poster events, and
 * the optional alert webhook (`--alert-webhook`).
 */
import { actorIdOf, type RpcMethod, VenusError } from '@venus-cluster/core'
import type { AlertWebhook, ManagerNode, PostJobQueue, StoreDeadlineLeases } from '@venus-cluster/manager'
import { onAnyWindowPoStEvent, type WindowPoStService } from '@venus-cluster/poster'

/** The running poster of this process (one daemon per process), for the methods below. */
export const posterRef: { current: WindowPoStService | undefined } = { current: undefined }
/** The alert webhook of this process, when `--alert-webhook` names one. */
export const alertsRef: { current: AlertWebhook | undefined } = { current: undefined }

/** Takeovers of one miner within this window count towards the lease-churn alert. */
const CHURN_WINDOW_MS = 3600_000
/** Takeovers within {@link CHURN_WINDOW_MS} that raise the lease-churn alert. */
const CHURN_ALERT_AT = 3

/**
 * `Venus.PoStProveDeadline [minerId, deadline]`: proves that deadline now (admin).
 *
 * @example
 * ```ts
 * createManagerNode({ ...opts, extraMethods: posterMethods() })
 * ```
 */
export function posterMethods(): Record<string, RpcMethod> {
  return {
    'Venus.PoStProveDeadline': async (params) => {
      const [miner, deadline] = Array.isArray(params) ? params : []
      if (typeof miner !== 'number' || !Number.isSafeInteger(miner) || miner < 0)
        throw new VenusError('RPC_INVALID_PARAMS', 'PoStProveDeadline: params[0] must be a miner actor id')
      if (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline < 0 || deadline >= 48)
        throw new VenusError(
          'RPC_INVALID_PARAMS',
          'PoStProveDeadline: params[1] must be a deadline index in [0, 48)',
        )
      const poster = posterRef.current
      if (poster === undefined)
        throw new VenusError(
          'NOT_STARTED',
          'WindowPoSt is not running in this manager (no miner has PoSt enabled)',
        )
      const s = poster.schedulers.find((x) => actorIdOf(x.miner) === miner)
      if (s === undefined)
        throw new VenusError('NOT_FOUND', `this manager does not run WindowPoSt for t0${miner}`, {
          details: { miner },
        })
      const r = await s.proveNow(deadline)
      return { Miner: miner, Deadline: r.deadline, Open: r.open, State: r.state }
    },
  }
}

/** Feeds lease events to the metrics and, when churn is high, the webhook. */
export function observePostLeases(node: ManagerNode, leases: StoreDeadlineLeases): void {
  const ha = node.metrics.postHa
  ha.leasesHeldFrom(() => leases.held().map((l) => ({ miner: actorIdOf(l.key.miner) })))
  const takeovers = new Map<number, number[]>()
  leases.events.on('acquired', (e) => {
    const miner = actorIdOf(e.key.miner)
    ha.leaseEvent(miner, 'acquired')
    if (e.takenOverFrom === undefined) return
    ha.leaseEvent(miner, 'takeover')
    const now = Date.now()
    const recent = (takeovers.get(miner) ?? []).filter((t) => now - t < CHURN_WINDOW_MS)
    recent.push(now)
    takeovers.set(miner, recent)
    if (recent.length === CHURN_ALERT_AT)
      alertsRef.current?.notify({
        kind: 'lease-churn',
        severity: 'warning',
        summary: `deadline leases of ${e.key.miner} changed hands ${recent.length} times within an hour (last from ${e.takenOverFrom})`,
        labels: { miner: e.key.miner, deadline: String(e.key.deadline), from: e.takenOverFrom },
      })
  })
  leases.events.on('lost', (e) => ha.leaseEvent(actorIdOf(e.key.miner), 'lost'))
  leases.events.on('refused', (e) => ha.leaseEvent(actorIdOf(e.key.miner), 'refused'))
  leases.events.on('released', (e) => ha.leaseEvent(actorIdOf(e.key.miner), 'released'))
}

/** Feeds PoSt worker job events to the metrics. */
export function observePostJobs(node: ManagerNode, jobs: PostJobQueue): void {
  const ha = node.metrics.postHa
  jobs.events.on('published', () => ha.jobEvent('published'))
  jobs.events.on('finished', (e) => ha.jobEvent(e.ok ? (e.faults > 0 ? 'faults' : 'succeeded') : 'failed'))
  jobs.events.on('timed-out', (e) => ha.jobEvent('timed-out', e.ids.length))
  jobs.events.on('retried', (e) => ha.jobEvent('retried', e.ids.length))
}

/** Feeds poster events to the metrics and the webhook (missed, failed and late proofs). */
export function observePosterEvents(node: ManagerNode, poster: WindowPoStService): void {
  const ha = node.metrics.postHa
  const warned = new Set<string>()
  onAnyWindowPoStEvent(poster.events, (e) => {
    if (e.type === 'error' && e.deadline !== undefined) {
      const miner = actorIdOf(e.miner)
      ha.postError(miner)
      const key = `${e.miner}/${e.open}`
      if (!warned.has(key)) {
        warned.add(key)
        if (warned.size > 1000) warned.clear()
        alertsRef.current?.notify({
          kind: 'wdpost-failed',
          severity: 'warning',
          summary: `WindowPoSt of ${e.miner} deadline ${e.deadline} failed (retried while the window is open): ${e.message.slice(0, 300)}`,
          labels: { miner: e.miner, deadline: String(e.deadline) },
        })
      }
    } else if (e.type === 'deadline-missed') {
      alertsRef.current?.notify({
        kind: 'wdpost-missed',
        severity: 'critical',
        summary: `${e.miner} missed WindowPoSt deadline ${e.deadline} (open ${e.open}): ${e.reason}`,
        labels: { miner: e.miner, deadline: String(e.deadline) },
      })
    } else if (e.type === 'landed' && e.exitCode === 0 && e.window !== undefined) {
      ha.landed(actorIdOf(e.miner), e.height - e.open, e.window)
      if ((e.height - e.open) / e.window >= 0.75)
        alertsRef.current?.notify({
          kind: 'wdpost-late',
          severity: 'warning',
          summary: `WindowPoSt of ${e.miner} deadline ${e.deadline} landed late: epoch ${e.height - e.open} of a ${e.window}-epoch window`,
          labels: { miner: e.miner, deadline: String(e.deadline) },
        })
    }
  })
}

/** Watches the node's health for a lost chain and tells the webhook once per outage. */
export function watchChainLoss(node: ManagerNode, everyMs = 10_000): () => void {
  let down = false
  const t = setInterval(() => {
    const h = node.health.current()
    const lost = !h.chain.reachable || h.chain.stale
    if (lost && !down)
      alertsRef.current?.notify({
        kind: 'chain-lost',
        severity: 'critical',
        summary: h.chain.reachable
          ? `the manager's chain head has not advanced for ${h.chain.headAgeSeconds} s`
          : 'the manager cannot reach its chain node',
      })
    down = lost
  }, everyMs)
  t.unref()
  return () => clearInterval(t)
}
