import type { ChainClient, ProofsBackend } from '@venus-cluster/core'
import type { WindowPoStConfig } from './config.js'
import type { WindowPoStEvent } from './events.js'
import type { SectorLocator } from './locator.js'
import { type PoStLookup, type PoStSender, WindowPoStScheduler } from './scheduler.js'

/** Options of {@link createPosterService}. */
export interface PosterServiceOptions {
  chain: ChainClient
  proofs: ProofsBackend
  locate: SectorLocator
  /** One scheduler per miner, each with its own `[Miners.PoSt]` settings (and sender). */
  miners: { miner: string; config?: Partial<WindowPoStConfig>; send?: PoStSender; lookup?: PoStLookup }[]
  send?: PoStSender
  /** Reads what `send` returned (pass both, e.g. from `messagerPoSt`). */
  lookup?: PoStLookup
  onEvent?: (e: WindowPoStEvent) => void
}

/** WindowPoSt for all miners of a manager (`daemon run --poster`). */
export interface PosterService {
  readonly schedulers: readonly WindowPoStScheduler[]
  /** Starts every scheduler; fails (and stops those started) when a miner cannot be read. */
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * The poster the manager daemon starts with `--poster`: one {@link WindowPoStScheduler} per miner.
 *
 * @example
 * ```ts
 * const poster = createPosterService({ chain, proofs, locate, miners: [{ miner: 't01000' }] })
 * await poster.start()
 * process.on('SIGTERM', () => void poster.stop())
 * ```
 */
export function createPosterService(opts: PosterServiceOptions): PosterService {
  const schedulers = opts.miners.map(
    (m) =>
      new WindowPoStScheduler({
        miner: m.miner,
        chain: opts.chain,
        proofs: opts.proofs,
        locate: opts.locate,
        ...(m.config ? { config: m.config } : {}),
        ...((m.send ?? opts.send) ? { send: m.send ?? opts.send } : {}),
        ...((m.lookup ?? opts.lookup) ? { lookup: m.lookup ?? opts.lookup } : {}),
        ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      }),
  )
  return {
    schedulers,
    async start() {
      try {
        for (const s of schedulers) await s.start()
      } catch (e) {
        await Promise.all(schedulers.map((s) => s.stop()))
        throw e
      }
    },
    async stop() {
      await Promise.all(schedulers.map((s) => s.stop()))
    },
  }
}

/** One deadline's outcome in the shape of the manager's `ManagerMetrics.recordPost`. */
export interface PosterDeadlineResult {
  miner: number
  deadline: number
  partitions: number
  durationMs: number
  ok: boolean
  skipped?: number
  error?: string
  messageCid?: string
}

/**
 * Turns scheduler events into one result per deadline (proven or missed), e.g. to feed the
 * manager's metrics: `onEvent: postResultListener((r) => metrics.recordPost(r))`.
 *
 * @example
 * ```ts
 * const poster = createPosterService({ ..., onEvent: postResultListener((r) => console.log(r)) })
 * ```
 */
export function postResultListener(record: (r: PosterDeadlineResult) => void): (e: WindowPoStEvent) => void {
  const open = new Map<string, { started: number; partitions: Set<number>; skipped: number; cid?: string }>()
  const keyOf = (miner: string, o: number) => `${miner}@${o}`
  const minerId = (m: string) => Number(m.replace(/^[ft]0/, ''))
  return (e) => {
    if (e.type === 'proving-started') {
      open.set(keyOf(e.miner, e.open), { started: performance.now(), partitions: new Set(), skipped: 0 })
      return
    }
    if (!('open' in e) || e.open === undefined) return
    const s = open.get(keyOf(e.miner, e.open))
    if (!s) return
    if (e.type === 'sectors-skipped') s.skipped += e.sectors.length
    else if (e.type === 'submitted') {
      for (const p of e.partitions) s.partitions.add(p)
      s.cid = e.cid
    } else if (e.type === 'deadline-proven' || e.type === 'deadline-missed') {
      open.delete(keyOf(e.miner, e.open))
      record({
        miner: minerId(e.miner),
        deadline: e.deadline,
        partitions: s.partitions.size,
        durationMs: performance.now() - s.started,
        ok: e.type === 'deadline-proven',
        ...(s.skipped > 0 ? { skipped: s.skipped } : {}),
        ...(e.type === 'deadline-missed' ? { error: e.reason } : {}),
        ...(s.cid !== undefined ? { messageCid: s.cid } : {}),
      })
    }
  }
}
