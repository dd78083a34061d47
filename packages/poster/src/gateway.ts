/**
 * WinningPoSt for block producers through venus-gateway. There is no
 * registration call: the manager opens `Gateway.ListenProofEvent({MinerAddress})`, a long-lived
 * channel, for every gateway × miner; venus-miner's `ComputeProof` reaches it through the
 * gateway as a `ComputeProof` request event, and the answer goes back with
 * `Gateway.ResponseProofEvent({Id, Payload, Error})`, the payload being the JSON of the proofs.
 */
import {
  createRpcClient,
  type Logger,
  type ProofsBackend,
  parseApiInfo,
  type RpcClient,
  type Startable,
  silentLogger,
  TypedEmitter,
  VenusError,
  wsTransport,
} from '@venus-cluster/core'
import type { SectorLocator } from './locator.js'
import { sleep } from './sleep.js'
import { errMsg, onEach } from './util.js'
import { generateWinningPoStProof, type WinningSectorInfo } from './winning.js'

/** A request the gateway forwards (`types.RequestEvent`); `Payload` is base64 of JSON. */
interface GatewayRequestEvent {
  Id: string
  Method: string
  Payload: string | null
}

/** `types.ComputeProofRequest` of venus-shared. */
interface ComputeProofRequest {
  SectorInfos: (WinningSectorInfo & { SectorKey?: unknown })[] | null
  /** PoSt randomness, base64. */
  Rand: string
  Height: number
  NWVersion: number
}

/** What the proof-event service reports. */
export type GatewayProofEvent =
  | { type: 'connected'; gateway: string; miner: string; channel: string }
  | {
      type: 'computed'
      gateway: string
      miner: string
      id: string
      height: number
      sectors: number
      ms: number
    }
  | { type: 'failed'; gateway: string; miner: string; id: string; error: string }
  | { type: 'disconnected'; gateway: string; miner: string; error: string }

/** The proof-event service's events by name, for core's `TypedEmitter`. */
export type GatewayProofEvents = { [E in GatewayProofEvent as E['type']]: E }

/** Every event name of {@link GatewayProofEvents}. */
export const gatewayProofEventTypes = Object.freeze([
  'connected',
  'computed',
  'failed',
  'disconnected',
] as const satisfies readonly GatewayProofEvent['type'][])

/**
 * Calls `listener` for every event of `events`, whatever its type; returns the function that
 * unsubscribes it.
 *
 * @example
 * ```ts
 * onAnyGatewayProofEvent(winning.events, (e) => console.log(`winning: ${e.type}`))
 * ```
 */
export function onAnyGatewayProofEvent(
  events: Pick<TypedEmitter<GatewayProofEvents>, 'on'>,
  listener: (e: GatewayProofEvent) => void,
): () => void {
  return onEach(events, gatewayProofEventTypes, listener)
}

/** Options of {@link createGatewayProofService}. */
export interface GatewayProofServiceOptions {
  /** venus-gateway API infos (`TOKEN:/ip4/…/tcp/45132`, multiaddrs or URLs). */
  gateways: readonly string[]
  /** Token for gateways whose API info carries none. */
  token?: string
  /** Miners that answer WinningPoSt (`t01000`). */
  miners: readonly string[]
  proofs: ProofsBackend
  locate: SectorLocator
  /** Wait before reopening a channel that closed or failed (default 1000 ms). */
  reconnectDelayMs?: number
  /** Where events go (default: a new emitter); pass one to share it between services. */
  events?: TypedEmitter<GatewayProofEvents>
  /** Events are logged here too: failures and disconnections at warn, the rest at info. */
  logger?: Logger
  /** The client of one gateway (default: JSON-RPC over WebSocket); a seam for tests. */
  connect?: (gateway: string, token: string | undefined) => RpcClient
}

/** The service `daemon run --miner` starts; see {@link createGatewayProofService}. */
export interface GatewayProofService extends Startable {
  readonly events: TypedEmitter<GatewayProofEvents>
}

function minerIdOf(miner: string): number {
  const m = /^[ft]0(\d+)$/.exec(miner)
  if (m === null) throw new VenusError('INVALID_ARGUMENT', `miner ${miner} is not an ID address like t01000`)
  return Number(m[1])
}

function decodePayload(p: string | null): unknown {
  if (p === null || p === '') return null
  return JSON.parse(Buffer.from(p, 'base64').toString('utf8'))
}

function encodePayload(v: unknown): string {
  return Buffer.from(JSON.stringify(v), 'utf8').toString('base64')
}

/**
 * Answers WinningPoSt requests that venus-miner sends through venus-gateway, for every gateway ×
 * miner, reopening a channel 1 s after it closes. A request that cannot be answered (unknown
 * sector, missing files, bad input) gets an `Error` reply; it never stops the service.
 *
 * @example
 * ```ts
 * const svc = createGatewayProofService({
 *   gateways: ['eyJ…:/ip4/10.0.0.5/tcp/45132'],
 *   miners: ['t01000'],
 *   proofs: nativeProofs(),
 *   locate: storesLocator(['/mnt/persist-1']),
 * })
 * svc.events.on('failed', (e) => console.warn(`WinningPoSt for ${e.miner} failed: ${e.error}`))
 * await svc.start()
 * ```
 */
export function createGatewayProofService(opts: GatewayProofServiceOptions): GatewayProofService {
  const delay = opts.reconnectDelayMs ?? 1000
  const logger = opts.logger ?? silentLogger
  const events =
    opts.events ??
    new TypedEmitter<GatewayProofEvents>({
      onListenerError: (err, event) =>
        logger.warn({ event, err: errMsg(err) }, 'a WinningPoSt event listener failed'),
    })
  const emit = (e: GatewayProofEvent) => {
    const { type, ...fields } = e
    if (type === 'failed' || type === 'disconnected') logger.warn(fields, type)
    else logger.info(fields, type)
    events.emit(type, e as never)
  }
  const connect =
    opts.connect ??
    ((gateway: string, token: string | undefined) => {
      const info = parseApiInfo(gateway, { version: 'v1', ...(token ? { token } : {}) })
      return createRpcClient(wsTransport(info.wsUrl, info.token ? { token: info.token } : {}))
    })
  let controller: AbortController | undefined
  let loops: Promise<void>[] = []

  async function answer(rpc: RpcClient, gateway: string, miner: string, ev: GatewayRequestEvent) {
    let reply: { Id: string; Payload: string | null; Error: string }
    try {
      if (ev.Method !== 'ComputeProof') throw new Error(`unknown proof event method ${ev.Method}`)
      const req = decodePayload(ev.Payload) as ComputeProofRequest | null
      if (req === null || !Array.isArray(req.SectorInfos) || typeof req.Rand !== 'string') {
        throw new Error('ComputeProof payload needs SectorInfos (array) and Rand (base64)')
      }
      const t0 = performance.now()
      const proofs = await generateWinningPoStProof({
        minerId: minerIdOf(miner),
        sectors: req.SectorInfos,
        randomness: new Uint8Array(Buffer.from(req.Rand, 'base64')),
        proofs: opts.proofs,
        locate: opts.locate,
        ...(controller ? { signal: controller.signal } : {}),
      })
      reply = {
        Id: ev.Id,
        Payload: encodePayload(
          proofs.map((p) => ({
            PoStProof: p.postProof,
            ProofBytes: Buffer.from(p.proofBytes).toString('base64'),
          })),
        ),
        Error: '',
      }
      emit({
        type: 'computed',
        gateway,
        miner,
        id: ev.Id,
        height: req.Height,
        sectors: req.SectorInfos.length,
        ms: performance.now() - t0,
      })
    } catch (e) {
      reply = { Id: ev.Id, Payload: null, Error: errMsg(e) }
      emit({ type: 'failed', gateway, miner, id: ev.Id, error: errMsg(e) })
    }
    await rpc
      .call('Gateway.ResponseProofEvent', [reply])
      .catch((e) => emit({ type: 'failed', gateway, miner, id: ev.Id, error: `reply: ${errMsg(e)}` }))
  }

  async function listen(gateway: string, miner: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const rpc = connect(gateway, opts.token)
      const pending = new Set<Promise<void>>()
      try {
        for await (const ev of rpc.subscribe<GatewayRequestEvent>(
          'Gateway.ListenProofEvent',
          [{ MinerAddress: miner }],
          { signal },
        )) {
          if (ev.Method === 'InitConnect') {
            const init = decodePayload(ev.Payload) as { ChannelId?: string } | null
            emit({ type: 'connected', gateway, miner, channel: init?.ChannelId ?? ev.Id })
            continue
          }
          // Proofs run side by side: a slow one must not hold the next request.
          const p = answer(rpc, gateway, miner, ev).finally(() => pending.delete(p))
          pending.add(p)
        }
        if (!signal.aborted) emit({ type: 'disconnected', gateway, miner, error: 'channel closed' })
      } catch (e) {
        if (!signal.aborted) emit({ type: 'disconnected', gateway, miner, error: errMsg(e) })
      }
      await Promise.allSettled(pending)
      await rpc.close().catch(() => {})
      if (!signal.aborted) await sleep(delay, signal)
    }
  }

  return {
    events,
    async start() {
      if (controller) return
      for (const m of opts.miners) minerIdOf(m)
      if (opts.gateways.length === 0) {
        throw new VenusError('CONFIG_MISSING_KEY', 'WinningPoSt needs at least one venus-gateway API')
      }
      controller = new AbortController()
      const signal = controller.signal
      loops = opts.gateways.flatMap((g) => opts.miners.map((m) => listen(g, m, signal)))
    },
    async stop() {
      controller?.abort()
      controller = undefined
      await Promise.allSettled(loops)
      loops = []
    },
  }
}
