/**
 * Lotus-style API tokens: HS256 JWTs whose payload is `{"Allow": [...permissions]}`, signed with
 * one secret per daemon. Shared by the manager, the worker control API and the devnet.
 */
import { randomBytes } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import { VenusError } from '../errors/index.js'
import { RPC_PERMISSIONS, type RpcPermission } from '../rpc/types.js'
import { type RequestAuth, requestPermissions } from './trusted-networks.js'

/** Environment variable holding the token CLIs and workers send to the sector manager. */
export const SECTOR_MANAGER_TOKEN_ENV = 'VENUS_SECTOR_MANAGER_TOKEN'

/**
 * The permissions a token of level `perm` carries: that level and every weaker one, as the
 * tokens `lotus auth create-token --perm` prints.
 *
 * @example
 * ```ts
 * permissionsUpTo('sign') // ['read', 'write', 'sign']
 * ```
 */
export function permissionsUpTo(perm: RpcPermission): RpcPermission[] {
  const i = RPC_PERMISSIONS.indexOf(perm)
  if (i < 0) {
    throw new VenusError('INVALID_ARGUMENT', `unknown permission ${JSON.stringify(perm)}`, {
      details: { known: RPC_PERMISSIONS },
    })
  }
  return RPC_PERMISSIONS.slice(0, i + 1)
}

/**
 * Parses a permission name (`--perm`), throwing a clear error for anything else.
 *
 * @example
 * ```ts
 * parsePermission('admin') // 'admin'
 * ```
 */
export function parsePermission(text: string): RpcPermission {
  const p = RPC_PERMISSIONS.find((x) => x === text)
  if (p === undefined) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      `permission must be one of ${RPC_PERMISSIONS.join(', ')}, got ${JSON.stringify(text)}`,
    )
  }
  return p
}

/** Issues and verifies tokens with one secret. */
export interface TokenAuthority {
  readonly secret: Uint8Array
  /** A token allowing `perm` and every weaker permission (or exactly the list given). */
  issue(perm: RpcPermission | readonly RpcPermission[]): Promise<string>
  /** Permissions a token grants; throws `UNAUTHENTICATED` for a forged, malformed or foreign token. */
  verify(token: string): Promise<RpcPermission[]>
}

/**
 * Creates a token issuer/verifier; a random 32-byte secret unless one is given.
 *
 * @example
 * ```ts
 * const auth = createTokenAuthority()
 * const t = await auth.issue('write')
 * await auth.verify(t) // ['read', 'write']
 * ```
 */
export function createTokenAuthority(secret: Uint8Array = randomBytes(32)): TokenAuthority {
  if (secret.length < 16) {
    throw new VenusError('INVALID_ARGUMENT', `token secret must be at least 16 bytes, got ${secret.length}`)
  }
  return {
    secret,
    async issue(perm) {
      const allow = typeof perm === 'string' ? permissionsUpTo(perm) : [...perm]
      return new SignJWT({ Allow: allow }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret)
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] })
        const allow: unknown[] = Array.isArray(payload.Allow) ? payload.Allow : []
        return RPC_PERMISSIONS.filter((p) => allow.includes(p))
      } catch (err) {
        throw new VenusError('UNAUTHENTICATED', 'the API token is not valid', { cause: err })
      }
    },
  }
}

/**
 * An `authorize` hook for `createRpcServer`: no token or a bad token is refused (HTTP 401),
 * a valid one maps to its permissions. With a `tokenless` hook (see `withTrustedNetworks`), a
 * caller without a token gets what the hook grants its address.
 *
 * @example
 * ```ts
 * createRpcServer({ methods, authorize: requireToken(auth), permissions })
 * ```
 */
export function requireToken(
  auth: RequestAuth,
): (token: string | undefined, request?: { remoteAddress?: string | undefined }) => Promise<RpcPermission[]> {
  return async (token, request) => [...(await requestPermissions(auth, token, request?.remoteAddress))]
}
