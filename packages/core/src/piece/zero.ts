import { VenusError } from '../errors/index.js'
import { hashNodePairs } from './node-hash.js'

/** Bytes in one tree node (a 32-byte field element). */
export const NODE_SIZE = 32

/** Highest tree level kept in the table: 2^45 nodes · 32 B = 1 PiB, far past 64 GiB sectors. */
const MAX_LEVEL = 45

let table: Uint8Array | undefined

/** All zero-subtree roots, level k at offset 32·k (level 0 = a zero leaf). Built once, lazily. */
function zeroTable(): Uint8Array {
  if (table === undefined) {
    const t = new Uint8Array((MAX_LEVEL + 1) * NODE_SIZE)
    const pair = new Uint8Array(2 * NODE_SIZE)
    for (let level = 1; level <= MAX_LEVEL; level++) {
      const prev = t.subarray((level - 1) * NODE_SIZE, level * NODE_SIZE)
      pair.set(prev, 0)
      pair.set(prev, NODE_SIZE)
      hashNodePairs(pair, 0, t, level * NODE_SIZE, 1)
    }
    table = t
  }
  return table
}

/**
 * The root of an all-zero subtree `level` levels above the leaves, as a view into the shared
 * table (callers inside this module must not mutate it).
 */
export function zeroNodeView(level: number): Uint8Array {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
    throw new VenusError('PIECE_SIZE_INVALID', 'zero subtree level out of range', {
      details: { level, max: MAX_LEVEL },
    })
  }
  return zeroTable().subarray(level * NODE_SIZE, (level + 1) * NODE_SIZE)
}

/** log2 of a power of two that is a safe integer, or -1 when `n` is not one. */
export function log2Exact(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) return -1
  const l = Math.round(Math.log2(n))
  return 2 ** l === n ? l : -1
}

/**
 * The piece commitment (CommP) of an all-zero piece of `paddedSize` bytes, which is also the
 * CommD of an empty sector of that size: the root of the sha256-trunc254 tree over
 * `paddedSize / 32` zero leaves. Sizes from 32 B (a single zero leaf) up to 1 PiB are served
 * from a table computed once (~45 hashes).
 *
 * @throws VenusError `PIECE_SIZE_INVALID` when `paddedSize` is not a power of two ≥ 32.
 * @example
 * ```ts
 * zeroCommitment(2048) // fc7e9282…f833, the CommD of an empty 2KiB sector
 * ```
 */
export function zeroCommitment(paddedSize: number): Uint8Array {
  const l = log2Exact(paddedSize)
  if (l < 5 || l - 5 > MAX_LEVEL) {
    throw new VenusError('PIECE_SIZE_INVALID', 'zero commitment size must be a power of two ≥ 32', {
      details: { paddedSize },
    })
  }
  return zeroNodeView(l - 5).slice()
}
