/**
 * A stand-in for venus-market (droplet) or venus-gateway in tests: the market-event side
 * (`ListenMarketEvent` streams, `ResponseMarketEvent` answers) and droplet's piece upload
 * (`PUT /resource?resource-id=<cid>&store=<store>`), on loopback only.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRpcServer } from '../rpc/server.js'
import type { RpcMethod } from '../rpc/types.js'
import {
  INIT_CONNECT_EVENT,
  MARKET_EVENT_METHODS,
  MARKET_EVENT_NAMESPACES,
  type MarketUnsealAnswer,
  marketRequestEventToWire,
  marketResponseFromWire,
  UNSEAL_PIECE_EVENT,
  type UnsealRequest,
  unsealRequestToWire,
} from '../types/market-event-wire.js'

/** An upload the fake market received. */
export interface FakeMarketUpload {
  resourceId: string
  store: string
  /** The `Authorization` header, '' when none. */
  authorization: string
  body: Buffer
}

/** Options of {@link startFakeMarket}. */
export interface FakeMarketOptions {
  /** `VENUS_MARKET` (droplet, default) or `Gateway`. */
  namespace?: string
  /** The token uploads and calls must carry (default: none checked). */
  token?: string
  /** How long {@link FakeMarket.requestUnseal} waits for the answer (default 10 s). */
  answerTimeoutMs?: number
}

/** A running fake market; see {@link startFakeMarket}. */
export interface FakeMarket {
  /** `http://127.0.0.1:<port>`, the API info to configure (`market.api`, a gateway). */
  readonly url: string
  /** Uploads received, in order. */
  readonly uploads: FakeMarketUpload[]
  /** Streams opened so far (`ListenMarketEvent` calls), by miner address. */
  readonly listens: string[]
  /** Streams open now for a miner address (`t01000`). */
  openStreams(miner: string): number
  /** Resolves once a stream for `miner` is open (rejects after `timeoutMs`, default 10 s). */
  waitForStream(miner: string, timeoutMs?: number): Promise<void>
  /** Sends an unseal request on the stream of its miner and resolves with the manager's answer. */
  requestUnseal(req: UnsealRequest, prefix?: 'f' | 't'): Promise<MarketUnsealAnswer>
  /** Sends any event (e.g. a malformed one) on a miner's streams; resolves with the answer to `Id`. */
  send(miner: string, event: unknown, id: string): Promise<MarketUnsealAnswer>
  /** Closes every open stream (the manager should reconnect). */
  dropStreams(): void
  close(): Promise<void>
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > max) throw new Error('upload too large')
    chunks.push(c as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * Starts a fake market on 127.0.0.1 (a free port).
 *
 * @example
 * ```ts
 * const market = await startFakeMarket({ token: 'market-token' })
 * await market.waitForStream('t01000')
 * const answer = await market.requestUnseal({ pieceCid, miner: 1000, sectorNumber: 7, offset: 0, size: 1016, dest: `market://s1/${pieceCid}` })
 * await market.close()
 * ```
 */
export async function startFakeMarket(opts: FakeMarketOptions = {}): Promise<FakeMarket> {
  const ns = opts.namespace ?? MARKET_EVENT_NAMESPACES.market
  const uploads: FakeMarketUpload[] = []
  const listens: string[] = []
  const streams = new Map<string, Set<{ push(ev: unknown): void; close(): void }>>()
  const waiting = new Map<string, { resolve(a: MarketUnsealAnswer): void; reject(e: Error): void }>()
  const streamWaiters: (() => void)[] = []

  const methods: Record<string, RpcMethod> = {
    [`${ns}.${MARKET_EVENT_METHODS.listen}`]: (params, ctx) => {
      const miner = String((params[0] as { Miner?: unknown } | undefined)?.Miner ?? '')
      listens.push(miner)
      const queue: unknown[] = [
        marketRequestEventToWire(randomUUID(), INIT_CONNECT_EVENT, { ChannelId: randomUUID() }),
      ]
      let wake: (() => void) | undefined
      let closed = false
      const entry = {
        push(ev: unknown) {
          queue.push(ev)
          wake?.()
        },
        close() {
          closed = true
          wake?.()
        },
      }
      const set = streams.get(miner) ?? new Set()
      streams.set(miner, set)
      set.add(entry)
      for (const w of streamWaiters.splice(0)) w()
      const mine = set
      const onAbort = () => wake?.()
      ctx.signal.addEventListener('abort', onAbort, { once: true })
      return (async function* () {
        try {
          while (!ctx.signal.aborted && !closed) {
            const ev = queue.shift()
            if (ev !== undefined) {
              yield ev
              continue
            }
            await new Promise<void>((r) => {
              wake = r
            })
            wake = undefined
          }
        } finally {
          ctx.signal.removeEventListener('abort', onAbort)
          mine.delete(entry)
        }
      })()
    },
    [`${ns}.${MARKET_EVENT_METHODS.respond}`]: (params) => {
      const answer = marketResponseFromWire(params[0])
      waiting.get(answer.id)?.resolve(answer)
      waiting.delete(answer.id)
      return null
    },
  }
  const rpc = createRpcServer({
    methods,
    path: ['/rpc/v0', '/rpc/v1'],
    ...(opts.token === undefined
      ? {}
      : {
          authorize: (token: string | undefined) => {
            if (token !== opts.token) throw new Error('bad token')
            return ['read', 'write'] as const
          },
        }),
  })
  const server: Server = createServer((req, res) => {
    if (rpc.handleHttp(req, res)) return
    const u = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method !== 'PUT' || u.pathname !== '/resource') {
      res.writeHead(404).end()
      return
    }
    const authorization = req.headers.authorization ?? ''
    if (opts.token !== undefined && authorization !== `Bearer ${opts.token}`) {
      req.resume()
      res.writeHead(401).end('bad token')
      return
    }
    readBody(req, 64 << 20).then(
      (body) => {
        uploads.push({
          resourceId: u.searchParams.get('resource-id') ?? '',
          store: u.searchParams.get('store') ?? '',
          authorization,
          body,
        })
        res.writeHead(200).end()
      },
      () => res.writeHead(413).end(),
    )
  })
  rpc.attach(server, { requests: false })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const timeout = opts.answerTimeoutMs ?? 10_000

  function send(miner: string, event: unknown, id: string): Promise<MarketUnsealAnswer> {
    const set = streams.get(miner)
    if (set === undefined || set.size === 0) return Promise.reject(new Error(`no stream open for ${miner}`))
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`no answer to ${id} in ${timeout} ms`))
      }, timeout)
      waiting.set(id, {
        resolve: (a) => {
          clearTimeout(t)
          resolve(a)
        },
        reject,
      })
      for (const s of set) s.push(event)
    })
  }

  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    listens,
    openStreams: (miner) => streams.get(miner)?.size ?? 0,
    async waitForStream(miner, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs
      while ((streams.get(miner)?.size ?? 0) === 0) {
        if (Date.now() > end) throw new Error(`no stream for ${miner} opened in ${timeoutMs} ms`)
        await new Promise<void>((r) => {
          streamWaiters.push(r)
          setTimeout(r, 50)
        })
      }
    },
    requestUnseal(req, prefix = 't') {
      const id = randomUUID()
      return send(
        `${prefix}0${req.miner}`,
        marketRequestEventToWire(id, UNSEAL_PIECE_EVENT, unsealRequestToWire(req, prefix)),
        id,
      )
    },
    send,
    dropStreams() {
      for (const set of streams.values()) for (const s of [...set]) s.close()
    },
    async close() {
      for (const w of waiting.values()) w.reject(new Error('fake market closed'))
      waiting.clear()
      await rpc.close()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
