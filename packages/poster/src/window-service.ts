/**
 * `windowPoStService`: WindowPoSt for every miner of a manager, one {@link WindowPoStScheduler}
 * each, as one service with one lifecycle and one event stream. What `daemon run --poster` runs,
 * and what `createManagerNode`'s `services` hook takes.
 */
import {
  type ChainClient,
  childLogger,
  type Logger,
  type ProofsBackend,
  type Startable,
  silentLogger,
  startAll,
  TypedEmitter,
} from '@venus-cluster/core'
import type { WindowPoStConfig } from './config.js'
import type { WindowPoStEvents } from './events.js'
import type { SectorLocator } from './locator.js'
import { messagerPoSt, type PoStMessagerClient } from './messager-sender.js'
import type { PoStLookup, PoStMessaging, PoStSender } from './messages.js'
import { errMsg } from './util.js'
import type { DeadlineLeases } from './window/leases.js'
import type { WindowPoStComputer } from './window/prover.js'
import { WindowPoStScheduler } from './window/scheduler.js'

/** One miner of {@link windowPoStService}. */
export interface WindowPoStMiner {
  /** Miner address (`t01000`). */
  miner: string
  /** Its `[Miners.PoSt]` settings (defaults: `DEFAULT_WINDOW_POST_CONFIG`). */
  config?: Partial<WindowPoStConfig>
  /** Its own sender and lookup, instead of the service's. */
  send?: PoStSender
  lookup?: PoStLookup
}

/** What {@link windowPoStService} is made of. */
export interface WindowPoStServiceInit {
  /** The node, followed through `ChainNotify` (so a WebSocket or in-process transport). */
  chain: ChainClient
  proofs: ProofsBackend
  locate: SectorLocator
  miners: readonly WindowPoStMiner[]
  /**
   * Messages go through this venus-messager (as damocles sends them), with each miner's
   * `gasOverEstimation`; without it (and without `send`), through the node's `MpoolPushMessage`.
   */
  messager?: PoStMessagerClient | undefined
  /** Sender and lookup of every miner without its own; given here or per miner, `messager` is not used. */
  send?: PoStSender
  lookup?: PoStLookup
  /** Computes the proofs (default: locally with `proofs`). */
  compute?: WindowPoStComputer
  /** Deadline leases shared by every miner's scheduler (default: all held by this service). */
  leases?: DeadlineLeases
  /** Each scheduler logs its events here, bound to `{ component: 'window-post', miner }`. */
  logger?: Logger
}

/** WindowPoSt for all miners of a manager; see {@link windowPoStService}. */
export interface WindowPoStService extends Startable {
  readonly schedulers: readonly WindowPoStScheduler[]
  /** Every scheduler's events. */
  readonly events: TypedEmitter<WindowPoStEvents>
}

/**
 * WindowPoSt for several miners: one scheduler per miner, sharing the chain, the proofs, the
 * sector locator and the event stream. `start()` starts every scheduler and fails, stopping
 * those started, when a miner cannot be read from the chain.
 *
 * @example
 * ```ts
 * const poster = windowPoStService({
 *   chain: createChainClient(wsTransport('ws://127.0.0.1:1234/rpc/v1', { token })),
 *   proofs: nativeProofs(),
 *   locate: storesLocator(['/mnt/persist-1']),
 *   miners: [{ miner: 't01000', config: { strictCheck: true } }],
 *   messager: createMessagerClient(httpTransport('http://127.0.0.1:39812/rpc/v0', { token })),
 * })
 * poster.events.on('deadline-missed', (e) => alert(e))
 * await poster.start()
 * ```
 */
export function windowPoStService(init: WindowPoStServiceInit): WindowPoStService {
  const logger = init.logger ?? silentLogger
  const events = new TypedEmitter<WindowPoStEvents>({
    onListenerError: (err, event) =>
      logger.warn(
        { component: 'window-post', event, err: errMsg(err) },
        'a WindowPoSt event listener failed',
      ),
  })
  const schedulers = init.miners.map((m) => {
    const own = m.send ?? m.lookup ?? init.send ?? init.lookup
    const viaMessager: Partial<PoStMessaging> =
      init.messager === undefined || own !== undefined
        ? {}
        : messagerPoSt(init.messager, { gasOverEstimation: m.config?.gasOverEstimation ?? 0 })
    const send = m.send ?? init.send ?? viaMessager.send
    const lookup = m.lookup ?? init.lookup ?? viaMessager.lookup
    return new WindowPoStScheduler({
      miner: m.miner,
      chain: init.chain,
      proofs: init.proofs,
      locate: init.locate,
      events,
      logger: childLogger(logger, { component: 'window-post', miner: m.miner }),
      ...(m.config ? { config: m.config } : {}),
      ...(send ? { send } : {}),
      ...(lookup ? { lookup } : {}),
      ...(init.compute ? { compute: init.compute } : {}),
      ...(init.leases ? { leases: init.leases } : {}),
    })
  })
  return {
    schedulers,
    events,
    start: () => startAll(schedulers),
    async stop() {
      const results = await Promise.allSettled(schedulers.map((s) => s.stop()))
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
    },
  }
}
