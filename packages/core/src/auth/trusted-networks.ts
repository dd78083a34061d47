/**
 * Networks whose callers may go without a token. The original Rust venus-worker (v0.1–v0.3)
 * sends no token to the sector manager, so a cluster that keeps those workers either turns
 * auth off altogether or trusts the sealing network for the calls a worker makes — admin
 * calls, and every caller outside those networks, still need a token.
 */
import { BlockList, isIP } from 'node:net'
import { VenusError } from '../errors/index.js'
import type { RpcPermission } from '../rpc/types.js'
import type { TokenAuthority } from './tokens.js'

/** A parsed list of CIDR blocks (IPv4 and IPv6). */
export interface TrustedNetworks {
  /** The blocks as given, normalised (`10.0.0.0/8`, `::1/128`). */
  readonly cidrs: readonly string[]
  /** Whether `address` (a socket's `remoteAddress`, IPv4-mapped IPv6 included) is in a block. */
  includes(address: string | undefined): boolean
}

/** Peer addresses whose answer {@link parseTrustedNetworks}' `includes` keeps. */
const CHECKED = 4096

/**
 * Parses CIDR blocks (`10.1.0.0/16`, `127.0.0.1`, `fd00::/8`); a bare address is one host.
 * Throws `INVALID_ARGUMENT` naming the entry for anything else.
 *
 * @example
 * ```ts
 * const nets = parseTrustedNetworks(['10.1.0.0/16', '127.0.0.1'])
 * nets.includes('::ffff:10.1.2.3') // true
 * nets.includes('192.168.1.1') // false
 * ```
 */
export function parseTrustedNetworks(entries: readonly string[]): TrustedNetworks {
  const list = new BlockList()
  const cidrs: string[] = []
  for (const raw of entries) {
    const entry = raw.trim()
    const slash = entry.indexOf('/')
    const addr = slash < 0 ? entry : entry.slice(0, slash)
    const family = isIP(addr)
    const bits = family === 4 ? 32 : 128
    const prefixText = slash < 0 ? String(bits) : entry.slice(slash + 1)
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN
    if (family === 0 || !(prefix >= 0 && prefix <= bits)) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `trusted network ${JSON.stringify(raw)} is not an IPv4 or IPv6 address or CIDR block (e.g. 10.1.0.0/16, fd00::/8)`,
        { details: { entry: raw } },
      )
    }
    const type = family === 4 ? 'ipv4' : 'ipv6'
    list.addSubnet(addr, prefix, type)
    cidrs.push(`${addr}/${prefix}`)
  }
  // Every request asks about its peer, and a farm's workers are a few hundred addresses: answers
  // are kept (the list never changes), at most CHECKED of them.
  const checked = new Map<string, boolean>()
  const check = (address: string): boolean => {
    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
    if (v4 !== undefined) return list.check(v4, 'ipv4') || list.check(address, 'ipv6')
    const family = isIP(address)
    if (family === 0) return false
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }
  return {
    cidrs,
    includes(address) {
      if (address === undefined || cidrs.length === 0) return false
      let ok = checked.get(address)
      if (ok === undefined) {
        ok = check(address)
        if (checked.size >= CHECKED) checked.clear()
        checked.set(address, ok)
      }
      return ok
    },
  }
}

/**
 * Token checking as an HTTP endpoint applies it: a token is verified; a request without one
 * gets `tokenless(remoteAddress)` when that is set and answers, and is refused otherwise.
 */
export interface RequestAuth extends Pick<TokenAuthority, 'verify'> {
  /** Permissions of a caller that sent no token; undefined = refused. */
  tokenless?: ((remoteAddress: string | undefined) => readonly RpcPermission[] | undefined) | undefined
}

/**
 * Lets callers without a token from `networks` have `perms` (default read, write and sign: what
 * a sealing worker calls); a token, when sent, is always verified, so a forged one is refused
 * from anywhere.
 *
 * @example
 * ```ts
 * const auth = withTrustedNetworks(createTokenAuthority(), parseTrustedNetworks(['10.1.0.0/16']))
 * auth.tokenless?.('10.1.4.2') // ['read', 'write', 'sign']
 * auth.tokenless?.('192.0.2.7') // undefined: refused
 * ```
 */
export function withTrustedNetworks(
  auth: Pick<TokenAuthority, 'verify'>,
  networks: TrustedNetworks,
  perms: readonly RpcPermission[] = ['read', 'write', 'sign'],
): RequestAuth {
  const granted = Object.freeze([...perms])
  return {
    verify: (token) => auth.verify(token),
    tokenless: (address) => (networks.includes(address) ? granted : undefined),
  }
}

/**
 * The permissions of an HTTP request under `auth`. Throws `UNAUTHENTICATED` with
 * `details.reason` `'missing'` (no token, not from a trusted network) or `'invalid'`.
 *
 * @example
 * ```ts
 * const perms = await requestPermissions(auth, token, req.socket.remoteAddress)
 * ```
 */
export async function requestPermissions(
  auth: RequestAuth,
  token: string | undefined,
  remoteAddress: string | undefined,
): Promise<readonly RpcPermission[]> {
  if (token === undefined || token === '') {
    const perms = auth.tokenless?.(remoteAddress)
    if (perms !== undefined) return perms
    throw new VenusError('UNAUTHENTICATED', 'no API token sent', { details: { reason: 'missing' } })
  }
  try {
    return await auth.verify(token)
  } catch (cause) {
    throw new VenusError('UNAUTHENTICATED', 'the API token is not valid', {
      details: { reason: 'invalid' },
      cause,
    })
  }
}
