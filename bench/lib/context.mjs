// Helpers handed to every benchmark's run(ctx).

/**
 * @typedef {{ best: number, median: number, runs: number[] }} Timing seconds
 * @typedef {Record<string, string | number>} Row
 * @typedef {{
 *   log: (...args: unknown[]) => void,
 *   row: (row: Row) => void,
 *   note: (text: string) => void,
 *   rows: Row[],
 *   notes: string[],
 *   time: (fn: () => unknown, opts?: { runs?: number, warmup?: number }) => Promise<Timing>,
 *   timeInterleaved: <K extends string>(fns: Record<K, () => unknown>, opts?: { runs?: number, warmup?: number }) => Promise<Record<K, Timing>>,
 *   quick: boolean,
 * }} BenchContext
 */

/** @returns {BenchContext} */
export function createContext() {
  const rows = []
  const notes = []
  return {
    rows,
    notes,
    // BENCH_QUICK=1 lets a benchmark shrink its inputs for a smoke run.
    quick: process.env.BENCH_QUICK === '1',
    log: (...args) => console.log('  ', ...args),
    row: (row) => rows.push(row),
    note: (text) => notes.push(text),
    /** Times `fn` (sync or async) `runs` times after `warmup` runs; seconds. */
    async time(fn, { runs = 3, warmup = 1 } = {}) {
      for (let i = 0; i < warmup; i++) await fn()
      const times = []
      for (let i = 0; i < runs; i++) {
        globalThis.gc?.()
        const t0 = performance.now()
        await fn()
        times.push((performance.now() - t0) / 1000)
      }
      return summarize(times)
    },
    /**
     * Times several functions round-robin (a, b, c, a, b, c, …) so that a change in machine load
     * hits all of them alike; use it when rows are compared with each other.
     */
    async timeInterleaved(fns, { runs = 3, warmup = 1 } = {}) {
      const names = Object.keys(fns)
      const times = Object.fromEntries(names.map((n) => [n, []]))
      for (let i = 0; i < warmup; i++) for (const n of names) await fns[n]()
      for (let i = 0; i < runs; i++) {
        for (const n of names) {
          globalThis.gc?.()
          const t0 = performance.now()
          await fns[n]()
          times[n].push((performance.now() - t0) / 1000)
        }
      }
      return Object.fromEntries(names.map((n) => [n, summarize(times[n])]))
    },
  }
}

function summarize(times) {
  const sorted = [...times].sort((a, b) => a - b)
  return { best: sorted[0], median: sorted[Math.floor(sorted.length / 2)], runs: times }
}
