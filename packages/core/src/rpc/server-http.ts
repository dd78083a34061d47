/**
 * The HTTP side of the JSON-RPC server: one POST is one call or a batch, answered with the
 * status go-jsonrpc uses; channel methods are refused (they need a WebSocket).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { VenusError } from '../errors/index.js'
import { answerPreflight } from '../http/browser.js'
import { parseRequestTarget } from '../http/target.js'
import { readBody } from './body.js'
import { httpStatusForRpcCode, RpcErrorCode, toRpcError } from './errors.js'
import { parseRpcJson } from './parse.js'
import { batchTooLarge, type Dispatch, errorResponse, isAsyncIterable, linkAbort } from './server-dispatch.js'
import type { RpcContext, RpcPermission } from './types.js'

/**
 * The request handler of a server's paths: answers and returns true for them, false for any
 * other path. A target that cannot be routed is answered 400.
 */
export function createHttpHandler(
  d: Dispatch,
  paths: ReadonlySet<string>,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { maxBody, maxDepth, maxBatch } = d.limits

  async function runHttpOne(
    req: unknown,
    perms: readonly RpcPermission[],
    signal: AbortSignal,
    size: number,
  ): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const r = d.resolve(req, perms, size)
    if (!r.ok) {
      return {
        status:
          (r.error.data as { code?: unknown } | undefined)?.code === 'RPC_BODY_TOO_LARGE'
            ? 413
            : httpStatusForRpcCode(r.error.code),
        body: r.notify ? undefined : errorResponse(r.id, r.error),
      }
    }
    const ctx: RpcContext = { signal, permissions: perms, method: r.name, transport: 'http' }
    try {
      const out = await r.fn(r.params, ctx)
      if (isAsyncIterable(out)) {
        // Channels need a socket to stream on; release whatever the handler set up.
        await (out as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.()
        const error = {
          code: RpcErrorCode.MethodNotFound,
          message: `method '${r.name}' not supported in this mode (no out channel support)`,
        }
        return { status: 500, body: r.notify ? undefined : errorResponse(r.id, error) }
      }
      return {
        status: 200,
        body: r.notify ? undefined : { jsonrpc: '2.0', id: r.id, result: out === undefined ? null : out },
      }
    } catch (err) {
      const error = d.errorFor(err, r.name)
      return {
        status: httpStatusForRpcCode(error.code),
        body: r.notify ? undefined : errorResponse(r.id, error),
      }
    }
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent || res.destroyed) return
    let text: string
    try {
      text = body === undefined ? '' : JSON.stringify(body)
    } catch (err) {
      status = 500
      text = JSON.stringify(
        errorResponse(null, {
          code: RpcErrorCode.Internal,
          message: `result does not encode as JSON: ${(err as Error).message}`,
        }),
      )
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  function refuse(
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) {
    const text = `JSON-RPC: ${message}\n`
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    res.end(text)
  }

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, 'POST')
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' })
      res.end('JSON-RPC: use POST or a WebSocket upgrade\n')
      return
    }
    if (d.closing) {
      send(res, 503, errorResponse(null, { code: RpcErrorCode.Internal, message: 'server is closing' }))
      return
    }
    const who = await d.permissionsFor(req, false)
    if (!('perms' in who)) {
      // The body is left unread: close the connection after the answer.
      refuse(res, who.status, who.message, {
        connection: 'close',
        ...(who.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
      })
      return
    }
    const perms = who.perms
    const body = await readBody(req, maxBody, d.bodyBudget)
    if (!body.ok) {
      if (body.reason === 'aborted') return // the client went away
      const err =
        body.reason === 'too-large'
          ? new VenusError('RPC_BODY_TOO_LARGE', `request bigger than maximum ${maxBody} allowed`, {
              details: { maxBodyBytes: maxBody },
            })
          : new VenusError('RPC_BUSY', 'server busy: too many request bytes in hand, retry in a second', {
              details: { maxBufferedBodyBytes: d.bodyBudget.limit },
            })
      res.setHeader('connection', 'close')
      if (body.reason === 'busy') res.setHeader('retry-after', '1')
      send(res, body.reason === 'too-large' ? 413 : 503, errorResponse(null, toRpcError(err)))
      return
    }
    try {
      await answerBody(res, body.text, body.bytes, perms)
    } finally {
      // The body's bytes stay in the budget until its call is answered.
      body.release()
    }
  }

  async function answerBody(
    res: ServerResponse,
    text: string,
    bytes: number,
    perms: readonly RpcPermission[],
  ): Promise<void> {
    if (/^\s*$/.test(text)) {
      send(res, 500, errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'Invalid request' }))
      return
    }
    const parsedOrError = parseRpcJson(text, maxDepth)
    if (!parsedOrError.ok) {
      send(res, 500, errorResponse(null, parsedOrError.error))
      return
    }
    const parsed = parsedOrError.value
    if (Array.isArray(parsed) && parsed.length > maxBatch) {
      send(res, 500, errorResponse(null, batchTooLarge(parsed.length, maxBatch)))
      return
    }
    const ac = new AbortController()
    const onClose = () => {
      if (!res.writableFinished) ac.abort(new VenusError('RPC_CLOSED', 'client disconnected'))
    }
    res.on('close', onClose)
    const unlink = linkAbort(d.serverAbort.signal, ac)
    try {
      if (Array.isArray(parsed)) {
        if (parsed.length === 0) {
          send(res, 500, errorResponse(null, { code: RpcErrorCode.InvalidRequest, message: 'empty batch' }))
          return
        }
        const answers = await d.track(
          Promise.all(parsed.map((one) => runHttpOne(one, perms, ac.signal, bytes))),
        )
        const bodies = answers.flatMap((a) => (a.body === undefined ? [] : [a.body]))
        if (bodies.length === 0) send(res, 200, undefined)
        else send(res, 200, bodies)
        return
      }
      const answer = await d.track(runHttpOne(parsed, perms, ac.signal, bytes))
      send(res, answer.status, answer.body)
    } finally {
      unlink()
      res.off('close', onClose)
    }
  }

  function handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const target = parseRequestTarget(req.url)
    if (!target.ok) {
      refuse(res, target.status, `bad request: ${target.message}`, { connection: 'close' })
      return true
    }
    if (!paths.has(target.path)) return false
    serveHttp(req, res).catch((err: unknown) => {
      send(
        res,
        500,
        errorResponse(null, { code: RpcErrorCode.Internal, message: String((err as Error)?.message ?? err) }),
      )
    })
    return true
  }

  return handleHttp
}
