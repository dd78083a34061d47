/**
 * The manager's view of its own health: whether the chain node answers and its head advances,
 * whether the messager answers, whether the database answers. A monitor probes them on a timer
 * (never on a request, so a load balancer polling `/readyz` adds no load upstream), logs each
 * change once, and feeds the Prometheus gauges, the dashboard banner and `/readyz`.
 */
import { isVenusError, type Logger } from '@venus-cluster/core'
import { Gauge, type Registry } from 'prom-client'
import type { ManagerChain, ManagerMessager } from './chain.js'
import type { ManagerStore } from './store/types.js'

/**
 * One health snapshot. Errors are stable error codes only (e.g. `RPC_TRANSPORT`): the snapshot is
 * served without a token, so it carries no addresses, URLs or messages.
 */
export interface ManagerHealth {
  /** Chain reachable with an advancing head, messager reachable, database answering. */
  ready: boolean
  /** Why not ready, in short phrases; empty when ready. */
  problems: string[]
  /** Unix ms of the last probe; null before the first. */
  checkedAt: number | null
  chain: {
    reachable: boolean
    height: number | null
    /** Seconds since the head height last advanced, as this manager saw it. */
    headAgeSeconds: number | null
    /** The head has not advanced for longer than the stale limit. */
    stale: boolean
    /** Unix ms of the last answer. */
    lastOkAt: number | null
    error: string | null
  }
  messager: { reachable: boolean; lastOkAt: number | null; error: string | null }
  store: { ok: boolean; error: string | null }
}

/** Options of {@link createHealthMonitor}. */
export interface HealthMonitorOptions {
  chain: ManagerChain
  messager: ManagerMessager
  store: ManagerStore
  /** Probe period in ms (default 10 000). */
  intervalMs?: number | undefined
  /** Time limit of one probe in ms (default 5000). */
  probeTimeoutMs?: number | undefined
  /**
   * A head that has not advanced for this long makes the manager unready (seconds; default the
   * larger of 120 and ten block times; 0 = never).
   */
  staleHeadSeconds?: number | undefined
  log?: Logger | undefined
  now?: (() => number) | undefined
}

/** A running health monitor (one `start()` / `stop()` lifecycle like the other services). */
export interface HealthMonitor {
  /** Probes once, then every `intervalMs`. */
  start(): Promise<void>
  stop(): Promise<void>
  /** Probes now and returns the new snapshot. */
  check(): Promise<ManagerHealth>
  /** The latest snapshot (no probe). */
  current(): ManagerHealth
}

const codeOf = (err: unknown): string =>
  isVenusError(err) ? err.code : ((err as NodeJS.ErrnoException)?.code ?? 'INTERNAL')

function timed<T>(p: Promise<T>, ms: number, ac: AbortController): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      ac.abort()
      reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'RPC_TIMEOUT' }))
    }, ms)
    p.then(resolve, reject).finally(() => clearTimeout(t))
  })
}

/**
 * Creates the monitor the daemon runs.
 *
 * @example
 * ```ts
 * const health = createHealthMonitor({ chain, messager, store, log })
 * await health.start()
 * health.current().ready
 * ```
 */
export function createHealthMonitor(opts: HealthMonitorOptions): HealthMonitor {
  const now = opts.now ?? Date.now
  const every = opts.intervalMs ?? 10_000
  const probeMs = opts.probeTimeoutMs ?? 5000
  const log = opts.log
  let staleLimit = opts.staleHeadSeconds
  let timer: NodeJS.Timeout | undefined
  let running: Promise<ManagerHealth> | undefined
  let lastHeight: number | null = null
  let heightSince = 0
  let chainDownSince: number | null = null
  let snap: ManagerHealth = {
    ready: false,
    problems: ['not checked yet'],
    checkedAt: null,
    chain: {
      reachable: false,
      height: null,
      headAgeSeconds: null,
      stale: false,
      lastOkAt: null,
      error: null,
    },
    messager: { reachable: false, lastOkAt: null, error: null },
    store: { ok: false, error: null },
  }

  async function staleSeconds(): Promise<number> {
    if (staleLimit !== undefined) return staleLimit
    const p = await opts.chain.networkParams().catch(() => undefined)
    if (p === undefined) return 300
    staleLimit = Math.max(120, 10 * p.blockDelaySecs)
    return staleLimit
  }

  async function probe(): Promise<ManagerHealth> {
    const prev = snap
    const chainAc = new AbortController()
    const [head, msgr, db] = await Promise.allSettled([
      timed(opts.chain.head({ signal: chainAc.signal }), probeMs, chainAc),
      timed(
        opts.messager.hasMessageByUid('venus-sector-manager-health-probe'),
        probeMs,
        new AbortController(),
      ),
      timed(opts.store.schemaVersion(), probeMs, new AbortController()),
    ])
    const t = now()
    const chain = { ...prev.chain }
    if (head.status === 'fulfilled') {
      if (head.value.height !== lastHeight) {
        lastHeight = head.value.height
        heightSince = t
      }
      chain.reachable = true
      chain.height = head.value.height
      chain.lastOkAt = t
      chain.error = null
    } else {
      chain.reachable = false
      chain.error = codeOf(head.reason)
    }
    chain.headAgeSeconds = lastHeight === null ? null : Math.round((t - heightSince) / 1000)
    const limit = await staleSeconds()
    chain.stale = limit > 0 && chain.headAgeSeconds !== null && chain.headAgeSeconds > limit
    const messager =
      msgr.status === 'fulfilled'
        ? { reachable: true, lastOkAt: t, error: null }
        : { reachable: false, lastOkAt: prev.messager.lastOkAt, error: codeOf(msgr.reason) }
    const store =
      db.status === 'fulfilled' ? { ok: true, error: null } : { ok: false, error: codeOf(db.reason) }
    const problems: string[] = []
    if (!chain.reachable) problems.push('chain node unreachable')
    else if (chain.stale) problems.push(`chain head has not advanced for ${chain.headAgeSeconds} s`)
    if (!messager.reachable) problems.push('messager unreachable')
    if (!store.ok) problems.push('database not answering')
    snap = { ready: problems.length === 0, problems, checkedAt: t, chain, messager, store }
    report(prev, snap, head.status === 'rejected' ? head.reason : undefined)
    return snap
  }

  /** Logs what changed since the last probe, once per change. */
  function report(prev: ManagerHealth, cur: ManagerHealth, chainErr: unknown): void {
    if (!log) return
    const first = prev.checkedAt === null
    if (!cur.chain.reachable && (first || prev.chain.reachable)) {
      chainDownSince = cur.checkedAt
      log.warn(
        { err: chainErr },
        'chain node unreachable: calls that need the chain fail and are retried until it is back',
      )
    } else if (cur.chain.reachable && !first && !prev.chain.reachable) {
      const down = chainDownSince === null ? null : Math.round(((cur.checkedAt ?? 0) - chainDownSince) / 1000)
      log.info({ downSeconds: down, height: cur.chain.height }, 'chain node reachable again')
    }
    if (cur.chain.stale && !prev.chain.stale)
      log.warn(
        { headAgeSeconds: cur.chain.headAgeSeconds, height: cur.chain.height },
        'chain head is not advancing',
      )
    if (!cur.messager.reachable && (first || prev.messager.reachable))
      log.warn({ error: cur.messager.error }, 'messager unreachable: messages wait until it is back')
    else if (cur.messager.reachable && !first && !prev.messager.reachable)
      log.info({}, 'messager reachable again')
    if (!cur.store.ok && (first || prev.store.ok))
      log.error({ error: cur.store.error }, 'database not answering')
    else if (cur.store.ok && !first && !prev.store.ok) log.info({}, 'database answering again')
  }

  function check(): Promise<ManagerHealth> {
    // One probe at a time: a slow upstream must not pile probes up.
    running ??= probe().finally(() => {
      running = undefined
    })
    return running
  }

  return {
    async start() {
      if (timer) return
      await check()
      timer = setInterval(() => void check(), every)
      timer.unref()
    },
    async stop() {
      clearInterval(timer)
      timer = undefined
      await running?.catch(() => {})
    },
    check,
    current: () => snap,
  }
}

/**
 * Registers the health gauges on a registry: `venus_manager_ready`, `venus_chain_up`,
 * `venus_chain_head_height`, `venus_chain_head_age_seconds`,
 * `venus_chain_last_success_timestamp_seconds`, `venus_messager_up`, `venus_store_up`. They read
 * the monitor's latest snapshot at scrape time.
 *
 * @example
 * ```ts
 * registerHealthMetrics(daemon.metrics.registry, health)
 * ```
 */
export function registerHealthMetrics(registry: Registry, monitor: Pick<HealthMonitor, 'current'>): void {
  const gauge = (name: string, help: string, read: (h: ManagerHealth) => number | null) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read(monitor.current())
        if (v === null) this.reset()
        else this.set(v)
      },
    })
  gauge('venus_manager_ready', 'Whether the manager is ready: chain, messager and database answer', (h) =>
    h.ready ? 1 : 0,
  )
  gauge('venus_chain_up', 'Whether the chain node answered the last probe', (h) =>
    h.chain.reachable ? 1 : 0,
  )
  gauge('venus_chain_head_height', 'Chain head height at the last successful probe', (h) => h.chain.height)
  gauge(
    'venus_chain_head_age_seconds',
    'Seconds since the chain head height last advanced, as the manager saw it',
    (h) => h.chain.headAgeSeconds,
  )
  gauge(
    'venus_chain_last_success_timestamp_seconds',
    'Unix time of the last answer from the chain node',
    (h) => (h.chain.lastOkAt === null ? null : Math.floor(h.chain.lastOkAt / 1000)),
  )
  gauge('venus_messager_up', 'Whether the messager answered the last probe', (h) =>
    h.messager.reachable ? 1 : 0,
  )
  gauge('venus_store_up', 'Whether the database answered the last probe', (h) => (h.store.ok ? 1 : 0))
}
