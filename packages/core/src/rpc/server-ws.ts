/**
 * The WebSocket side of the JSON-RPC server: one connection carries many calls by id, channel
 * methods stream `xrpc.ch.val` notifications, `xrpc.cancel` aborts a call, and a connection that
 * misses its pong or goes away aborts what it started.
 */
import { setMaxListeners } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { VenusError } from '../errors/index.js'
import { RpcErrorCode, toRpcError } from './errors.js'
import { parseRpcJson } from './parse.js'
import {
  batchTooLarge,
  type Dispatch,
  errorResponse,
  isAsyncIterable,
  linkAbort,
  validId,
  type WireRequest,
} from './server-dispatch.js'
import { heartbeat } from './transports.js'
import type { RpcContext, RpcId, RpcPermission } from './types.js'

/** The WebSocket connections of a server; see {@link createSocketHandler}. */
export interface SocketHandler {
  /** Takes an upgrade request for one of the server's paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Ends every open channel (`xrpc.ch.close`); their calls then finish. */
  stopChannels(): void
  /** Closes every connection (1001), then drops those that do not go. */
  closeAll(): Promise<void>
  /** Open connections. */
  readonly connectionCount: number
}

/** The WebSocket handling of a server sharing `d` with its HTTP side. */
export function createSocketHandler(d: Dispatch): SocketHandler {
  const { maxMessage, maxDepth, maxBatch, maxCallsPerSocket, maxBuffered, pingMs } = d.limits
  const sockets = new Set<WebSocket>()
  const channelStops = new Set<() => void>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessage })

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    if (d.closing) {
      socket.end(rawAnswer(503, 'server is closing'))
      return
    }
    d.permissionsFor(req, true).then(
      (who) => {
        if (!('perms' in who)) {
          socket.end(rawAnswer(who.status, who.message))
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, who.perms))
      },
      () => socket.destroy(),
    )
  }

  function serveSocket(ws: WebSocket, perms: readonly RpcPermission[]): void {
    sockets.add(ws)
    if (pingMs > 0) heartbeat(ws, pingMs)
    const calls = new Map<string, AbortController>()
    const connAbort = new AbortController()
    setMaxListeners(0, connAbort.signal)
    const unlinkServer = linkAbort(d.serverAbort.signal, connAbort)
    let nextChan = 1
    let running = 0
    const keyOf = (id: unknown) => `${typeof id}:${String(id)}`

    const write = (msg: unknown): Promise<void> =>
      new Promise((res) => {
        if (ws.readyState !== ws.OPEN) return res()
        let text: string
        try {
          text = JSON.stringify(msg)
        } catch (err) {
          const id = (msg as { id?: unknown }).id ?? null
          text = JSON.stringify(
            errorResponse(id as RpcId | null, {
              code: RpcErrorCode.Internal,
              message: `result does not encode as JSON: ${(err as Error).message}`,
            }),
          )
        }
        ws.send(text, () => res())
      })

    const drain = async (signal: AbortSignal): Promise<void> => {
      while (ws.bufferedAmount > maxBuffered && ws.readyState === ws.OPEN && !signal.aborted) {
        await new Promise((r) => setTimeout(r, 5))
      }
    }

    async function runChannel(
      iterable: AsyncIterable<unknown>,
      id: RpcId | null,
      ac: AbortController,
    ): Promise<void> {
      const chanId = nextChan++
      const it = iterable[Symbol.asyncIterator]()
      const stop = () => ac.abort(new VenusError('RPC_CLOSED', 'server closing'))
      channelStops.add(stop)
      const stopped = new Promise<IteratorResult<unknown>>((res) => {
        if (ac.signal.aborted) res({ done: true, value: undefined })
        ac.signal.addEventListener('abort', () => res({ done: true, value: undefined }), { once: true })
      })
      await write({ jsonrpc: '2.0', id, result: chanId })
      try {
        while (!ac.signal.aborted) {
          const next = await Promise.race([it.next(), stopped])
          if (next.done) break
          await drain(ac.signal)
          await write({
            jsonrpc: '2.0',
            method: 'xrpc.ch.val',
            params: [chanId, next.value === undefined ? null : next.value],
          })
        }
      } catch {
        // A failing producer just ends its channel, as a closed Go channel does.
      } finally {
        channelStops.delete(stop)
        void Promise.resolve(it.return?.()).catch(() => {})
        await write({ jsonrpc: '2.0', method: 'xrpc.ch.close', params: [chanId] })
      }
    }

    async function runCall(req: unknown, size: number): Promise<void> {
      const r = d.resolve(req, perms, size)
      if (!r.ok) {
        if (!r.notify) await write(errorResponse(r.id, r.error))
        return
      }
      const ac = new AbortController()
      const unlink = linkAbort(connAbort.signal, ac)
      const key = keyOf(r.id)
      if (!r.notify) calls.set(key, ac)
      try {
        const ctx: RpcContext = { signal: ac.signal, permissions: perms, method: r.name, transport: 'ws' }
        let out: unknown
        try {
          out = await r.fn(r.params, ctx)
        } catch (err) {
          if (!r.notify) await write(errorResponse(r.id, d.errorFor(err, r.name)))
          return
        }
        if (isAsyncIterable(out)) {
          if (r.notify) {
            await (out as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.()
            return
          }
          await runChannel(out, r.id, ac)
          return
        }
        if (!r.notify) await write({ jsonrpc: '2.0', id: r.id, result: out === undefined ? null : out })
      } finally {
        if (calls.get(key) === ac) calls.delete(key)
        unlink()
      }
    }

    function onControl(req: WireRequest): boolean {
      if (req.method !== 'xrpc.cancel') return false
      const p = Array.isArray(req.params) ? req.params : []
      const ac = calls.get(keyOf(p[0]))
      ac?.abort(new VenusError('ABORTED', 'cancelled by the client'))
      return true
    }

    ws.on('message', (data, isBinary) => {
      if (d.closing) return
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data)
      const size = Buffer.byteLength(text)
      const parsedOrError = parseRpcJson(text, maxDepth)
      if (!parsedOrError.ok) {
        void write(errorResponse(null, parsedOrError.error))
        return
      }
      const parsed = parsedOrError.value
      const batch = Array.isArray(parsed) ? parsed : [parsed]
      if (batch.length === 0) {
        void write(errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'empty batch' }))
        return
      }
      if (batch.length > maxBatch) {
        void write(errorResponse(null, batchTooLarge(batch.length, maxBatch)))
        return
      }
      for (const one of batch) {
        if (typeof one === 'object' && one !== null && !Array.isArray(one) && onControl(one as WireRequest))
          continue
        if (running > maxCallsPerSocket - 1) {
          const id = validId((one as WireRequest | null)?.id)
            ? ((one as WireRequest).id as RpcId | null)
            : null
          const err = new VenusError(
            'RPC_BUSY',
            `too many calls running on this connection (limit ${maxCallsPerSocket}); wait for some to finish`,
            { details: { maxCallsPerSocket } },
          )
          if (typeof one === 'object' && one !== null && 'id' in one)
            void write(errorResponse(id, toRpcError(err)))
          continue
        }
        running++
        void d
          .track(runCall(one, size))
          .catch(() => {})
          .finally(() => running--)
      }
    })
    ws.on('error', () => {})
    ws.on('close', () => {
      sockets.delete(ws)
      connAbort.abort(new VenusError('RPC_CLOSED', 'client disconnected'))
      unlinkServer()
    })
  }

  return {
    handleUpgrade,
    stopChannels() {
      for (const stop of [...channelStops]) stop()
    },
    async closeAll() {
      for (const ws of sockets) ws.close(1001, 'server closing')
      await new Promise((r) => setTimeout(r, 0))
      for (const ws of sockets) ws.terminate()
      wss.close()
    },
    get connectionCount() {
      return sockets.size
    },
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
}

/** A whole HTTP/1.1 answer written straight to a socket (upgrade requests have no response object). */
export function rawAnswer(status: number, message: string): string {
  const text = `${message}\n`
  const auth = status === 401 ? 'www-authenticate: Bearer\r\n' : ''
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nconnection: close\r\n${auth}` +
    `content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
  )
}
