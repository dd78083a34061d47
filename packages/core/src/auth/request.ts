/** Where an HTTP request carries its API token. */
import type { IncomingMessage } from 'node:http'

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
