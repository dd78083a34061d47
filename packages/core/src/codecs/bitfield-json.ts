import { VenusError } from '../errors/index.js'

/**
 * go-bitfield JSON (run lengths starting with zeros) to sorted numbers.
 *
 * Runs must be non-negative safe integers, and at most `maxCount` numbers (default 10,000,000,
 * as `decodeBitfield`) are listed: a node or client that sends `[0, 1e12]` gets an
 * `BITFIELD_INVALID` error instead of exhausting memory.
 *
 * @throws VenusError `BITFIELD_INVALID` for a malformed run or too many numbers.
 * @example
 * ```ts
 * runsToNumbers([0, 2, 3, 1]) // [0, 1, 5]
 * ```
 */
export function runsToNumbers(
  runs: readonly number[] | null | undefined,
  options: { maxCount?: number } = {},
): number[] {
  const out: number[] = []
  if (!runs) return out
  const max = options.maxCount ?? 10_000_000
  let pos = 0
  runs.forEach((len, i) => {
    if (!Number.isSafeInteger(len) || len < 0) {
      throw new VenusError('BITFIELD_INVALID', `bitfield run ${i} is not a non-negative integer`, {
        details: { index: i, run: len },
      })
    }
    if (i % 2 === 1) {
      if (out.length + len > max) {
        throw new VenusError('BITFIELD_INVALID', `bitfield lists more than ${max} numbers`, {
          details: { maxCount: max },
        })
      }
      for (let k = 0; k < len; k++) out.push(pos + k)
    }
    pos += len
    if (!Number.isSafeInteger(pos)) {
      throw new VenusError('BITFIELD_INVALID', 'bitfield runs past 2^53', { details: { index: i } })
    }
  })
  return out
}

/**
 * Sorted unique numbers to go-bitfield JSON runs (`[0]` for the empty set).
 *
 * @example
 * ```ts
 * numbersToRuns([5, 0, 1]) // [0, 2, 3, 1]
 * ```
 */
export function numbersToRuns(values: Iterable<number>): number[] {
  const sorted = [...new Set(values)].sort((a, b) => a - b)
  if (sorted.length === 0) return [0]
  const runs: number[] = []
  let pos = 0
  let i = 0
  while (i < sorted.length) {
    const start = sorted[i]!
    let end = start
    while (sorted[i + 1] === end + 1) {
      i++
      end++
    }
    runs.push(start - pos, end - start + 1)
    pos = end + 1
    i++
  }
  return runs
}
