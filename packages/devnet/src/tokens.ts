/**
 * Lotus-style API tokens for a served devnet: HS256 JWTs whose payload is
 * `{"Allow": [...permissions]}`, signed with a per-devnet secret.
 */
import { randomBytes } from 'node:crypto'
import { VenusError } from '@venus-cluster/core'
import { jwtVerify, SignJWT } from 'jose'
import type { DevnetPermission } from './lotus-api.js'

const ORDER: DevnetPermission[] = ['read', 'write', 'sign', 'admin']

/** Issues and checks tokens with one secret. */
export interface DevnetTokens {
  readonly secret: Uint8Array
  /** A token allowing `perm` and every lower permission. */
  issue(perm: DevnetPermission): Promise<string>
  /** Permissions granted by a token; throws UNAUTHENTICATED for a bad token. */
  verify(token: string): Promise<DevnetPermission[]>
}

/**
 * Creates a token issuer/verifier (random secret unless given).
 *
 * @example
 * ```ts
 * const tokens = devnetTokens()
 * const admin = await tokens.issue('admin')
 * await tokens.verify(admin) // ['read', 'write', 'sign', 'admin']
 * ```
 */
export function devnetTokens(secret: Uint8Array = randomBytes(32)): DevnetTokens {
  return {
    secret,
    async issue(perm) {
      const allow = ORDER.slice(0, ORDER.indexOf(perm) + 1)
      return new SignJWT({ Allow: allow }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret)
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] })
        const allow = Array.isArray(payload.Allow) ? payload.Allow : []
        return ORDER.filter((p) => allow.includes(p))
      } catch (err) {
        throw new VenusError('UNAUTHENTICATED', 'token is not valid for this devnet', { cause: err })
      }
    },
  }
}

/** Whether `granted` includes `required`. */
export function hasPermission(granted: readonly string[], required: DevnetPermission): boolean {
  return granted.includes(required)
}
