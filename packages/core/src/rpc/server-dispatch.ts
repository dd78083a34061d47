/**
 * What the HTTP and WebSocket sides of the JSON-RPC server share: the caller's permissions (from
 * its token, or refused), the checks of a request envelope against the method table, error
 * mapping, and the running calls that a close waits for.
 */
import { setMaxListeners } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { VenusError } from '../errors/index.js'
import { refuseBrowserRequest } from '../http/browser.js'
import { parseRequestTarget } from '../http/target.js'
import { ByteBudget } from './body.js'
import { RpcErrorCode, toRpcError } from './errors.js'
import { DEFAULT_MAX_JSON_DEPTH } from './parse.js'
import type { RpcServerOptions } from './server.js'
import {
  RPC_PERMISSIONS,
  type RpcErrorObject,
  type RpcId,
  type RpcMethod,
  type RpcPermission,
} from './types.js'

/** A request envelope as it arrives, before any check. */
export interface WireRequest {
  jsonrpc?: unknown
  id?: unknown
  method?: unknown
  params?: unknown
}

/** A checked request: the method to run, or the error to answer. */
export type Resolved =
  | { ok: false; id: RpcId | null; notify: boolean; error: RpcErrorObject }
  | { ok: true; id: RpcId | null; notify: boolean; name: string; fn: RpcMethod; params: unknown[] }

const MiB = 1024 * 1024
const DEFAULT_MAX_BODY = 16 * MiB

/** The limits of a server, with their defaults applied. */
export interface ServerLimits {
  maxBody: number
  maxMessage: number
  maxDepth: number
  maxBatch: number
  maxCallsPerSocket: number
  maxBuffered: number
  pingMs: number
  graceMs: number
}

/** The state and checks one server's transports share; see {@link createDispatch}. */
export interface Dispatch {
  readonly options: RpcServerOptions
  readonly limits: ServerLimits
  /** Request-body bytes held by HTTP requests, bounded by `maxBufferedBodyBytes`. */
  readonly bodyBudget: ByteBudget
  /** Aborted by close once the grace period is over: every running call links to it. */
  readonly serverAbort: AbortController
  /** Calls running now (HTTP and WebSocket). */
  readonly running: Set<Promise<unknown>>
  /** Set by close: new requests are refused. */
  closing: boolean
  /** The caller's permissions, or why it is refused (HTTP status and text). */
  permissionsFor(
    req: IncomingMessage,
    upgrade: boolean,
  ): Promise<{ perms: readonly RpcPermission[] } | { status: number; message: string }>
  /** Checks the envelope; returns an error response or the method to run. */
  resolve(req: unknown, perms: readonly RpcPermission[], size: number): Resolved
  errorFor(err: unknown, method: string): RpcErrorObject
  /** Counts `p` among the running calls until it settles. */
  track<T>(p: Promise<T>): Promise<T>
}

/** The limits and shared state of a server built from its options. */
export function createDispatch(options: RpcServerOptions): Dispatch {
  const methods = options.methods
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  const limits: ServerLimits = {
    maxBody,
    maxMessage: options.maxMessageBytes ?? Math.min(maxBody, 4 * MiB),
    maxDepth: options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
    maxBatch: options.maxBatch ?? 100,
    maxCallsPerSocket: options.maxCallsPerSocket ?? 1024,
    maxBuffered: options.maxBufferedBytes ?? 4 * 1024 * 1024,
    pingMs: options.pingIntervalMs ?? 30_000,
    graceMs: options.closeGraceMs ?? 5000,
  }
  const queryToken = options.queryToken ?? true
  const jsonOnly = options.jsonOnlyWithoutToken ?? options.authorize !== undefined
  const serverAbort = new AbortController()
  // Every running call links to these signals; the default cap of 10 listeners would warn.
  setMaxListeners(0, serverAbort.signal)
  const running = new Set<Promise<unknown>>()

  const required = (method: string): RpcPermission => {
    const p = options.permissions
    if (p === undefined) return 'read'
    if (typeof p === 'function') return p(method)
    return p[method] ?? 'read'
  }

  /** The caller's permissions, or why it is refused (HTTP status and text). */
  async function permissionsFor(
    req: IncomingMessage,
    upgrade: boolean,
  ): Promise<{ perms: readonly RpcPermission[] } | { status: number; message: string }> {
    const t = tokenOf(req, queryToken)
    if (t.refused !== undefined) return { status: 401, message: t.refused }
    // Without an Authorization header the caller is let in by where it is (or auth is off):
    // a web page must not be able to borrow that.
    if (!t.header) {
      const refusal = refuseBrowserRequest(req, { json: jsonOnly && !upgrade })
      if (refusal !== undefined) return refusal
    }
    if (options.authorize === undefined) return { perms: RPC_PERMISSIONS }
    try {
      return { perms: await options.authorize(t.token, { remoteAddress: req.socket.remoteAddress }) }
    } catch {
      return { status: 401, message: 'unauthorized' }
    }
  }

  /** The body limit of `method`. */
  function bodyLimit(method: string): number {
    return Math.min(maxBody, options.methodBodyBytes?.(method) ?? maxBody)
  }

  function errorFor(err: unknown, method: string): RpcErrorObject {
    return options.mapError?.(err, method) ?? toRpcError(err)
  }

  function track<T>(p: Promise<T>): Promise<T> {
    running.add(p)
    void p.finally(() => running.delete(p)).catch(() => {})
    return p
  }

  /** Checks the envelope; returns an error response or the method to run. */
  function resolve(req: unknown, perms: readonly RpcPermission[], size: number): Resolved {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      return {
        ok: false,
        id: null,
        notify: false,
        error: { code: RpcErrorCode.InvalidRequest, message: 'request must be a JSON object' },
      }
    }
    const r = req as WireRequest
    const notify = !('id' in r)
    const id = validId(r.id) ? r.id : null
    if (!notify && !validId(r.id)) {
      return {
        ok: false,
        id: null,
        notify: false,
        error: { code: RpcErrorCode.InvalidRequest, message: 'id must be a number, string or null' },
      }
    }
    if (typeof r.method !== 'string' || r.method === '') {
      return {
        ok: false,
        id,
        notify,
        error: { code: RpcErrorCode.InvalidRequest, message: 'method must be a non-empty string' },
      }
    }
    if (r.jsonrpc !== undefined && r.jsonrpc !== '2.0') {
      return {
        ok: false,
        id,
        notify,
        error: { code: RpcErrorCode.InvalidRequest, message: 'jsonrpc must be "2.0"' },
      }
    }
    const params = r.params === undefined || r.params === null ? [] : r.params
    if (!Array.isArray(params)) {
      return {
        ok: false,
        id,
        notify,
        error: {
          code: RpcErrorCode.InvalidParams,
          message: `params of '${r.method}' must be a positional array`,
        },
      }
    }
    const fn = Object.hasOwn(methods, r.method) ? methods[r.method] : undefined
    if (typeof fn !== 'function') {
      return {
        ok: false,
        id,
        notify,
        error: { code: RpcErrorCode.MethodNotFound, message: `method '${r.method}' not found` },
      }
    }
    const limit = bodyLimit(r.method)
    if (size > limit) {
      const err = new VenusError(
        'RPC_BODY_TOO_LARGE',
        `'${r.method}' takes requests of at most ${limit} bytes, got ${size}`,
        { details: { method: r.method, maxBodyBytes: limit, bytes: size } },
      )
      return { ok: false, id, notify, error: toRpcError(err) }
    }
    const need = required(r.method)
    if (!perms.includes(need)) {
      const err = new VenusError(
        'PERMISSION_DENIED',
        `missing permission to invoke '${r.method}' (need '${need}')`,
        {
          details: { method: r.method, need },
        },
      )
      return { ok: false, id, notify, error: errorFor(err, r.method) }
    }
    return { ok: true, id, notify, name: r.method, fn, params }
  }

  return {
    options,
    limits,
    bodyBudget: new ByteBudget(options.maxBufferedBodyBytes ?? 128 * MiB),
    serverAbort,
    running,
    closing: false,
    permissionsFor,
    resolve,
    errorFor,
    track,
  }
}

/** A JSON-RPC error answer. */
export function errorResponse(id: RpcId | null, error: RpcErrorObject): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error }
}

/** The error of a batch longer than the server takes. */
export function batchTooLarge(n: number, maxBatch: number): RpcErrorObject {
  return {
    code: RpcErrorCode.InvalidRequest,
    message: `batch of ${n} calls is over the limit of ${maxBatch}`,
  }
}

/** Whether a handler's result is a channel (an async iterable). */
export function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  )
}

/** Whether `id` is a JSON-RPC id go-jsonrpc accepts. */
export function validId(id: unknown): id is RpcId | null {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
}

type TokenOf =
  | { token: string | undefined; header: boolean; refused?: undefined }
  | { refused: string; token?: undefined; header?: undefined }

function tokenOf(req: IncomingMessage, query: boolean): TokenOf {
  const header = req.headers.authorization
  if (header !== undefined && header !== '') {
    if (!header.startsWith('Bearer ')) return { refused: 'the Authorization header must be "Bearer <token>"' }
    return { token: header.slice(7).trim(), header: true }
  }
  const q = new URLSearchParams(parseRequestTarget(req.url).ok ? queryOf(req.url) : '').get('token')
  if (q === null) return { token: undefined, header: false }
  if (!query) return { refused: 'tokens are not accepted in the URL: send Authorization: Bearer <token>' }
  return { token: q, header: false }
}

function queryOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1
  return q === -1 ? '' : (url as string).slice(q + 1)
}

/** Aborts `child` when `parent` aborts; returns the unlink function. */
export function linkAbort(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason)
    return () => {}
  }
  const on = () => child.abort(parent.reason)
  parent.addEventListener('abort', on, { once: true })
  return () => parent.removeEventListener('abort', on)
}
