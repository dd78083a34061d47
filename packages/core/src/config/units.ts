/**
 * Readers for the unit-carrying strings of config files. The parsing itself lives in codecs
 * and types (one implementation per format); these only attach the config key to the error.
 */
import { parseFil, parseGoDuration } from '../codecs/index.js'
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
