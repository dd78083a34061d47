/**
 * go-bitfield JSON (run lengths starting with zeros) to sorted numbers.
 *
 * @example
 * ```ts
 * runsToNumbers([0, 2, 3, 1]) // [0, 1, 5]
 * ```
 */
export function runsToNumbers(runs: readonly number[] | null | undefined): number[] {
  const out: number[] = []
  if (!runs) return out
  let pos = 0
  runs.forEach((len, i) => {
    if (i % 2 === 1) for (let k = 0; k < len; k++) out.push(pos + k)
    pos += len
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
