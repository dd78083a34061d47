/** Where an HTTP request carries its API token, and the 401/403 gate of HTTP endpoints. */
import type { IncomingMessage } from 'node:http'
import { VenusError } from '../errors/index.js'
import type { RpcPermission } from '../rpc/types.js'
import { type RequestAuth, requestPermissions } from './trusted-networks.js'

/** Name of the cookie the dashboard keeps its token in. */
export const TOKEN_COOKIE = 'venus_token'

/**
 * The token of a request: `Authorization: Bearer`, then the `venus_token` cookie, then
 * `?token=`. Undefined when none is present.
 *
 * @example
 * ```ts
 * const token = tokenFromRequest(req)
 * ```
 */
export function tokenFromRequest(req: Pick<IncomingMessage, 'headers' | 'url'>): string | undefined {
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
 *
 * @example
 * ```ts
 * const gate = await gateRequest(auth, req, 'read')
 * if (!gate.ok) { res.writeHead(gate.status, gate.headers); res.end(gate.message); return }
 * ```
 */
export async function gateRequest(
  auth: RequestAuth,
  req: Pick<IncomingMessage, 'headers' | 'url'> & { socket: { remoteAddress?: string | undefined } },
  need: RpcPermission,
  howToSend = 'Authorization: Bearer',
): Promise<RequestGate> {
  let perms: readonly RpcPermission[]
  try {
    perms = await requestPermissions(auth, tokenFromRequest(req), req.socket.remoteAddress)
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
