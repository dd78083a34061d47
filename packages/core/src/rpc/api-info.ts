import { VenusError } from '../errors/index.js'

/** Endpoints and token parsed from an API-info string; see {@link parseApiInfo}. */
export interface ApiInfo {
  /** The token, when the string carried one (`TOKEN:/ip4/...`) or one was given. */
  token?: string
  /** `http://` or `https://` endpoint for POST calls. */
  httpUrl: string
  /** `ws://` or `wss://` endpoint for WebSocket calls (channels). */
  wsUrl: string
  /** Whether the address asked for WebSocket (`/ws`, `/wss`, default) rather than plain HTTP. */
  preferWs: boolean
}

/** Options of {@link parseApiInfo}. */
export interface ParseApiInfoOptions {
  /** API version path segment when the address has none (default `v1`; messager and manager use `v0`). */
  version?: string
  /** Token to use when the string carries none (damocles style separate `Token` field). */
  token?: string | undefined
}

function invalid(info: string, why: string): never {
  throw new VenusError('API_INFO_INVALID', `API info '${info}': ${why}`, { details: { info } })
}

function splitToken(info: string): { token: string | undefined; addr: string } {
  if (info.startsWith('/')) return { token: undefined, addr: info }
  const i = info.indexOf(':')
  if (i <= 0 || info.startsWith('//', i + 1)) return { token: undefined, addr: info }
  const rest = info.slice(i + 1)
  // Lotus splits at the first ':' not followed by '//'; require an address after it so that a
  // bare `host:port` is not mistaken for `token:address`.
  if (rest.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(rest))
    return { token: info.slice(0, i), addr: rest }
  return { token: undefined, addr: info }
}

function fromMultiaddr(
  info: string,
  addr: string,
  defVersion: string,
): { base: string; secure: boolean; ws: boolean } {
  const parts = addr.split('/').slice(1)
  let host: string | undefined
  let port: string | undefined
  let version = defVersion
  let wss = false
  let https = false
  let wsFlag = false
  let httpFlag = false
  let tls = false
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]
    const arg = () => {
      const v = parts[++i]
      if (v === undefined || v === '') invalid(info, `/${p} needs a value`)
      return v
    }
    switch (p) {
      case 'ip4': {
        const v = arg()
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || v.split('.').some((o) => Number(o) > 255))
          invalid(info, `'${v}' is not an IPv4 address`)
        host = v
        break
      }
      case 'ip6': {
        const v = arg()
        if (!/^[0-9a-fA-F:.]+$/.test(v) || !v.includes(':')) invalid(info, `'${v}' is not an IPv6 address`)
        host = `[${v}]`
        break
      }
      case 'dns':
      case 'dns4':
      case 'dns6':
      case 'dnsaddr': {
        const v = arg()
        if (!/^[a-zA-Z0-9.-]+$/.test(v)) invalid(info, `'${v}' is not a host name`)
        host = v
        break
      }
      case 'tcp': {
        const v = arg()
        if (!/^\d+$/.test(v) || Number(v) > 65535) invalid(info, `'${v}' is not a TCP port`)
        port = v
        break
      }
      case 'http':
        httpFlag = true
        break
      case 'https':
        https = true
        break
      case 'ws':
        wsFlag = true
        break
      case 'wss':
        wss = true
        break
      case 'tls':
        tls = true
        break
      case 'version': {
        const v = arg()
        if (!/^v\d+$/.test(v)) invalid(info, `'${v}' is not an API version like v1`)
        version = v
        break
      }
      case '':
        if (i === parts.length - 1) break
        invalid(info, 'empty multiaddr component')
        break
      default:
        invalid(info, `unsupported multiaddr component '/${p}'`)
    }
  }
  if (host === undefined) invalid(info, 'no /ip4, /ip6 or /dns host')
  if (port === undefined) invalid(info, 'no /tcp port')
  let secure: boolean
  let ws: boolean
  if (wss) [secure, ws] = [true, true]
  else if (https) [secure, ws] = [true, false]
  else if (wsFlag) [secure, ws] = [tls, true]
  else if (httpFlag) [secure, ws] = [tls, false]
  else [secure, ws] = [tls, true]
  return { base: `${host}:${port}/rpc/${version}`, secure, ws }
}

/**
 * Parses an API-info string — `TOKEN:/ip4/127.0.0.1/tcp/1234/http`, a bare multiaddr
 * (`/dns/node/tcp/3453`, `/ip6/::1/tcp/1234/wss`) or a URL (`https://host/rpc/v1`) — into HTTP
 * and WebSocket endpoints plus the token. Follows Venus `DialArgs` (a superset of Lotus).
 *
 * @example
 * ```ts
 * parseApiInfo('eyJ...:/ip4/127.0.0.1/tcp/1234/http')
 * // { token: 'eyJ...', httpUrl: 'http://127.0.0.1:1234/rpc/v1', wsUrl: 'ws://127.0.0.1:1234/rpc/v1', preferWs: false }
 * ```
 */
export function parseApiInfo(info: string, opts: ParseApiInfoOptions = {}): ApiInfo {
  const text = info.trim()
  if (text === '') invalid(info, 'empty')
  const version = opts.version ?? 'v1'
  const { token: inline, addr } = splitToken(text)
  const token = inline ?? (opts.token === '' ? undefined : opts.token)
  let httpUrl: string
  let wsUrl: string
  let preferWs: boolean
  if (addr.startsWith('/')) {
    const { base, secure, ws } = fromMultiaddr(info, addr, version)
    httpUrl = `${secure ? 'https' : 'http'}://${base}`
    wsUrl = `${secure ? 'wss' : 'ws'}://${base}`
    preferWs = ws
  } else {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(addr) ? addr : `http://${addr}`
    let url: URL
    try {
      url = new URL(withScheme)
    } catch {
      invalid(info, 'neither a multiaddr nor a URL')
    }
    const scheme = url.protocol.slice(0, -1)
    if (!['http', 'https', 'ws', 'wss'].includes(scheme)) invalid(info, `unsupported URL scheme '${scheme}'`)
    if (url.pathname === '' || url.pathname === '/') url.pathname = `/rpc/${version}`
    const secure = scheme === 'https' || scheme === 'wss'
    preferWs = scheme === 'ws' || scheme === 'wss'
    const rest = url.href.slice(url.protocol.length)
    httpUrl = `${secure ? 'https' : 'http'}:${rest}`
    wsUrl = `${secure ? 'wss' : 'ws'}:${rest}`
  }
  const out: ApiInfo = { httpUrl, wsUrl, preferWs }
  if (token !== undefined) out.token = token
  return out
}
