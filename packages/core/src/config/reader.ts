/**
 * A small typed reader over a parsed TOML table. Every accessor records the key as known, so
 * `finish()` can report leftover keys by name with a did-you-mean suggestion, and every error
 * names the file, the line, the key path, what was expected and what was found.
 */

import { parse } from 'smol-toml'
import type { ErrorCode } from '../errors/codes.js'
import { VenusError } from '../errors/index.js'
import { formatKeyPath, lineOf, tomlKeyLines } from './key-lines.js'

/** Where a config value comes from: the file name and its key → line map. */
export interface ConfigSource {
  file: string
  lines: Map<string, number>
}

type Path = readonly (string | number)[]

/** Describes a TOML value for "found …" in error messages. */
export function describeTomlValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `float ${value}`
  if (typeof value === 'bigint') return `integer ${value}`
  if (typeof value === 'boolean') return `boolean ${value}`
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (value instanceof Date) return `date ${value.toISOString()}`
  if (typeof value === 'object' && value !== null) return 'a table'
  return String(value)
}

/** Levenshtein distance, for did-you-mean suggestions on unknown keys. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const cur = [i]
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost))
    }
    prev = cur
  }
  return prev[y.length] ?? 0
}

/** The closest of `known` to `name`, if it is close enough to be a likely typo. */
export function suggestKey(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDist = Number.POSITIVE_INFINITY
  for (const k of known) {
    const d = editDistance(name, k)
    if (d < bestDist) {
      best = k
      bestDist = d
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3))
  return bestDist <= limit ? best : undefined
}

/** Builds the one error shape of every config problem. */
export function configError(
  code: ErrorCode,
  src: ConfigSource,
  path: Path,
  expected: string,
  found: string,
  cause?: unknown,
  linePath: Path = path,
): VenusError {
  const line = lineOf(src.lines, linePath)
  const key = formatKeyPath(path)
  const where = line > 0 ? `${src.file}:${line}` : src.file
  return new VenusError(code, `${where}: ${key}: expected ${expected}, found ${found}`, {
    details: { file: src.file, line, key, expected, found },
    cause,
  })
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

/**
 * Typed access to one TOML table of a config file.
 *
 * @example
 * ```ts
 * const t = new TableReader(src, ['Chain'], parsed.Chain)
 * const api = t.string('Api', '')
 * t.finish()
 * ```
 */
export class TableReader {
  readonly src: ConfigSource
  readonly path: Path
  readonly value: Record<string, unknown>
  readonly #known = new Set<string>()

  constructor(src: ConfigSource, path: Path, value: unknown) {
    this.src = src
    this.path = path
    if (value !== undefined && !isTable(value)) {
      throw configError('CONFIG_INVALID_VALUE', src, path, 'a table', describeTomlValue(value))
    }
    this.value = value ?? {}
  }

  /** Whether the key is present. Marks it as known. */
  has(key: string): boolean {
    this.#known.add(key)
    return this.value[key] !== undefined
  }

  /** Marks keys as known without reading them (deprecated or ignored keys). */
  allow(...keys: string[]): void {
    for (const k of keys) this.#known.add(k)
  }

  /** The raw value of a key (marks it known). */
  raw(key: string): unknown {
    this.#known.add(key)
    return this.value[key]
  }

  fail(key: string | number, expected: string, found?: string, cause?: unknown): never {
    const path = [...this.path, key]
    const value = typeof key === 'string' ? this.value[key] : undefined
    throw configError(
      'CONFIG_INVALID_VALUE',
      this.src,
      path,
      expected,
      found ?? describeTomlValue(value),
      cause,
    )
  }

  missing(key: string, expected: string): never {
    const typo = suggestKey(key, Object.keys(this.value))
    const path = [...this.path, key]
    if (typo === undefined)
      throw configError('CONFIG_MISSING_KEY', this.src, path, expected, 'nothing (the key is required)')
    const found = `nothing (the key is required; is ${typo} a typo of ${key}?)`
    throw configError('CONFIG_MISSING_KEY', this.src, path, expected, found, undefined, [...this.path, typo])
  }

  string(key: string, def: string): string
  string(key: string): string | undefined
  string(key: string, def?: string): string | undefined {
    const v = this.raw(key)
    if (v === undefined) return def
    if (typeof v !== 'string') this.fail(key, 'a string')
    return v
  }

  requiredString(key: string, expected = 'a non-empty string'): string {
    const v = this.string(key)
    if (v === undefined) this.missing(key, expected)
    if (v === '') this.fail(key, expected)
    return v
  }

  boolean(key: string, def: boolean): boolean {
    const v = this.raw(key)
    if (v === undefined) return def
    if (typeof v !== 'boolean') this.fail(key, 'true or false')
    return v
  }

  /** A float (integers accepted). */
  number(key: string, def: number, min = Number.NEGATIVE_INFINITY): number {
    const v = this.raw(key)
    if (v === undefined) return def
    if (typeof v !== 'number' || Number.isNaN(v)) this.fail(key, 'a number')
    if (v < min) this.fail(key, `a number >= ${min}`)
    return v
  }

  integer(key: string, def: number, min?: number, max?: number): number
  integer(key: string, def: number | undefined, min?: number, max?: number): number | undefined
  integer(key: string, def: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.raw(key)
    if (v === undefined) return def
    const range =
      max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(key, range)
    if (v < min || v > max) this.fail(key, range)
    return v
  }

  stringArray(key: string, def: string[]): string[] {
    const v = this.raw(key)
    if (v === undefined) return def
    if (!Array.isArray(v)) this.fail(key, 'an array of strings')
    v.forEach((item, i) => {
      if (typeof item !== 'string') {
        throw configError(
          'CONFIG_INVALID_VALUE',
          this.src,
          [...this.path, key, i],
          'a string',
          describeTomlValue(item),
        )
      }
    })
    return v as string[]
  }

  /** Parses a string with `parse`; its error becomes a config error naming this key. */
  parsed<T>(key: string, expected: string, parse: (s: string) => T): T | undefined {
    const v = this.raw(key)
    if (v === undefined) return undefined
    if (typeof v !== 'string') this.fail(key, expected)
    try {
      return parse(v)
    } catch (err) {
      this.fail(key, expected, undefined, err)
    }
  }

  /** A sub-table (absent = empty table). */
  table(key: string): TableReader {
    return new TableReader(this.src, [...this.path, key], this.raw(key))
  }

  /** An array of tables (`[[key]]`); absent = empty. */
  tables(key: string): TableReader[] {
    const v = this.raw(key)
    if (v === undefined) return []
    if (!Array.isArray(v))
      this.fail(key, 'an array of tables ([[' + formatKeyPath([...this.path, key]) + ']])')
    return v.map((item, i) => new TableReader(this.src, [...this.path, key, i], item))
  }

  /** Every key of a table whose keys are names or ids (`[PoSt.Actors.10000]`). */
  entries(): [string, unknown][] {
    for (const k of Object.keys(this.value)) this.#known.add(k)
    return Object.entries(this.value)
  }

  /** Throws CONFIG_UNKNOWN_KEY for the first key no accessor asked for. */
  finish(): void {
    for (const key of Object.keys(this.value)) {
      if (this.#known.has(key)) continue
      const suggestion = suggestKey(key, this.#known)
      const path = [...this.path, key]
      const line = lineOf(this.src.lines, path)
      const where = line > 0 ? `${this.src.file}:${line}` : this.src.file
      const name = formatKeyPath(path)
      const known = [...this.#known].sort()
      const hint = suggestion !== undefined ? ` (did you mean ${suggestion}?)` : ''
      const section = this.path.length > 0 ? formatKeyPath(this.path) : 'the top level'
      throw new VenusError('CONFIG_UNKNOWN_KEY', `${where}: ${name}: unknown key${hint}`, {
        details: {
          file: this.src.file,
          line,
          key: name,
          expected: `one of the keys of ${section}: ${known.join(', ')}`,
          found: key,
          ...(suggestion !== undefined ? { suggestion } : {}),
        },
      })
    }
  }
}

/** Parses TOML, turning smol-toml's syntax errors into CONFIG_PARSE with file:line:column. */
export function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>
  } catch (err) {
    const e = err as { line?: number; column?: number; message?: string }
    const line = e.line ?? 0
    const column = e.column ?? 0
    const reason = String(e.message ?? err).split('\n')[0] ?? 'invalid TOML'
    throw new VenusError('CONFIG_PARSE', `${file}:${line}:${column}: not valid TOML: ${reason}`, {
      details: { file, line, column, expected: 'valid TOML', found: reason },
      cause: err,
    })
  }
}

/**
 * Parses a config file's TOML and tells which of its two layouts it uses, from the top-level
 * sections present: the seed's or v0.1.2's. Sections of both in one file are an error.
 */
export function openConfigDocument(
  text: string,
  file: string,
  seedSections: readonly string[],
  v012Sections: readonly string[],
): { root: TableReader; layout: 'seed' | 'v0.1.2' } {
  const src: ConfigSource = { file, lines: new Map() }
  const root = new TableReader(src, [], parseToml(text, file))
  src.lines = tomlKeyLines(text)
  const seed = seedSections.filter((k) => root.value[k] !== undefined)
  const v012 = v012Sections.filter((k) => root.value[k] !== undefined)
  if (seed.length > 0 && v012.length > 0) {
    throw configError(
      'CONFIG_INVALID_VALUE',
      src,
      [v012[0] as string],
      `one layout: either the seed's sections (${seedSections.join(', ')}) or v0.1.2's (${v012Sections.join(', ')})`,
      `[${seed[0]}] together with [${v012[0]}]`,
    )
  }
  return { root, layout: v012.length > 0 ? 'v0.1.2' : 'seed' }
}
