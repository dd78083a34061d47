/**
 * Unseal requests from the market. The manager opens `ListenMarketEvent({Miner})` on venus-market
 * (droplet) and on every venus-gateway, for every miner it serves; each `SectorsUnsealPiece`
 * request creates (or joins) the unseal task of the repair service and is answered with the
 * task's state (`set_up`, `unsealing`, `uploading`, `finished`, `failed`). The market asks again
 * with the same request until it reads `finished`.
 *
 * Once an `unseal` worker has left the unsealed copy in a persist store, the manager uploads it
 * to every destination the requests named (see `resolveUnsealDest`). The destinations and their
 * upload states are kept in the task's record (`detail.marketDests`), so a restarted manager
 * finishes the uploads it had in hand.
 */
import {
  createRpcClient,
  INIT_CONNECT_EVENT,
  type Logger,
  MARKET_EVENT_LIMITS,
  MARKET_EVENT_METHODS,
  MARKET_EVENT_NAMESPACES,
  type MarketUnsealAnswer,
  marketRegisterPolicyToWire,
  marketRequestEventFromWire,
  marketResponseToWire,
  parseApiInfo,
  type RpcClient,
  type SectorId,
  type Startable,
  TypedEmitter,
  UNSEAL_PIECE_EVENT,
  type UnsealRequest,
  type UnsealState,
  unsealRequestFromPayload,
  VenusError,
  wsTransport,
} from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import { pieceAt, type RepairTasks } from '../repair/tasks.js'
import { sectorKey } from '../sector.js'
import type { RepairTask, RepairTaskKey } from '../store/types.js'
import { type DestConfig, resolveUnsealDest } from './dests.js'
import { uploadPiece } from './upload.js'

/** One server of market events. */
export interface MarketEventEndpoint {
  /** Shown in logs and events: `market` or `gateway[i]`. */
  name: string
  /** API info: `TOKEN:/ip4/…/tcp/41235`, a multiaddr or a URL. */
  api: string
  /** Token when the API info carries none. */
  token: string
  /** Method namespace: `VENUS_MARKET` (droplet) or `Gateway` (venus-gateway). */
  namespace: string
}

/** The state of one destination of a task, as kept in `detail.marketDests`. */
export interface MarketDest {
  dest: string
  state: 'pending' | 'uploading' | 'done' | 'failed'
  error: string
}

/** Events of {@link MarketUnsealService}. */
export type MarketUnsealEvents = {
  connected: { endpoint: string; miner: number }
  disconnected: { endpoint: string; miner: number; error: string }
  answered: { endpoint: string; id: string; answer: MarketUnsealAnswer }
  uploaded: { id: SectorId; piece: string; dest: string }
  'upload-failed': { id: SectorId; piece: string; dest: string; error: string }
}

/** Options of {@link MarketUnsealService}. */
export interface MarketUnsealServiceOptions {
  /** The manager's context (config, store, logger, chain facts). */
  context: ServiceContext
  repair: RepairTasks
  /** Servers to listen on (default: `market.api` and every `gateway.apis` of the config). */
  endpoints?: readonly MarketEventEndpoint[] | undefined
  /** Miners to listen for (default: every miner of the config). */
  miners?: readonly number[] | undefined
  /** First wait before reopening a dropped stream, doubled up to `reconnectMaxDelayMs` (default 1 s). */
  reconnectMinDelayMs?: number | undefined
  /** Longest wait between reconnects (default 60 s). */
  reconnectMaxDelayMs?: number | undefined
  /** Time limit of one upload (default 10 min). */
  uploadTimeoutMs?: number | undefined
  /** Tries of one upload before its destination fails (default 3). */
  uploadAttempts?: number | undefined
  /** Time limit of `ResponseMarketEvent` (default 30 s). */
  answerTimeoutMs?: number | undefined
  /** Requests one stream handles at once; more are answered with an error (default 64). */
  maxInFlight?: number | undefined
  /** The client of one endpoint (default: JSON-RPC over WebSocket); a seam for tests. */
  connect?: ((endpoint: MarketEventEndpoint) => RpcClient) | undefined
}

/** Destinations one task keeps at most. */
export const MAX_MARKET_DESTS = 16

const destsOf = (t: RepairTask): MarketDest[] =>
  Array.isArray(t.detail.marketDests) ? (t.detail.marketDests as MarketDest[]) : []

const withDests = (t: RepairTask, dests: MarketDest[]): RepairTask => ({
  ...t,
  detail: { ...t.detail, marketDests: dests },
})

/**
 * The state the market sees for `dest` of a task: `set_up` while queued, `unsealing` while a
 * worker has it, then the destination's upload: `uploading` until sent, `finished` once sent;
 * `failed` when the unseal or the upload failed.
 *
 * @example
 * ```ts
 * unsealStateOf(task, 'market://store-1/baga…') // 'uploading'
 * ```
 */
export function unsealStateOf(task: RepairTask, dest: string): UnsealState {
  if (task.state === 'queued') return 'set_up'
  if (task.state === 'running') return 'unsealing'
  if (task.state === 'failed') return 'failed'
  const d = destsOf(task).find((x) => x.dest === dest)
  if (d === undefined || d.state === 'pending' || d.state === 'uploading') return 'uploading'
  return d.state === 'done' ? 'finished' : 'failed'
}

/** The id of a raw event when it is a string within bounds, else undefined. */
function idOf(raw: unknown): string | undefined {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as { Id?: unknown; ID?: unknown }
  const id = o.Id ?? o.ID
  return typeof id === 'string' && id !== '' && id.length <= MARKET_EVENT_LIMITS.idChars ? id : undefined
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** Waits `ms` or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/**
 * Answers the market's unseal requests and uploads the unsealed pieces (see the module comment).
 *
 * @example
 * ```ts
 * const svc = new MarketUnsealService({ context: manager.context, repair: manager.repair })
 * svc.on('uploaded', (e) => console.log(`piece ${e.piece} sent to ${e.dest}`))
 * await svc.start()
 * ```
 */
export class MarketUnsealService extends TypedEmitter<MarketUnsealEvents> implements Startable {
  readonly #ctx: ServiceContext
  readonly #repair: RepairTasks
  readonly #opts: MarketUnsealServiceOptions
  readonly #log: Logger
  #controller: AbortController | undefined
  #loops: Promise<void>[] = []
  /** Tasks whose uploads run, by key; a second kick while one runs makes it go round again. */
  readonly #uploading = new Map<string, { again: boolean; done: Promise<void> }>()
  #offDone: (() => void) | undefined

  constructor(opts: MarketUnsealServiceOptions) {
    super({ onListenerError: (err, event) => opts.context.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = opts.context
    this.#repair = opts.repair
    this.#opts = opts
    this.#log = opts.context.log
  }

  /** The endpoints of the configuration: droplet's (`market.api`) and every gateway's. */
  endpoints(): MarketEventEndpoint[] {
    if (this.#opts.endpoints !== undefined) return [...this.#opts.endpoints]
    const c = this.#ctx.config()
    const out: MarketEventEndpoint[] = []
    if (c.market.api !== '')
      out.push({
        name: 'market',
        api: c.market.api,
        token: c.market.token,
        namespace: MARKET_EVENT_NAMESPACES.market,
      })
    for (const [i, api] of c.gateway.apis.entries())
      out.push({
        name: `gateway[${i}]`,
        api,
        token: c.gateway.token,
        namespace: MARKET_EVENT_NAMESPACES.gateway,
      })
    return out
  }

  #destConfig(): DestConfig {
    const c = this.#ctx.config()
    return { market: c.market, allowedFileDirs: c.unseal.allowedFileDirs, pieceStores: c.pieceStores }
  }

  /**
   * Handles one unseal request: checks it, creates or joins the unseal task, records the
   * destination and answers the state the market sees for it. A failed task asked again for a
   * new destination is queued again; one asked again for the same destination stays failed.
   *
   * @throws VenusError with what is wrong with the request (the answer's `Error`).
   */
  async handleUnsealRequest(req: UnsealRequest): Promise<UnsealState> {
    const ctx = this.#ctx
    const id = { miner: req.miner, number: req.sectorNumber }
    if (ctx.miner(req.miner) === undefined)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `UnsealRequest.Miner: t0${req.miner} is not a miner of this manager`,
      )
    resolveUnsealDest(req.dest, req.pieceCid, this.#destConfig())
    const rec = await ctx.store.getSector(id)
    if (rec !== undefined) {
      const at = pieceAt(rec.state.pieces ?? [], req.pieceCid)
      if (at !== undefined && (at.offset !== req.offset || at.size !== req.size))
        throw new VenusError(
          'INVALID_ARGUMENT',
          `UnsealRequest.Offset/Size: piece ${req.pieceCid} of ${sectorKey(id)} is at ${at.offset} (${at.size} bytes unpadded), not ${req.offset} (${req.size})`,
        )
    }
    const key: RepairTaskKey = { kind: 'unseal', id, piece: req.pieceCid }
    let task = await this.#repair.get('unseal', id, req.pieceCid)
    const known = task !== undefined && destsOf(task).some((d) => d.dest === req.dest)
    if (task === undefined || (task.state === 'failed' && !known)) {
      await this.#repair.requestUnseal(id, req.pieceCid)
    } else if (known) {
      return unsealStateOf(task, req.dest)
    }
    task = await ctx.store.updateRepairTask(key, (t) => {
      const dests = destsOf(t)
      if (dests.some((d) => d.dest === req.dest)) return undefined
      if (dests.length >= MAX_MARKET_DESTS) return undefined
      return withDests(t, [...dests, { dest: req.dest, state: 'pending', error: '' }])
    })
    if (!destsOf(task).some((d) => d.dest === req.dest))
      throw new VenusError(
        'INVALID_ARGUMENT',
        `UnsealRequest.Dest: the task has ${MAX_MARKET_DESTS} destinations already`,
      )
    ctx.log.info({ sector: sectorKey(id), piece: req.pieceCid, state: task.state }, 'market unseal request')
    if (task.state === 'done') this.#kick(task)
    return unsealStateOf(task, req.dest)
  }

  /** Starts the uploads of a done task (or makes the running round go again). */
  #kick(task: RepairTask): void {
    // Stopped: the next start() resumes what is left.
    if (this.#controller === undefined) return
    const k = `${sectorKey(task.id)}/${task.piece}`
    const cur = this.#uploading.get(k)
    if (cur !== undefined) {
      cur.again = true
      return
    }
    const entry = { again: false, done: Promise.resolve() }
    entry.done = (async () => {
      do {
        entry.again = false
        await this.#uploadAll(task).catch((err) =>
          this.#log.warn({ err, sector: sectorKey(task.id), piece: task.piece }, 'market uploads failed'),
        )
      } while (entry.again)
      this.#uploading.delete(k)
    })()
    this.#uploading.set(k, entry)
  }

  /** Uploads the copy of a done task to each of its destinations not sent yet. */
  async #uploadAll(first: RepairTask): Promise<void> {
    const key: RepairTaskKey = { kind: first.kind, id: first.id, piece: first.piece }
    const store = this.#ctx.store
    for (;;) {
      const task = await store.getRepairTask(key)
      if (task === undefined || task.state !== 'done') return
      const next = destsOf(task).find((d) => d.state === 'pending' || d.state === 'uploading')
      if (next === undefined) return
      const path = await this.#repair.pieceCopyPath(task.piece, task.id)
      if (path === undefined) {
        // The copy is gone (a lost disk, an operator): unseal again, keeping the destinations.
        const dests = destsOf(task)
        await this.#repair.requestUnseal(task.id, task.piece)
        await store.updateRepairTask(key, (t) => withDests(t, dests))
        this.#log.warn(
          { sector: sectorKey(task.id), piece: task.piece },
          'unsealed copy gone; unsealing again',
        )
        return
      }
      await this.#setDest(key, next.dest, 'uploading', '')
      let error = ''
      const attempts = Math.max(1, this.#opts.uploadAttempts ?? 3)
      for (let i = 0; i < attempts; i++) {
        try {
          const target = resolveUnsealDest(next.dest, task.piece, this.#destConfig())
          await uploadPiece(path, target, {
            timeoutMs: this.#opts.uploadTimeoutMs,
            signal: this.#controller?.signal,
            fileRoots:
              target.kind === 'file' && next.dest.startsWith('file:')
                ? this.#ctx.config().unseal.allowedFileDirs
                : [],
          })
          error = ''
          break
        } catch (err) {
          // Stopping: the destination stays `uploading` and the next start sends it again.
          if (this.#controller?.signal.aborted !== false) return
          error = errText(err)
          if (err instanceof VenusError && err.code === 'INVALID_ARGUMENT') break
          if (i + 1 < attempts)
            await pause(1000 * 2 ** i, this.#controller?.signal ?? new AbortController().signal)
        }
      }
      await this.#setDest(key, next.dest, error === '' ? 'done' : 'failed', error)
      if (error === '') {
        this.#log.info(
          { sector: sectorKey(task.id), piece: task.piece, dest: next.dest },
          'unsealed piece uploaded',
        )
        this.emit('uploaded', { id: task.id, piece: task.piece, dest: next.dest })
      } else {
        this.#log.warn(
          { sector: sectorKey(task.id), piece: task.piece, dest: next.dest, error },
          'upload failed',
        )
        this.emit('upload-failed', { id: task.id, piece: task.piece, dest: next.dest, error })
      }
    }
  }

  #setDest(key: RepairTaskKey, dest: string, state: MarketDest['state'], error: string): Promise<RepairTask> {
    return this.#ctx.store.updateRepairTask(key, (t) =>
      withDests(
        t,
        destsOf(t).map((d) => (d.dest === dest ? { dest, state, error } : d)),
      ),
    )
  }

  /** Reads one event of a stream and answers it; never throws. */
  async #answer(rpc: RpcClient, ep: MarketEventEndpoint, miner: number, raw: unknown): Promise<void> {
    let id: string
    let answer: MarketUnsealAnswer
    try {
      const ev = marketRequestEventFromWire(raw)
      id = ev.id
      if (ev.method === INIT_CONNECT_EVENT) {
        this.emit('connected', { endpoint: ep.name, miner })
        return
      }
      try {
        if (ev.method !== UNSEAL_PIECE_EVENT)
          throw new VenusError('UNSUPPORTED', `RequestEvent.Method: ${ev.method} is not handled here`)
        const req = unsealRequestFromPayload(ev.payload)
        if (req.miner !== miner)
          throw new VenusError(
            'INVALID_ARGUMENT',
            `UnsealRequest.Miner: t0${req.miner} on the stream of t0${miner}`,
          )
        answer = { id, state: await this.handleUnsealRequest(req) }
      } catch (err) {
        answer = { id, error: errText(err) }
      }
    } catch (err) {
      // An event that cannot be read is answered when its id can be; else there is no one to answer.
      const rawId = idOf(raw)
      if (rawId === undefined) {
        this.#log.warn({ endpoint: ep.name, error: errText(err) }, 'unreadable market event dropped')
        return
      }
      id = rawId
      answer = { id, error: errText(err) }
    }
    this.emit('answered', { endpoint: ep.name, id, answer })
    await rpc
      .call(`${ep.namespace}.${MARKET_EVENT_METHODS.respond}`, [marketResponseToWire(answer)], {
        timeoutMs: this.#opts.answerTimeoutMs ?? 30_000,
      })
      .catch((err) =>
        this.#log.warn({ endpoint: ep.name, id, error: errText(err) }, 'answering the market failed'),
      )
  }

  #connect(ep: MarketEventEndpoint): RpcClient {
    if (this.#opts.connect !== undefined) return this.#opts.connect(ep)
    const info = parseApiInfo(ep.api, { version: 'v0', token: ep.token || undefined })
    return createRpcClient(
      wsTransport(info.wsUrl, { ...(info.token ? { token: info.token } : {}), reconnectAttempts: 1 }),
    )
  }

  /** One stream: opened, read, reopened with backoff when it drops, until stopped. */
  async #listen(ep: MarketEventEndpoint, miner: number, signal: AbortSignal): Promise<void> {
    const min = this.#opts.reconnectMinDelayMs ?? 1000
    const max = this.#opts.reconnectMaxDelayMs ?? 60_000
    const limit = this.#opts.maxInFlight ?? 64
    let delay = min
    while (!signal.aborted) {
      const rpc = this.#connect(ep)
      const inFlight = new Set<Promise<void>>()
      let error = 'the stream closed'
      try {
        const prefix = await this.#ctx
          .networkParams()
          .then((p) => p.addressPrefix)
          .catch(() => 't' as const)
        const stream = rpc.subscribe(
          `${ep.namespace}.${MARKET_EVENT_METHODS.listen}`,
          [marketRegisterPolicyToWire(miner, prefix)],
          { signal },
        )
        for await (const raw of stream) {
          delay = min
          if (inFlight.size >= limit) {
            const id = idOf(raw)
            if (id !== undefined)
              await rpc
                .call(`${ep.namespace}.${MARKET_EVENT_METHODS.respond}`, [
                  marketResponseToWire({ id, error: `busy: ${limit} requests in hand, ask again later` }),
                ])
                .catch(() => {})
            continue
          }
          const p = this.#answer(rpc, ep, miner, raw).finally(() => inFlight.delete(p))
          inFlight.add(p)
        }
      } catch (err) {
        error = errText(err)
      }
      await Promise.allSettled(inFlight)
      await rpc.close().catch(() => {})
      if (signal.aborted) return
      this.#log.warn({ endpoint: ep.name, miner, error, retryMs: delay }, 'market event stream dropped')
      this.emit('disconnected', { endpoint: ep.name, miner, error })
      await pause(delay, signal)
      delay = Math.min(max, delay * 2)
    }
  }

  /** Opens a stream per endpoint × miner and resumes the uploads a previous run left. */
  async start(): Promise<void> {
    if (this.#controller !== undefined) return
    this.#controller = new AbortController()
    const signal = this.#controller.signal
    this.#offDone = this.#repair.on('repair:done', ({ task }) => {
      if (task.kind === 'unseal' && destsOf(task).length > 0) this.#kick(task)
    })
    const miners = this.#opts.miners ?? this.#ctx.config().miners.map((m) => m.actor)
    const endpoints = this.endpoints()
    if (endpoints.length === 0)
      this.#log.warn(
        {},
        'market unseal requests: no market or gateway API is configured; nothing to listen to',
      )
    this.#loops = endpoints.flatMap((ep) => miners.map((m) => this.#listen(ep, m, signal)))
    for (const t of await this.#ctx.store.listRepairTasks('unseal'))
      if (t.state === 'done' && destsOf(t).some((d) => d.state === 'pending' || d.state === 'uploading'))
        this.#kick(t)
  }

  /** Closes the streams and waits for the answers and uploads in hand. */
  async stop(): Promise<void> {
    this.#offDone?.()
    this.#offDone = undefined
    this.#controller?.abort()
    await Promise.allSettled(this.#loops)
    await Promise.allSettled([...this.#uploading.values()].map((u) => u.done))
    this.#loops = []
    this.#controller = undefined
  }
}
