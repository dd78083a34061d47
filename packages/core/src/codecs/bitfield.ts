import { VenusError } from '../errors/index.js'

/**
 * RLE+ bitfields as the Filecoin actors accept them (go-bitfield / Rust fvm_ipld_bitfield):
 * version 00, then alternating runs starting with a run of zeros, each run as `1` (length 1),
 * `01`+4 bits (2–15), or `00`+varint (≥ 16). The decoder is strict: it rejects what the actors'
 * decoder rejects (wrong version, non-minimal run encodings, zero-length runs after the first,
 * trailing set bits, a final run of zeros, non-minimal varints, sizes past 2^63).
 */

const bitErr = (reason: string, details: Record<string, unknown> = {}) =>
  new VenusError('BITFIELD_INVALID', `invalid RLE+ bitfield: ${reason}`, { details })

function toRuns(values: Iterable<number>): number[] {
  const sorted = Float64Array.from(new Set(values)).sort()
  const runs: number[] = []
  let pos = 0
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i]!
    if (!Number.isSafeInteger(start) || start < 0) throw bitErr(`${start} is not a non-negative integer`)
    let end = start
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) {
      i++
      end++
    }
    i++
    runs.push(start - pos, end - start + 1)
    pos = end + 1
  }
  return runs
}

class BitWriter {
  private bytes: number[] = []
  private n = 0
  put(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      if ((this.n & 7) === 0) this.bytes.push(0)
      if ((value >> i) & 1) this.bytes[this.bytes.length - 1]! |= 1 << (this.n & 7)
      this.n++
    }
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes)
  }
}

/**
 * Encodes a set of non-negative integers as minimal RLE+ bytes (the empty set is zero bytes).
 *
 * @example
 * ```ts
 * Buffer.from(encodeBitfield([5, 6, 7])).toString('hex') // 'b01c'
 * ```
 */
export function encodeBitfield(values: Iterable<number>): Uint8Array {
  return writeRuns(toRuns(values))
}

/**
 * Encodes go-bitfield JSON runs (alternating lengths, zeros first, as Lotus prints bitfields)
 * as minimal RLE+ bytes without listing the numbers, so a mask of a billion sectors stays small.
 *
 * @throws VenusError `BITFIELD_INVALID` when a run is not a non-negative safe integer.
 * @example
 * ```ts
 * encodeBitfieldRuns([0, 1_000_000_000]) // sectors 0 … 999,999,999
 * ```
 */
export function encodeBitfieldRuns(runs: readonly number[]): Uint8Array {
  // Segments of equal bits merged and empty ones dropped, then zeros first, ending on ones.
  const segs: { ones: boolean; len: number }[] = []
  runs.forEach((len, i) => {
    if (!Number.isSafeInteger(len) || len < 0) throw bitErr(`run ${i} is not a non-negative integer`)
    if (len === 0) return
    const last = segs[segs.length - 1]
    if (last !== undefined && last.ones === (i % 2 === 1)) last.len += len
    else segs.push({ ones: i % 2 === 1, len })
  })
  if (segs[segs.length - 1]?.ones === false) segs.pop()
  const norm = segs.map((x) => x.len)
  if (segs[0]?.ones === true) norm.unshift(0)
  return writeRuns(norm)
}

function writeRuns(runs: number[]): Uint8Array {
  if (runs.length === 0) return new Uint8Array(0)
  const w = new BitWriter()
  w.put(0, 2) // version
  // The first run is of zeros; a set starting at 0 has an empty first run, marked by the first bit.
  w.put(runs[0] === 0 ? 1 : 0, 1)
  const start = runs[0] === 0 ? 1 : 0
  for (let i = start; i < runs.length; i++) {
    const run = runs[i]!
    if (run === 1) w.put(1, 1)
    else if (run < 16) {
      w.put(0b10, 2) // bits `0`,`1` written LSB first
      w.put(run, 4)
    } else {
      w.put(0, 2)
      let v = run
      for (;;) {
        const low = v % 128
        v = Math.floor(v / 128)
        w.put(v > 0 ? low | 0x80 : low, 8)
        if (v === 0) break
      }
    }
  }
  return w.finish()
}

/**
 * Decodes RLE+ bytes into the ascending list of set bits, strictly.
 *
 * @example
 * ```ts
 * decodeBitfield(Uint8Array.from([0xb0, 0x1c])) // [5, 6, 7]
 * ```
 */
export function decodeBitfield(bytes: Uint8Array, options: { maxCount?: number } = {}): number[] {
  const out: number[] = []
  for (const [start, len] of decodeRuns(bytes)) {
    if (out.length + len > (options.maxCount ?? 10_000_000)) throw bitErr('too many set bits to list')
    for (let j = 0; j < len; j++) out.push(start + j)
  }
  return out
}

/**
 * Decodes RLE+ bytes into runs of set bits `[start, length]`, without listing every bit (use it
 * for huge fields).
 */
export function decodeRuns(bytes: Uint8Array): [number, number][] {
  if (bytes.length === 0) return []
  const total = bytes.length * 8
  let k = 0
  const bit = (): number => {
    if (k >= total) throw bitErr('truncated')
    const b = (bytes[k >> 3]! >> (k & 7)) & 1
    k++
    return b
  }
  const bits = (n: number): number => {
    let v = 0
    for (let i = 0; i < n; i++) v |= bit() << i
    return v
  }
  if (bits(2) !== 0) throw bitErr('unknown version')
  let value = bit()
  const runs: [number, number][] = []
  let pos = 0
  // Every run encoding holds a set bit, so the runs end at the highest set bit; what follows is
  // padding, which must not reach into another byte.
  let lastIndex = bytes.length - 1
  while (lastIndex >= 0 && bytes[lastIndex] === 0) lastIndex--
  if (lastIndex < 0) throw bitErr('no set bit in a non-empty encoding')
  const lastSet = lastIndex * 8 + (31 - Math.clz32(bytes[lastIndex]!))
  while (k <= lastSet) {
    let run: number
    const single = bit()
    const short = single === 1 ? 0 : bit()
    if (single === 1) run = 1
    else if (short === 1) {
      run = bits(4)
      if (run < 2) throw bitErr('short run encodes a length below 2', { at: k })
    } else {
      run = 0
      let mul = 1
      for (let i = 0; ; i++) {
        const b = bits(8)
        if (i === 9) throw bitErr('varint too long')
        run += (b & 0x7f) * mul
        mul *= 128
        if ((b & 0x80) === 0) {
          if (b === 0 && i > 0) throw bitErr('non-minimal varint')
          break
        }
      }
      if (run < 16) throw bitErr('long run encodes a length below 16', { at: k })
    }
    if (run === 0) throw bitErr('zero-length run')
    if (value === 1) {
      runs.push([pos, run])
    }
    pos += run
    if (pos > Number.MAX_SAFE_INTEGER) throw bitErr('run past 2^53')
    value ^= 1
  }
  // The encoder stops after the last run of ones: anything else is not its output.
  if (runs.length === 0) throw bitErr('non-empty bytes for an empty set')
  if (Math.ceil(k / 8) !== bytes.length) throw bitErr('trailing zero byte')
  if (value === 1) throw bitErr('ends with a run of zeros')
  return runs
}

/**
 * A set of sector numbers or partition indexes that reads and writes RLE+.
 *
 * @example
 * ```ts
 * const f = Bitfield.from([1, 2, 3]).union(Bitfield.from([10]))
 * f.count // 4
 * Bitfield.decode(f.encode()).has(10) // true
 * ```
 */
export class Bitfield implements Iterable<number> {
  private readonly set: ReadonlySet<number>
  private constructor(values: Iterable<number>) {
    this.set = new Set([...values].sort((a, b) => a - b))
  }
  /** A bitfield of the given values (duplicates ignored). */
  static from(values: Iterable<number> = []): Bitfield {
    const list = [...values]
    for (const v of list)
      if (!Number.isSafeInteger(v) || v < 0) throw bitErr(`${v} is not a non-negative integer`)
    return new Bitfield(list)
  }
  /** Decodes strict RLE+ bytes. */
  static decode(bytes: Uint8Array): Bitfield {
    return new Bitfield(decodeBitfield(bytes))
  }
  /** Minimal RLE+ bytes. */
  encode(): Uint8Array {
    return encodeBitfield(this.set)
  }
  get count(): number {
    return this.set.size
  }
  has(value: number): boolean {
    return this.set.has(value)
  }
  union(other: Iterable<number>): Bitfield {
    return new Bitfield([...this.set, ...other])
  }
  subtract(other: Iterable<number>): Bitfield {
    const drop = new Set(other)
    return new Bitfield([...this.set].filter((v) => !drop.has(v)))
  }
  intersect(other: Iterable<number>): Bitfield {
    const keep = new Set(other)
    return new Bitfield([...this.set].filter((v) => keep.has(v)))
  }
  toArray(): number[] {
    return [...this.set]
  }
  [Symbol.iterator](): Iterator<number> {
    return this.set[Symbol.iterator]()
  }
}
