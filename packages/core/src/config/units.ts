/**
 * Readers for the unit-carrying strings of config files. The parsing itself lives in codecs
 * and types (one implementation per format); these only attach the config key to the error.
 */
import { parseAddress, parseFil, parseGoDuration } from '../codecs/index.js'
import { parseSectorSize } from '../types/index.js'
import { configError, type TableReader } from './reader.js'

/** A Go duration string (`"1h0m0s"`, `"30s"`) in milliseconds, or `def` when absent. */
export function readDuration(t: TableReader, key: string, defMs: number): number {
  return t.parsed(key, 'a Go duration like "1h0m0s" or "30s"', (s) => parseGoDuration(s)) ?? defMs
}

/**
 * A FIL amount (`"5 nanoFIL"`, `"0.02 FIL"`) in attoFIL. Empty string or absent = `def`
 * (the seed's default config writes `MaxFeeCap = ""` for "no cap of our own").
 */
export function readFil(t: TableReader, key: string, def: bigint | undefined): bigint | undefined {
  if (t.raw(key) === '') return def
  return t.parsed(key, 'a FIL amount like "5 nanoFIL" or "0.02 FIL"', (s) => parseFil(s)) ?? def
}

/** An array of sector size strings (`["32GiB"]`) in bytes, or undefined when absent. */
export function readSectorSizes(t: TableReader, key: string): number[] | undefined {
  if (!t.has(key)) return undefined
  const sizes = t.stringArray(key, [])
  return sizes.map((s, i) => {
    try {
      return parseSectorSize(s)
    } catch (err) {
      throw configError(
        'CONFIG_INVALID_VALUE',
        t.src,
        [...t.path, key, i],
        'a sector size like "2KiB" or "32GiB"',
        `string ${JSON.stringify(s)}`,
        err,
      )
    }
  })
}

/**
 * A Filecoin address string (`"t3…"`, `"f01234"`), checked and kept as written. Empty string
 * or absent = undefined (not configured).
 */
export function readAddress(t: TableReader, key: string): string | undefined {
  const v = t.raw(key)
  if (v === '' || v === undefined) return undefined
  return t.parsed(key, 'a Filecoin address like "f01234" or "t3…"', (s) => {
    parseAddress(s)
    return s
  })
}

/**
 * One or several sender addresses: a string (`Sender = "f01234"`) or a list of them
 * (`Sender = ["f01234", "f01235"]`), each checked; empty or absent = an empty list. A list
 * must not name an address twice.
 */
export function readAddresses(t: TableReader, key: string): string[] {
  const v = t.raw(key)
  if (v === undefined || v === '') return []
  if (typeof v === 'string') return [readAddress(t, key) as string]
  if (!Array.isArray(v)) t.fail(key, 'a Filecoin address like "f01234", or a list of them')
  const out: string[] = []
  v.forEach((item, i) => {
    const expected = 'a Filecoin address like "f01234" or "t3…"'
    const at = [...t.path, key, i]
    if (typeof item !== 'string' || item === '')
      throw configError('CONFIG_INVALID_VALUE', t.src, at, expected, JSON.stringify(item))
    try {
      parseAddress(item)
    } catch (err) {
      throw configError('CONFIG_INVALID_VALUE', t.src, at, expected, JSON.stringify(item), err)
    }
    if (out.includes(item))
      throw configError(
        'CONFIG_INVALID_VALUE',
        t.src,
        at,
        'an address not listed before',
        JSON.stringify(item),
      )
    out.push(item)
  })
  return out
}

/** Like {@link readAddress}, but the key must be present and non-empty. */
export function readRequiredAddress(t: TableReader, key: string): string {
  return readAddress(t, key) ?? t.missing(key, 'a Filecoin address like "f01234" or "t3…"')
}
