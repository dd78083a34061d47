/**
 * The request target of an HTTP request, checked once so that every handler of a server routes
 * on the same path. Node hands `req.url` over as sent: `/metrics/../rpc/v0`, `/rpc/v0#x` or
 * `http://host/rpc/v0` reach the handlers raw, and a handler that resolves dot segments (as
 * `new URL()` does) and one that compares the raw text disagree about whose request it is — so
 * nobody answers. Targets are refused rather than normalised: a client that sends one of these is
 * either broken or probing, and a 400 says so.
 */

/** A target that may be routed: its path (no dot segments, no fragment) and query. */
export interface RequestTarget {
  ok: true
  /** `/rpc/v0`: exactly as sent, never percent-decoded. */
  path: string
  /** The query without `?` ('' when none). */
  query: string
  /** `path` plus `?query` when there is one: what `req.url` is rewritten to. */
  originForm: string
}

/** Why a target cannot be routed, with the status to answer. */
export interface BadRequestTarget {
  ok: false
  status: 400
  message: string
}

// RFC 3986 pchar (unreserved / pct-encoded / sub-delims / ":" / "@") plus "/". WHATWG URL parsing
// leaves such a path as it is, so `new URL(t, base).pathname` equals the raw path.
const PATH = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/
const QUERY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/
// `.`, `..` and their percent-encoded spellings (URL parsers resolve `%2e%2e` too).
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i

const bad = (message: string): BadRequestTarget => ({ ok: false, status: 400, message })

/**
 * Checks a request target (`req.url`): origin-form (`/path?query`) or absolute-form
 * (`http://host/path?query`, which servers must accept; its path is what counts). Refuses
 * fragments, dot segments (plain or percent-encoded), `//` at the start, characters outside
 * RFC 3986 and anything else (`*`, authority-form) with a message naming the fault.
 *
 * @example
 * ```ts
 * parseRequestTarget('/rpc/v0?x=1') // { ok: true, path: '/rpc/v0', query: 'x=1', originForm: '/rpc/v0?x=1' }
 * parseRequestTarget('/metrics/../rpc/v0') // { ok: false, status: 400, message: '… dot segment …' }
 * ```
 */
export function parseRequestTarget(url: string | undefined): RequestTarget | BadRequestTarget {
  let target = url ?? ''
  if (target.length > 8192) return bad('request target longer than 8192 characters')
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target)
  if (absolute !== null) {
    target = target.slice(absolute[0].length)
    if (target === '' || target.startsWith('?')) target = `/${target}`
  }
  if (!target.startsWith('/')) {
    return bad(
      target === '*'
        ? 'request target "*" is only meaningful for OPTIONS'
        : 'request target must be a path starting with "/" (or an absolute http URL)',
    )
  }
  if (target.includes('#')) return bad('request target must not carry a fragment ("#…")')
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  const query = q === -1 ? '' : target.slice(q + 1)
  if (path.startsWith('//')) return bad('request path must not start with "//"')
  if (!PATH.test(path))
    return bad('request path has characters outside RFC 3986 (space, "\\", "%" not escaping…)')
  if (!QUERY.test(query)) return bad('request query has characters outside RFC 3986')
  if (path.split('/').some((seg) => DOT_SEGMENT.test(seg)))
    return bad('request path must not contain "." or ".." segments (plain or percent-encoded)')
  return { ok: true, path, query, originForm: q === -1 ? path : `${path}?${query}` }
}
