import { VenusError } from '../errors/index.js'

// Nanoseconds per unit: sums are exact in bigint, as Go computes them in integer nanoseconds.
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}

/**
 * Parses a Go duration string (`time.ParseDuration`) into milliseconds: `"1h0m0s"`, `"30s"`,
 * `"1.5h"`, `"300ms"`, `"-2m"`, `"0"`.
 *
 * @example
 * ```ts
 * parseGoDuration('1h0m0s') // 3600000
 * parseGoDuration('1.5s') // 1500
 * ```
 */
export function parseGoDuration(input: string): number {
  const text = typeof input === 'string' ? input.trim() : String(input)
  const fail = (): never => {
    throw new VenusError(
      'DURATION_INVALID',
      `cannot read ${JSON.stringify(text)} as a duration like "1h0m0s" or "30s"`,
      {
        details: { input: text },
      },
    )
  }
  let rest = text
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') fail()
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/
  let total = 0n
  while (rest.length > 0) {
    const m = re.exec(rest)
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) return fail()
    const unit = UNIT_NS[m[3]!]!
    const frac = m[2] ?? ''
    total +=
      BigInt(m[1] || '0') * unit + (frac === '' ? 0n : (BigInt(frac) * unit) / 10n ** BigInt(frac.length))
    rest = rest.slice(m[0].length)
  }
  if (total > 2n ** 63n - 1n) fail()
  return sign * (Number(total / 1_000_000n) + Number(total % 1_000_000n) / 1e6)
}

/**
 * Prints milliseconds as Go's `Duration.String()` does: `"1h0m0s"`, `"1m30s"`, `"1.5s"`,
 * `"300ms"`, `"0s"`.
 *
 * @example
 * ```ts
 * formatGoDuration(3600000) // '1h0m0s'
 * formatGoDuration(300) // '300ms'
 * ```
 */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new VenusError('DURATION_INVALID', `${ms} is not a finite duration`)
  if (ms === 0) return '0s'
  const neg = ms < 0
  const abs = Math.abs(ms)
  const wholeMs = Math.trunc(abs)
  let ns = BigInt(wholeMs) * 1_000_000n + BigInt(Math.round((abs - wholeMs) * 1e6))
  const sign = neg ? '-' : ''
  if (ns < 1_000_000_000n) {
    // sub-second: the largest unit that keeps an integer part, with decimals trimmed
    const [unit, div] =
      ns < 1000n
        ? (['ns', 1n] as const)
        : ns < 1_000_000n
          ? (['µs', 1000n] as const)
          : (['ms', 1_000_000n] as const)
    return `${sign}${decimal(ns, div)}${unit}`
  }
  const h = ns / 3_600_000_000_000n
  ns -= h * 3_600_000_000_000n
  const m = ns / 60_000_000_000n
  ns -= m * 60_000_000_000n
  const s = decimal(ns, 1_000_000_000n)
  if (h > 0n) return `${sign}${h}h${m}m${s}s`
  if (m > 0n) return `${sign}${m}m${s}s`
  return `${sign}${s}s`
}

function decimal(value: bigint, div: bigint): string {
  const whole = value / div
  const digits = div.toString().length - 1
  const frac = (value % div).toString().padStart(digits, '0').replace(/0+$/, '')
  return frac === '' ? whole.toString() : `${whole}.${frac}`
}
