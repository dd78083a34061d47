/**
 * RLE+ bitfields (spec §2.3.1), used until the core codecs' bitfield lands.
 */

/** Encodes a set of non-negative integers as RLE+ bytes (empty set → zero bytes). */
export function encodeRlePlus(values: Iterable<number>): Uint8Array {
  const sorted = [...new Set(values)].sort((a, b) => a - b)
  if (sorted.length === 0) return new Uint8Array()
  const runs: number[] = []
  let pos = 0
  let i = 0
  while (i < sorted.length) {
    const start = sorted[i]!
    let end = start
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) {
      i++
      end++
    }
    i++
    runs.push(start - pos, end - start + 1)
    pos = end + 1
  }
  const bits: number[] = [0, 0]
  let first = true
  for (const run of runs) {
    if (first) {
      first = false
      if (run === 0) {
        bits.push(1)
        continue
      }
      bits.push(0)
    }
    if (run === 1) bits.push(1)
    else if (run < 16) bits.push(0, 1, run & 1, (run >> 1) & 1, (run >> 2) & 1, (run >> 3) & 1)
    else {
      bits.push(0, 0)
      let v = run
      do {
        let b = v & 0x7f
        v = Math.floor(v / 128)
        if (v > 0) b |= 0x80
        for (let k = 0; k < 8; k++) bits.push((b >> k) & 1)
      } while (v > 0)
    }
  }
  const out = new Uint8Array(Math.ceil(bits.length / 8))
  bits.forEach((b, k) => {
    if (b) out[k >> 3]! |= 1 << (k & 7)
  })
  return out
}

/** Decodes RLE+ bytes into ascending integers. */
export function decodeRlePlus(bytes: Uint8Array): number[] {
  if (bytes.length === 0) return []
  const total = bytes.length * 8
  let k = 0
  const bit = () => {
    if (k >= total) throw new Error('bitfield truncated')
    const b = (bytes[k >> 3]! >> (k & 7)) & 1
    k++
    return b
  }
  if (bit() !== 0 || bit() !== 0) throw new Error('bitfield version must be 0')
  let value = bit()
  const out: number[] = []
  let pos = 0
  const restZero = () => {
    for (let j = k; j < total; j++) if ((bytes[j >> 3]! >> (j & 7)) & 1) return false
    return true
  }
  while (k < total && !restZero()) {
    let run: number
    const single = bit()
    const short = single === 1 ? 0 : bit()
    if (single === 1) run = 1
    else if (short === 1) run = bit() | (bit() << 1) | (bit() << 2) | (bit() << 3)
    else {
      run = 0
      let shift = 1
      for (;;) {
        let b = 0
        for (let j = 0; j < 8; j++) b |= bit() << j
        run += (b & 0x7f) * shift
        shift *= 128
        if ((b & 0x80) === 0) break
      }
    }
    if (value === 1) for (let j = 0; j < run; j++) out.push(pos + j)
    pos += run
    value ^= 1
  }
  return out
}
