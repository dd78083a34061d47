/**
 * Metrics of WindowPoSt across managers and PoSt workers: lease events (takeovers are what the
 * "leases changing hands" alert watches), leases held, proof errors, how late in their window
 * proofs land, and PoSt worker jobs. The shipped alert rules (`docs/alerts.yml`) use these names.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** A lease event as the metrics count it. */
export type PostLeaseEventKind = 'acquired' | 'takeover' | 'lost' | 'refused' | 'released'
/** A PoSt worker job event as the metrics count it. */
export type PostJobEventKind = 'published' | 'succeeded' | 'failed' | 'faults' | 'timed-out' | 'retried'

/** Fraction of the challenge window past which a proof counts as late. */
export const LATE_PROOF_FRACTION = 0.75

/** The feeds of {@link registerPostHaMetrics}. */
export interface PostHaMetrics {
  leaseEvent(miner: number, kind: PostLeaseEventKind): void
  /** Where the held-leases gauge reads from at scrape time. */
  leasesHeldFrom(source: () => readonly { miner: number }[]): void
  /** A proving or sending error of a deadline (the poster retries while the window is open). */
  postError(miner: number): void
  /** A proof landed `epochsAfterOpen` epochs into a window of `window` epochs. */
  landed(miner: number, epochsAfterOpen: number, window: number): void
  jobEvent(kind: PostJobEventKind, count?: number): void
}

/**
 * Registers the WindowPoSt HA metrics on `registry`.
 *
 * @example
 * ```ts
 * const ha = registerPostHaMetrics(registry)
 * ha.leaseEvent(1000, 'takeover')
 * ```
 */
export function registerPostHaMetrics(registry: Registry): PostHaMetrics {
  const leaseEvents = new Counter({
    name: 'venus_post_lease_events_total',
    help: 'Deadline lease events of this manager: acquired, takeover (taken from a holder that stopped renewing), lost, refused, released',
    labelNames: ['miner', 'kind'],
    registers: [registry],
  })
  let held: () => readonly { miner: number }[] = () => []
  new Gauge({
    name: 'venus_post_leases_held',
    help: 'Deadline leases this manager holds now',
    labelNames: ['miner'],
    registers: [registry],
    collect() {
      this.reset()
      for (const l of held()) this.inc({ miner: String(l.miner) })
    },
  })
  const errors = new Counter({
    name: 'venus_wdpost_errors_total',
    help: 'WindowPoSt proving and sending errors (each is retried while the window is open)',
    labelNames: ['miner'],
    registers: [registry],
  })
  const landedAt = new Histogram({
    name: 'venus_wdpost_landed_window_fraction',
    help: 'How far into its challenge window a WindowPoSt message landed (0 = at open, 1 = at close)',
    labelNames: ['miner'],
    buckets: [0.1, 0.25, 0.5, 0.75, 0.9, 1],
    registers: [registry],
  })
  const late = new Counter({
    name: 'venus_wdpost_late_total',
    help: `WindowPoSt messages that landed in the last ${Math.round((1 - LATE_PROOF_FRACTION) * 100)}% of their challenge window`,
    labelNames: ['miner'],
    registers: [registry],
  })
  const jobs = new Counter({
    name: 'venus_wdpost_jobs_total',
    help: 'PoSt worker job events: published, succeeded, failed, faults, timed-out, retried',
    labelNames: ['event'],
    registers: [registry],
  })
  return {
    leaseEvent: (miner, kind) => leaseEvents.inc({ miner: String(miner), kind }),
    leasesHeldFrom(source) {
      held = source
    },
    postError: (miner) => errors.inc({ miner: String(miner) }),
    landed(miner, after, window) {
      const f = window > 0 ? Math.max(0, after) / window : 0
      landedAt.observe({ miner: String(miner) }, f)
      if (f >= LATE_PROOF_FRACTION) late.inc({ miner: String(miner) })
    },
    jobEvent: (event, count = 1) => jobs.inc({ event }, count),
  }
}
