/**
 * A small go-jsonrpc compatible endpoint for the `Venus.*` table: HTTP POST and WebSocket on one
 * path (`/rpc/v0`). It exists so the daemon and its benchmarks run while core's shared RPC server
 * is not available; the method table itself is transport-independent (`createSealerApi`).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { isVenusError, VenusError } from '@venus-cluster/core'
import { type WebSocket, WebSocketServer } from 'ws'
import type { VenusMethod } from './api.js'

const MAX_BODY = 16 * 1024 * 1024

interface RpcRequest {
  jsonrpc?: unknown
  id?: unknown
  method?: unknown
  params?: unknown
}

type RpcAnswer = { status: number; body: Record<string, unknown> | null }

/** JSON-RPC error code for a thrown error (spec §1.2: protocol codes, 1 for application errors, 11001 for unknown sectors). */
function errorOf(err: unknown): { status: number; code: number; message: string; data?: unknown } {
  if (isVenusError(err)) {
    const e = err as VenusError
    if (e.code === 'RPC_INVALID_PARAMS')
      return { status: 500, code: -32602, message: e.message, data: e.toJSON() }
    if (e.code === 'RPC_METHOD_NOT_FOUND') return { status: 500, code: -32601, message: e.message }
    if (e.code === 'SECTOR_NOT_FOUND') {
      return {
        status: 200,
        code: 11001,
        message: `error code 11001: sector state not found: ${e.message}`,
        data: e.toJSON(),
      }
    }
    return { status: 200, code: 1, message: e.message, data: e.toJSON() }
  }
  return { status: 200, code: 1, message: err instanceof Error ? err.message : String(err) }
}

async function answer(
  methods: Record<string, VenusMethod>,
  req: RpcRequest,
  signal: AbortSignal,
): Promise<RpcAnswer> {
  const id = req.id ?? null
  const notify = !('id' in req)
  if (typeof req.method !== 'string') {
    return { status: 500, body: { jsonrpc: '2.0', id, error: { code: -32600, message: 'invalid request' } } }
  }
  const fn = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined
  if (!fn) {
    return {
      status: 500,
      body: { jsonrpc: '2.0', id, error: { code: -32601, message: `method '${req.method}' not found` } },
    }
  }
  try {
    const params = req.params === undefined || req.params === null ? [] : req.params
    const result = await fn(params as unknown[], { signal })
    return notify
      ? { status: 200, body: null }
      : { status: 200, body: { jsonrpc: '2.0', id, result: result ?? null } }
  } catch (err) {
    const e = errorOf(err)
    return {
      status: e.status,
      body: { jsonrpc: '2.0', id, error: { code: e.code, message: e.message, data: e.data } },
    }
  }
}

function parse(text: string): RpcRequest | undefined {
  try {
    const v = JSON.parse(text) as unknown
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as RpcRequest) : undefined
  } catch {
    return undefined
  }
}

const PARSE_ERROR = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }

/** Handle of {@link serveJsonRpc}. */
export interface JsonRpcEndpoint {
  close(): Promise<void>
}

/**
 * Serves `methods` on `server` at `path` over HTTP POST and WebSocket.
 *
 * @example
 * ```ts
 * const server = http.createServer()
 * serveJsonRpc(server, createSealerApi(manager), '/rpc/v0')
 * server.listen(1789)
 * ```
 */
export function serveJsonRpc(
  server: Server,
  methods: Record<string, VenusMethod>,
  path = '/rpc/v0',
): JsonRpcEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY })
  const closing = new AbortController()
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? '').split('?')[0]
    if (url !== path) return
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) req.destroy()
      else chunks.push(c)
    })
    req.on('end', () => {
      const parsed = parse(Buffer.concat(chunks).toString('utf8'))
      if (!parsed) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(PARSE_ERROR))
        return
      }
      void answer(methods, parsed, closing.signal).then((a) => {
        res
          .writeHead(a.status, { 'content-type': 'application/json' })
          .end(a.body === null ? '' : JSON.stringify(a.body))
      })
    })
  }
  const onUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== path) return
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const conn = new AbortController()
      ws.on('close', () => conn.abort())
      ws.on('message', (data) => {
        const parsed = parse(String(data))
        if (!parsed) {
          ws.send(JSON.stringify(PARSE_ERROR))
          return
        }
        void answer(methods, parsed, conn.signal).then((a) => {
          if (a.body !== null && ws.readyState === ws.OPEN) ws.send(JSON.stringify(a.body))
        })
      })
    })
  }
  server.on('request', onRequest)
  server.on('upgrade', onUpgrade)
  return {
    async close() {
      closing.abort()
      server.off('request', onRequest)
      server.off('upgrade', onUpgrade)
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((r) => wss.close(() => r()))
    },
  }
}

/**
 * A JSON-RPC call function over HTTP POST (for the chain node and the messager).
 *
 * @example
 * ```ts
 * const call = httpJsonRpc('http://127.0.0.1:1234/rpc/v1', token)
 * await call('Filecoin.ChainHead', [])
 * ```
 */
export function httpJsonRpc(
  url: string,
  token?: string,
): (method: string, params: unknown[]) => Promise<unknown> {
  let id = 0
  return async (method, params) => {
    let res: Response
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      })
    } catch (cause) {
      throw new VenusError('RPC_TRANSPORT', `${method}: ${url} unreachable`, {
        cause,
        details: { url, method },
      })
    }
    const text = await res.text()
    const body = parse(text) as { result?: unknown; error?: { code: number; message: string } } | undefined
    if (!body)
      throw new VenusError('RPC_TRANSPORT', `${method}: ${url} answered HTTP ${res.status} without JSON`)
    if (body.error) {
      throw new VenusError('RPC_SERVER', `${method}: ${body.error.message}`, {
        details: { rpcCode: body.error.code, method },
      })
    }
    return body.result ?? null
  }
}
