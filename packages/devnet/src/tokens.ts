/**
 * Lotus-style API tokens for a served devnet: the core {@link createTokenAuthority} (HS256 JWTs
 * with payload `{"Allow": [...permissions]}`) under the devnet's historical names.
 */
import type { RpcPermission } from '@venus-cluster/core'
import { createTokenAuthority, type TokenAuthority } from '@venus-cluster/core/auth'

/** Issues and checks tokens with one secret. */
export type DevnetTokens = TokenAuthority

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
export function devnetTokens(secret?: Uint8Array): DevnetTokens {
  return createTokenAuthority(secret)
}

/** Whether `granted` includes `required`. */
export function hasPermission(granted: readonly string[], required: RpcPermission): boolean {
  return granted.includes(required)
}
