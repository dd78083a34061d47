/**
 * An optional alert webhook: alerts (a missed or failed WindowPoSt, a late proof, deadline leases
 * changing hands, a manager that lost the chain) POSTed as JSON to one URL. It is bounded: a
 * queue of at most `maxQueue` alerts (the oldest dropped first, and counted), one request at a
 * time, each with a timeout, a body of at most {@link ALERT_MAX_BODY_BYTES}. It never sends
 * credentials: a URL with a user or password is refused, no Authorization or cookie header is
 * set, and redirects are not followed (a redirect could carry the body elsewhere).
 */
import { type Logger, type Startable, silentLogger, VenusError } from '@venus-cluster/core'

/** Largest body one alert may have. */
export const ALERT_MAX_BODY_BYTES = 16 * 1024

/** One alert. */
export interface Alert {
  /** What happened, e.g. `wdpost-missed`, `wdpost-late`, `lease-churn`, `chain-lost`. */
  kind: string
  severity: 'warning' | 'critical'
  /** One line for people. */
  summary: string
  /** Facts as strings (miner, deadline, holder …). */
  labels?: Record<string, string> | undefined
}

/** Options of {@link createAlertWebhook}. */
export interface AlertWebhookOptions {
  /** `http://` or `https://` URL, without user or password. */
  url: string
  /** Per request (default 5000 ms). */
  timeoutMs?: number | undefined
  /** Alerts waiting at most (default 100). */
  maxQueue?: number | undefined
  /** Who sends (`source` of the body; default the host's). */
  source?: string | undefined
  logger?: Logger | undefined
  /** The HTTP client (tests); default `fetch`. */
  fetch?: typeof fetch | undefined
}

/** The webhook; see {@link createAlertWebhook}. */
export interface AlertWebhook extends Startable {
  /** Queues an alert (never throws, never waits). */
  notify(alert: Alert): void
  /** Sent, failed and dropped so far. */
  stats(): { sent: number; failed: number; dropped: number }
  /** Resolves once the queue is empty (tests). */
  flushed(): Promise<void>
}

/**
 * Checks a webhook URL: http(s) only, no credentials in it.
 *
 * @throws VenusError `CONFIG_INVALID_VALUE` saying what is wrong.
 */
export function checkAlertWebhookUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new VenusError('CONFIG_INVALID_VALUE', `alert webhook: ${JSON.stringify(url)} is not a URL`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new VenusError('CONFIG_INVALID_VALUE', `alert webhook: only http and https URLs, got ${u.protocol}`)
  if (u.username !== '' || u.password !== '')
    throw new VenusError(
      'CONFIG_INVALID_VALUE',
      'alert webhook: the URL must not carry a user or password (the manager sends no credentials)',
    )
  return u
}

/**
 * Creates the alert webhook (see the module comment).
 *
 * @example
 * ```ts
 * const hook = createAlertWebhook({ url: 'https://alerts.example/venus' })
 * await hook.start()
 * hook.notify({ kind: 'wdpost-missed', severity: 'critical', summary: 't01000 missed deadline 7' })
 * ```
 */
export function createAlertWebhook(opts: AlertWebhookOptions): AlertWebhook {
  const url = checkAlertWebhookUrl(opts.url)
  const timeoutMs = opts.timeoutMs ?? 5000
  const maxQueue = opts.maxQueue ?? 100
  const log = opts.logger ?? silentLogger
  const doFetch = opts.fetch ?? fetch
  const queue: { body: string }[] = []
  const stats = { sent: 0, failed: 0, dropped: 0 }
  let running: Promise<void> | undefined
  let stopped = false
  const idle: (() => void)[] = []

  const drain = async () => {
    while (queue.length > 0 && !stopped) {
      const next = queue.shift() as { body: string }
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: next.body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        })
        await res.body?.cancel().catch(() => {})
        if (res.ok) stats.sent++
        else {
          stats.failed++
          log.warn({ status: res.status }, 'alert webhook answered an error')
        }
      } catch (err) {
        stats.failed++
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'alert webhook failed')
      }
    }
    running = undefined
    for (const r of idle.splice(0)) r()
  }

  return {
    async start() {
      stopped = false
    },
    async stop() {
      stopped = true
      await running
      queue.length = 0
      for (const r of idle.splice(0)) r()
    },
    notify(alert) {
      if (stopped) return
      let body = JSON.stringify({ ...alert, source: opts.source, at: new Date().toISOString() })
      if (Buffer.byteLength(body) > ALERT_MAX_BODY_BYTES)
        body = JSON.stringify({
          kind: alert.kind,
          severity: alert.severity,
          summary: alert.summary.slice(0, 1024),
          source: opts.source,
          at: new Date().toISOString(),
        })
      if (queue.length >= maxQueue) {
        queue.shift()
        stats.dropped++
      }
      queue.push({ body })
      running ??= drain()
    },
    stats: () => ({ ...stats }),
    flushed() {
      if (running === undefined) return Promise.resolve()
      return new Promise<void>((r) => idle.push(r))
    },
  }
}
