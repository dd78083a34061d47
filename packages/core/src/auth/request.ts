/** Where an HTTP request carries its API token, and the 401/403 gate of HTTP endpoints. */
import type { IncomingMessage } from 'node:http'
import { VenusError } from '../errors/index.js'
import { refuseBrowserRequest } from '../http/browser.js'
import type { RpcPermission } from '../rpc/types.js'
import { type RequestAuth, requestPermissions } from './trusted-networks.js'

/** Name of the cookie the dashboard keeps its token in. */
export const TOKEN_COOKIE = 'venus_token'

/**
 * The token of a request: `Authorization: Bearer`, then the `venus_token` cookie, then
 * `?token=` (unless `query: false`). Undefined when none is present.
 *
 * @example
 * ```ts
 * const token = tokenFromRequest(req)
 * ```
 */
export function tokenFromRequest(
  req: Pick<IncomingMessage, 'headers' | 'url'>,
  opts: { query?: boolean } = {},
): string | undefined {
  const auth = req.headers.authorization
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim() || undefined
  const cookie = req.headers.cookie
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=')
      if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
        const v = decodeURIComponent(part.slice(eq + 1).trim())
        if (v !== '') return v
      }
    }
  }
  if (opts.query === false) return undefined
  return queryToken(req)
}

/** The `?token=` of a request, if any. */
function queryToken(req: Pick<IncomingMessage, 'url'>): string | undefined {
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('token')
  return q === null || q === '' ? undefined : q
}

/** What {@link gateRequest} decided: go on, or answer with this status and text. */
export type RequestGate =
  | { ok: true }
  | { ok: false; status: 401 | 403; message: string; headers: Record<string, string> }

/**
 * Checks that an HTTP request may do what needs `need` under `auth`: 401 (with
 * `WWW-Authenticate: Bearer`) without a usable token, 403 when its token lacks the permission.
 * `howToSend` completes the 401 text (`Authorization: Bearer`, or `open /ui?token=…` too).
 * A `?token=` is refused (401) unless `opts.queryToken` (a token in a URL lands in logs and
 * browser history; only the dashboard's first page takes one, and turns it into a cookie). A
 * request without an `Authorization` header (let in by address or cookie) from a foreign web
 * page is refused (403, see `refuseBrowserRequest`).
 *
 * @example
 * ```ts
 * const gate = await gateRequest(auth, req, 'read')
 * if (!gate.ok) { res.writeHead(gate.status, gate.headers); res.end(gate.message); return }
 * ```
 */
export async function gateRequest(
  auth: RequestAuth,
  req: Pick<IncomingMessage, 'headers' | 'url'> & {
    method?: string | undefined
    socket: { remoteAddress?: string | undefined }
  },
  need: RpcPermission,
  howToSend = 'Authorization: Bearer',
  opts: { queryToken?: boolean } = {},
): Promise<RequestGate> {
  const viaHeader = typeof req.headers.authorization === 'string' && req.headers.authorization !== ''
  if (!viaHeader) {
    const refusal = refuseBrowserRequest({ headers: req.headers, method: req.method })
    if (refusal !== undefined) return { ok: false, status: 403, message: refusal.message, headers: {} }
  }
  let token = tokenFromRequest(req, { query: false })
  if (token === undefined && queryToken(req) !== undefined) {
    if (opts.queryToken !== true) {
      return {
        ok: false,
        status: 401,
        message: `unauthorized: tokens are not accepted in the URL here (send ${howToSend})`,
        headers: { 'www-authenticate': 'Bearer' },
      }
    }
    token = queryToken(req)
  }
  let perms: readonly RpcPermission[]
  try {
    perms = await requestPermissions(auth, token, req.socket.remoteAddress)
  } catch (err) {
    const missing = err instanceof VenusError && err.details.reason === 'missing'
    return {
      ok: false,
      status: 401,
      message: missing ? `unauthorized: send a token (${howToSend})` : 'unauthorized: the token is not valid',
      headers: { 'www-authenticate': 'Bearer' },
    }
  }
  if (!perms.includes(need))
    return { ok: false, status: 403, message: `forbidden: the token lacks '${need}'`, headers: {} }
  return { ok: true }
}
