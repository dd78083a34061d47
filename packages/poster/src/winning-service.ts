/**
 * `winningPoStService`: WinningPoSt for block producers, answering venus-gateway's proof events
 * for each miner on each of its gateways, as one service with one event stream. What
 * `daemon run --miner` runs, and what `createManagerNode`'s `services` hook takes.
 */
import {
  childLogger,
  type Logger,
  type ProofsBackend,
  type RpcClient,
  type Startable,
  silentLogger,
  startAll,
  stopAll,
  TypedEmitter,
} from '@venus-cluster/core'
import { createGatewayProofService, type GatewayProofEvents } from './gateway.js'
import type { SectorLocator } from './locator.js'
import { errMsg } from './util.js'
import { type WinningPoStMethod, winningPoStMethods } from './winning.js'

/** One miner of {@link winningPoStService}. */
export interface WinningPoStMiner {
  /** Miner address (`t01000`). */
  miner: string
  /** Its venus-gateway APIs (`TOKEN:/ip4/…/tcp/45132`, multiaddrs or URLs). */
  gateways: readonly string[]
  /** Token for gateways whose API info carries none. */
  token?: string | undefined
}

/** What {@link winningPoStService} is made of. */
export interface WinningPoStServiceInit {
  proofs: ProofsBackend
  locate: SectorLocator
  miners: readonly WinningPoStMiner[]
  /** Wait before reopening a channel that closed or failed (default 1000 ms). */
  reconnectDelayMs?: number
  /** The client of one gateway (default: JSON-RPC over WebSocket); a seam for tests. */
  connect?: (gateway: string, token: string | undefined) => RpcClient
  /** Events are logged here, bound to `{ component: 'winning-post' }`. */
  logger?: Logger
}

/** WinningPoSt for block producers; see {@link winningPoStService}. */
export interface WinningPoStService extends Startable {
  /** Every miner's proof events. */
  readonly events: TypedEmitter<GatewayProofEvents>
  /**
   * `Venus.ComputeWinningPoSt` over the same proofs and sectors, for an RPC server (the other way
   * block producers ask, without a gateway).
   */
  readonly methods: Record<string, WinningPoStMethod>
}

/**
 * Answers WinningPoSt requests from venus-gateway for every miner on each of its gateways.
 * `start()` fails (starting nothing) when a miner is not an ID address or has no gateway.
 *
 * @example
 * ```ts
 * const winning = winningPoStService({
 *   proofs: nativeProofs(),
 *   locate: storesLocator(['/mnt/persist-1']),
 *   miners: [{ miner: 't01000', gateways: ['eyJ…:/ip4/10.0.0.5/tcp/45132'] }],
 * })
 * winning.events.on('computed', (e) => console.log(`proved ${e.sectors} sector(s) for ${e.miner}`))
 * await winning.start()
 * ```
 */
export function winningPoStService(init: WinningPoStServiceInit): WinningPoStService {
  const logger = childLogger(init.logger ?? silentLogger, { component: 'winning-post' })
  const events = new TypedEmitter<GatewayProofEvents>({
    onListenerError: (err, event) =>
      logger.warn({ event, err: errMsg(err) }, 'a WinningPoSt event listener failed'),
  })
  const services = init.miners.map((m) =>
    createGatewayProofService({
      gateways: m.gateways,
      miners: [m.miner],
      proofs: init.proofs,
      locate: init.locate,
      events,
      logger,
      ...(m.token ? { token: m.token } : {}),
      ...(init.reconnectDelayMs === undefined ? {} : { reconnectDelayMs: init.reconnectDelayMs }),
      ...(init.connect ? { connect: init.connect } : {}),
    }),
  )
  return {
    events,
    methods: winningPoStMethods({ proofs: init.proofs, locate: init.locate }),
    start: () => startAll(services),
    stop: () => stopAll(services),
  }
}
