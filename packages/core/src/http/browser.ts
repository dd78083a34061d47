/**
 * What a request that carries no `Authorization` header must look like. Such a request is
 * authorised by where it comes from (a trusted network, auth off) or by a cookie, and a web page
 * opened on a machine of that network could send it: a form post, a `fetch` with a text body or
 * a WebSocket opened from another origin. Programs (the original worker, go-jsonrpc, our
 * clients) send no `Origin` and no `Sec-Fetch-Site`, and send JSON as `application/json`; a
 * browser announces a foreign page in both headers, and cannot send `application/json` across
 * origins without a CORS preflight, which {@link answerPreflight} refuses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** A refusal: the status and a one-line text to answer with. */
export interface BrowserRefusal {
  status: 403 | 415
  message: string
}

type Req = Pick<IncomingMessage, 'headers' | 'method'>

function header(req: Req, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Whether the `Origin` header names this server itself (scheme + the `Host` it was sent to). */
function sameOrigin(req: Req, origin: string): boolean {
  const host = header(req, 'host')
  if (host === undefined) return false
  const h = host.toLowerCase()
  const o = origin.toLowerCase()
  return o === `http://${h}` || o === `https://${h}`
}

/**
 * Refuses (403) a request a foreign web page sent: an `Origin` other than this server, or
 * `Sec-Fetch-Site` other than `same-origin`/`none` (a top-level GET navigation, such as
 * following a link to the dashboard, stays allowed). `json: true` also refuses (415) a body that
 * is not `application/json`. Returns undefined when the request may go on.
 *
 * @example
 * ```ts
 * const refusal = refuseBrowserRequest(req, { json: req.method === 'POST' })
 * if (refusal) { res.writeHead(refusal.status).end(refusal.message); return }
 * ```
 */
export function refuseBrowserRequest(req: Req, opts: { json?: boolean } = {}): BrowserRefusal | undefined {
  const origin = header(req, 'origin')
  const site = header(req, 'sec-fetch-site')?.toLowerCase()
  const navigation =
    (req.method === 'GET' || req.method === 'HEAD') && header(req, 'sec-fetch-mode') === 'navigate'
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && !navigation) {
    return {
      status: 403,
      message: `refused: a ${site} browser request without a token (send Authorization: Bearer)`,
    }
  }
  if (origin !== undefined && !sameOrigin(req, origin) && !navigation) {
    return {
      status: 403,
      message: `refused: a request from origin ${JSON.stringify(origin.slice(0, 200))} without a token (send Authorization: Bearer)`,
    }
  }
  if (opts.json === true) {
    const type = header(req, 'content-type')?.split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/json') {
      return {
        status: 415,
        message: `refused: the body must be sent as Content-Type: application/json, got ${type === undefined ? 'none' : JSON.stringify(type.slice(0, 100))}`,
      }
    }
  }
  return undefined
}

/**
 * Answers an `OPTIONS` request for a path that serves `allow` (`'POST'`, `'GET, HEAD'`): a CORS
 * preflight from another origin gets 403 (no origin is ever granted, so no wildcard either);
 * a plain OPTIONS, or a preflight from this server's own origin, gets 204 with `Allow`.
 *
 * @example
 * ```ts
 * if (req.method === 'OPTIONS') return answerPreflight(req, res, 'POST')
 * ```
 */
export function answerPreflight(req: Req, res: ServerResponse, allow: string): void {
  const origin = header(req, 'origin')
  const methods = `${allow}, OPTIONS`
  if (origin !== undefined && !sameOrigin(req, origin)) {
    const text = `cross-origin requests are not allowed (origin ${JSON.stringify(origin.slice(0, 200))})\n`
    res.writeHead(403, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      vary: 'Origin',
    })
    res.end(text)
    return
  }
  const headers: Record<string, string> = { allow: methods, 'content-length': '0', vary: 'Origin' }
  if (origin !== undefined) {
    headers['access-control-allow-origin'] = origin
    headers['access-control-allow-methods'] = methods
    headers['access-control-allow-headers'] = 'authorization, content-type'
    headers['access-control-max-age'] = '600'
  }
  res.writeHead(204, headers)
  res.end()
}
