/**
 * SHA-256 of 64-byte Merkle node pairs, truncated to a BLS12-381 field element (the top two bits
 * of byte 31 cleared): the node function of Filecoin's piece and data trees
 * (`filecoin-hashers/src/sha256.rs`).
 *
 * Why a hand-written compression: every tree node hashes exactly 64 bytes, so the second SHA-256
 * block is always the same padding block and its message schedule can be computed once. A
 * `crypto.createHash()` per node costs ~1.5–2 µs in call overhead alone, several times the work
 * of the two compressions done here without any allocation.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])

/** K[i] + W[i] of the constant padding block of a 64-byte message (0x80, zeros, bit length 512). */
const PAD_KW = (() => {
  const w = new Int32Array(64)
  w[0] = 0x80000000 | 0
  w[15] = 512
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15] as number
    const w2 = w[i - 2] as number
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0
  }
  const kw = new Int32Array(64)
  for (let i = 0; i < 64; i++) kw[i] = ((K[i] as number) + (w[i] as number)) | 0
  return kw
})()

const W = new Int32Array(64)

/**
 * Hashes `count` consecutive 64-byte node pairs of `src` (from `srcOff`) into `count` 32-byte
 * parents in `dst` (from `dstOff`), each SHA-256 truncated to 254 bits.
 *
 * `dst` may be `src` with `dstOff <= srcOff`: pair i is read in full before parent i is written,
 * and parent i lands on bytes that pairs before i already gave up. This is what lets a whole level
 * of a subtree collapse in place.
 *
 * @example
 * ```ts
 * const pair = new Uint8Array(64) // two zero leaves
 * const parent = new Uint8Array(32)
 * hashNodePairs(pair, 0, parent, 0, 1) // zero commitment of a 64-byte piece
 * ```
 */
export function hashNodePairs(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  count: number,
): void {
  // Everything lives in locals and one function so that V8 keeps the state in registers; the
  // message schedule is extended inside the rounds.
  const w = W
  const k = K
  const pkw = PAD_KW
  let p = srcOff
  let q = dstOff
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < 16; i++, p += 4) {
      w[i] =
        ((src[p] as number) << 24) |
        ((src[p + 1] as number) << 16) |
        ((src[p + 2] as number) << 8) |
        (src[p + 3] as number)
    }
    let a = 0x6a09e667 | 0
    let b = 0xbb67ae85 | 0
    let c = 0x3c6ef372 | 0
    let d = 0xa54ff53a | 0
    let e = 0x510e527f | 0
    let f = 0x9b05688c | 0
    let g = 0x1f83d9ab | 0
    let h = 0x5be0cd19 | 0
    for (let i = 16; i < 64; i++) {
      const w15 = w[i - 15] as number
      const w2 = w[i - 2] as number
      w[i] =
        ((w[i - 16] as number) +
          (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) +
          (w[i - 7] as number) +
          (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10))) |
        0
    }
    for (let i = 0; i < 64; i++) {
      const t1 =
        (h +
          (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) +
          (((k[i] as number) + (w[i] as number)) | 0)) |
        0
      const t2 =
        ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & b) ^ (a & c) ^ (b & c))) |
        0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    const h0 = (a + 0x6a09e667) | 0
    const h1 = (b + 0xbb67ae85) | 0
    const h2 = (c + 0x3c6ef372) | 0
    const h3 = (d + 0xa54ff53a) | 0
    const h4 = (e + 0x510e527f) | 0
    const h5 = (f + 0x9b05688c) | 0
    const h6 = (g + 0x1f83d9ab) | 0
    const h7 = (h + 0x5be0cd19) | 0
    a = h0
    b = h1
    c = h2
    d = h3
    e = h4
    f = h5
    g = h6
    h = h7
    for (let i = 0; i < 64; i++) {
      const t1 =
        (h +
          (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) +
          (pkw[i] as number)) |
        0
      const t2 =
        ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & b) ^ (a & c) ^ (b & c))) |
        0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    q = writeWord(dst, q, (a + h0) | 0)
    q = writeWord(dst, q, (b + h1) | 0)
    q = writeWord(dst, q, (c + h2) | 0)
    q = writeWord(dst, q, (d + h3) | 0)
    q = writeWord(dst, q, (e + h4) | 0)
    q = writeWord(dst, q, (f + h5) | 0)
    q = writeWord(dst, q, (g + h6) | 0)
    q = writeWord(dst, q, (h + h7) | 0)
    dst[q - 1] = (dst[q - 1] as number) & 0x3f
  }
}

function writeWord(dst: Uint8Array, q: number, v: number): number {
  dst[q] = v >>> 24
  dst[q + 1] = v >>> 16
  dst[q + 2] = v >>> 8
  dst[q + 3] = v
  return q + 4
}

/**
 * The parent of two 32-byte nodes: SHA-256(left ‖ right) with byte 31 `&= 0x3f`.
 *
 * @example
 * ```ts
 * const parent = hashNode(zeroCommitment(128), zeroCommitment(128)) // = zeroCommitment(256)
 * ```
 */
export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  const pair = new Uint8Array(64)
  pair.set(left.subarray(0, 32), 0)
  pair.set(right.subarray(0, 32), 32)
  const out = new Uint8Array(32)
  hashNodePairs(pair, 0, out, 0, 1)
  return out
}
