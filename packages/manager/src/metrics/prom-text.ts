/** A small parser of the Prometheus text exposition format, for tests and health checks. */

/** One sample: metric name, labels, value. */
export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

/**
 * Parses exposition text into samples (comments skipped). Throws on a malformed line.
 *
 * @example
 * ```ts
 * parsePromText('up{job="x"} 1\n') // [{ name: 'up', labels: { job: 'x' }, value: 1 }]
 * ```
 */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = []
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line)
    if (m === null) throw new Error(`line ${i + 1} is not a Prometheus sample: ${line}`)
    const labels: Record<string, string> = {}
    const body = m[2] ?? ''
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g
    let lm: RegExpExecArray | null = re.exec(body)
    while (lm !== null) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\n/g, '\n').replace(/\\(.)/g, '$1')
      lm = re.exec(body)
    }
    const value = parseSampleValue(m[3] as string)
    if (value === undefined) throw new Error(`line ${i + 1} has a bad value: ${m[3]}`)
    out.push({ name: m[1] as string, labels, value })
  }
  return out
}

// Prometheus reads special values case-insensitively (Go's ParseFloat), and prom-client writes
// NaN as "Nan" — e.g. the event-loop lag gauges before their first sample.
function parseSampleValue(v: string): number | undefined {
  const lower = v.toLowerCase()
  if (lower === 'nan') return Number.NaN
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY
  if (lower === '-inf') return Number.NEGATIVE_INFINITY
  const n = Number(v)
  return Number.isNaN(n) ? undefined : n
}

/**
 * The value of the first sample matching name and labels (a subset match), or undefined.
 *
 * @example
 * ```ts
 * promValue(samples, 'venus_sectors', { state: 'PC1Done' })
 * ```
 */
export function promValue(
  samples: readonly PromSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value
}
