import { cidToCommitment, commitmentToCid } from '@venus-cluster/core'
import type { CID } from 'multiformats/cid'

/**
 * The CID of a 32-byte CommR (`sealed`) or CommD (`unsealed`), as chain params carry them
 * (core's `commitmentToCid`; also checks the bytes are a field element).
 *
 * @example
 * ```ts
 * commitmentCid(new Uint8Array(32), 'sealed').toString() // 'bagboea4b5abc...'
 * ```
 */
export function commitmentCid(bytes: Uint8Array, kind: 'sealed' | 'unsealed'): CID {
  return commitmentToCid(bytes, kind === 'sealed' ? 'commR' : 'commD') as unknown as CID
}

/**
 * The 32 bytes inside a commitment CID string.
 *
 * @example
 * ```ts
 * commitmentBytes(commitmentCid(x, 'sealed').toString()) // x
 * ```
 */
export function commitmentBytes(cid: string): Uint8Array {
  return cidToCommitment(cid).commitment
}
