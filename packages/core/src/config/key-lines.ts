/**
 * Maps TOML key paths to the line they are written on.
 *
 * smol-toml reports positions only for syntax errors, so schema errors need their own map from
 * a key path (`PoSt.Actors.10000.Sender`, `SectorManager.Miners[0].ID`) to a 1-based line.
 * The scanner runs only on text smol-toml has already accepted, so it can stay simple.
 */

/** Formats key path segments the way config errors print them. */
export function formatKeyPath(segments: readonly (string | number)[]): string {
  let out = ''
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`
    else {
      const part = /^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg)
      out += out === '' ? part : `.${part}`
    }
  }
  return out
}

/** Splits a TOML dotted key (`a."b.c".d`) into its segments. */
function splitDottedKey(text: string): string[] {
  const segs: string[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === ' ' || ch === '\t' || ch === '.') {
      i++
      continue
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1
      let seg = ''
      while (j < text.length && text[j] !== ch) {
        if (ch === '"' && text[j] === '\\' && j + 1 < text.length) {
          seg += text[j + 1]
          j += 2
          continue
        }
        seg += text[j]
        j++
      }
      segs.push(seg)
      i = j + 1
      continue
    }
    let j = i
    while (j < text.length && /[A-Za-z0-9_-]/.test(text[j] ?? '')) j++
    segs.push(text.slice(i, j))
    i = j === i ? i + 1 : j
  }
  return segs
}

/** Index of the first `=` outside quotes, or -1. */
function keyEnd(line: string): number {
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quote !== undefined) {
      if (ch === '\\' && quote === '"') i++
      else if (ch === quote) quote = undefined
    } else if (ch === '"' || ch === "'") quote = ch
    else if (ch === '=') return i
  }
  return -1
}

/** Tracks brackets and multi-line strings of a value that may continue on later lines. */
interface ValueState {
  depth: number
  multiline: '"""' | "'''" | undefined
}

function scanValue(text: string, state: ValueState): void {
  let i = 0
  while (i < text.length) {
    if (state.multiline !== undefined) {
      const end = text.indexOf(state.multiline, i)
      if (end < 0) return
      i = end + 3
      state.multiline = undefined
      continue
    }
    const ch = text[i]
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      state.multiline = text.slice(i, i + 3) as '"""' | "'''"
      i += 3
      continue
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1
      while (j < text.length && text[j] !== ch) j += ch === '"' && text[j] === '\\' ? 2 : 1
      i = j + 1
      continue
    }
    if (ch === '#') return
    if (ch === '[' || ch === '{') state.depth++
    else if (ch === ']' || ch === '}') state.depth--
    i++
  }
}

/**
 * Scans TOML text and returns the 1-based line of every table header and key.
 *
 * @example
 * ```ts
 * const lines = tomlKeyLines('[Chain]\nApi = "x"\n')
 * lines.get('Chain.Api') // 2
 * ```
 */
export function tomlKeyLines(text: string): Map<string, number> {
  const lines = text.split(/\r?\n/)
  const out = new Map<string, number>()
  const arrayCounts = new Map<string, number>()
  let prefix: (string | number)[] = []
  const state: ValueState = { depth: 0, multiline: undefined }

  const resolve = (segs: string[], isArray: boolean): (string | number)[] => {
    const resolved: (string | number)[] = []
    for (let k = 0; k < segs.length; k++) {
      resolved.push(segs[k] as string)
      const key = formatKeyPath(resolved)
      const last = k === segs.length - 1
      if (last && isArray) {
        const idx = (arrayCounts.get(key) ?? -1) + 1
        arrayCounts.set(key, idx)
        resolved.push(idx)
      } else if (arrayCounts.has(key)) {
        resolved.push(arrayCounts.get(key) as number)
      }
    }
    return resolved
  }

  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n] ?? ''
    if (state.multiline !== undefined || state.depth > 0) {
      scanValue(raw, state)
      continue
    }
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    if (line.startsWith('[[')) {
      const end = line.indexOf(']]')
      prefix = resolve(splitDottedKey(line.slice(2, end)), true)
      if (!out.has(formatKeyPath(prefix))) out.set(formatKeyPath(prefix), n + 1)
      continue
    }
    if (line.startsWith('[')) {
      const end = line.lastIndexOf(']')
      prefix = resolve(splitDottedKey(line.slice(1, end)), false)
      // Implicit parent tables (`[a.b]` defines `a`) get the line of their first mention.
      for (let k = 1; k <= prefix.length; k++) {
        const key = formatKeyPath(prefix.slice(0, k))
        if (!out.has(key)) out.set(key, n + 1)
      }
      continue
    }
    const eq = keyEnd(line)
    if (eq < 0) continue
    const segs = splitDottedKey(line.slice(0, eq))
    for (let k = 1; k <= segs.length; k++) {
      const key = formatKeyPath([...prefix, ...segs.slice(0, k)])
      if (!out.has(key)) out.set(key, n + 1)
    }
    scanValue(line.slice(eq + 1), state)
  }
  return out
}

/**
 * The line of `segments`, or of its nearest ancestor that has one (keys inside inline tables
 * and array elements take their parent's line). 0 when nothing matches.
 */
export function lineOf(lines: Map<string, number>, segments: readonly (string | number)[]): number {
  for (let k = segments.length; k > 0; k--) {
    const line = lines.get(formatKeyPath(segments.slice(0, k)))
    if (line !== undefined) return line
  }
  return 0
}
