import type { ChainClient, ProofsBackend } from '@venus-cluster/core'
import type { WindowPoStConfig } from './config.js'
import type { WindowPoStEvent } from './events.js'
import type { SectorLocator } from './locator.js'
import { type PoStSender, WindowPoStScheduler } from './scheduler.js'

/** Options of {@link createPosterService}. */
export interface PosterServiceOptions {
  chain: ChainClient
  proofs: ProofsBackend
  locate: SectorLocator
  /** One scheduler per miner, each with its own `[Miners.PoSt]` settings. */
  miners: { miner: string; config?: Partial<WindowPoStConfig> }[]
  send?: PoStSender
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
        ...(opts.send ? { send: opts.send } : {}),
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
