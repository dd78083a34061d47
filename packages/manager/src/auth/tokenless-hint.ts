/**
 * The way out for workers that send no token. The original Rust venus-worker never sends one, so
 * against a manager with auth on it gets 401 on every call and seals nothing; its own log only
 * says "401". The first tokenless request refused from a private address is therefore logged once,
 * naming the flag and the config key that let such workers in.
 */
import { parseTrustedNetworks, type RequestAuth } from '@venus-cluster/core/auth'

/** Loopback, RFC 1918, shared (CGNAT), link-local and IPv6 unique-local / link-local blocks. */
const PRIVATE = parseTrustedNetworks([
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
])

/** A block to suggest for `address`: its /24 (IPv4) or /64 (IPv6). */
function suggestedBlock(address: string): string {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.\d+$/i.exec(address)
  if (v4 !== null) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`
  const groups = address.split('::')[0]?.split(':').slice(0, 4) ?? []
  while (groups.length < 4) groups.push('0')
  return `${groups.join(':')}::/64`
}

/**
 * The hint logged for a refused tokenless request from `address`.
 *
 * @example
 * ```ts
 * tokenlessHint('10.1.2.3') // 'a request without a token from 10.1.2.3 was refused (401) …'
 * ```
 */
export function tokenlessHint(address: string): string {
  const block = suggestedBlock(address)
  return (
    `a request without a token from ${address} was refused (401). Workers that send no token, such as the original Rust venus-worker, ` +
    `need their network trusted: restart with \`daemon run --trusted-networks ${block}\`, or set TrustedNetworks = ["${block}"] ` +
    'under [Common.API] in sector-manager.cfg (seed layout: under [SectorManager]); they may then read, write and sign, and admin ' +
    'calls still need a token. Other callers send a token (venus-sector-manager auth create-token --perm sign). ' +
    'This is logged once.'
  )
}

/**
 * Wraps `auth` so that the first tokenless request it refuses from a private address calls
 * `log` with {@link tokenlessHint}; later ones are refused silently, as before.
 *
 * @example
 * ```ts
 * const auth = withTokenlessHint(requestAuth, (msg, fields) => logger.warn(fields, msg))
 * ```
 */
export function withTokenlessHint(
  auth: RequestAuth,
  log: (message: string, fields: { remoteAddress: string }) => void,
): RequestAuth {
  let logged = false
  return {
    verify: (token) => auth.verify(token),
    tokenless: (address) => {
      const granted = auth.tokenless?.(address)
      if (granted === undefined && !logged && address !== undefined && PRIVATE.includes(address)) {
        logged = true
        log(tokenlessHint(address.replace(/^::ffff:(?=\d+\.)/i, '')), { remoteAddress: address })
      }
      return granted
    },
  }
}
