import { VenusError } from '../errors/index.js'

/** Unpadded bytes in one Fr32 "quad": four 254-bit field elements. */
export const FR32_UNPADDED_QUAD = 127
/** Padded bytes in one Fr32 quad: four 32-byte little-endian field elements. */
export const FR32_PADDED_QUAD = 128

/**
 * Fr32-pads `quads` quads of 127 bytes from `src` (at `srcOff`) into 128-byte quads in `dst`
 * (at `dstOff`). The bit stream is read least-significant bit first and every 254 bits are
 * followed by two zero bits, as `fr32/src/padding.rs` (`Fr32Reader`) does. `src` and `dst` must
 * not overlap.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(128)
 * fr32PadInto(new Uint8Array(127).fill(0xff), 0, out, 0, 1)
 * out[31] // 0x3f: the two top bits of each 32-byte element are zero
 * ```
 */
export function fr32PadInto(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  quads: number,
): void {
  // Word-wise: inside each 32-byte element the shift is constant (0, 2, 4, 6 bits), so every
  // output word is two unaligned little-endian input words shifted and OR-ed. The last word of
  // element 3 would read past the quad, so its bytes are done one by one.
  const inv = new DataView(src.buffer, src.byteOffset, src.byteLength)
  const out = new DataView(dst.buffer, dst.byteOffset, dst.byteLength)
  let s = srcOff
  let d = dstOff
  for (let n = 0; n < quads; n++, s += 127, d += 128) {
    // Element 0: input bits 0..253, bytes 0..30 whole and the low 6 bits of byte 31.
    for (let i = 0; i < 32; i += 4) out.setUint32(d + i, inv.getUint32(s + i, true), true)
    dst[d + 31] = (src[s + 31] as number) & 0x3f
    // Element 1 starts 2 bits into byte 31: every byte is shifted left by 2.
    for (let i = 32; i < 64; i += 4) {
      out.setUint32(d + i, (inv.getUint32(s + i, true) << 2) | (inv.getUint32(s + i - 4, true) >>> 30), true)
    }
    dst[d + 63] = (dst[d + 63] as number) & 0x3f
    // Element 2 starts 4 bits into byte 63.
    for (let i = 64; i < 96; i += 4) {
      out.setUint32(d + i, (inv.getUint32(s + i, true) << 4) | (inv.getUint32(s + i - 4, true) >>> 28), true)
    }
    dst[d + 95] = (dst[d + 95] as number) & 0x3f
    // Element 3 starts 6 bits into byte 95 and ends exactly at the end of byte 126.
    for (let i = 96; i < 124; i += 4) {
      out.setUint32(d + i, (inv.getUint32(s + i, true) << 6) | (inv.getUint32(s + i - 4, true) >>> 26), true)
    }
    for (let i = 124; i < 127; i++) {
      dst[d + i] = (((src[s + i] as number) << 6) | ((src[s + i - 1] as number) >>> 2)) & 0xff
    }
    dst[d + 127] = (src[s + 126] as number) >>> 2
  }
}

/**
 * Reverses {@link fr32PadInto}: `quads` 128-byte quads of `src` become 127-byte quads in `dst`.
 * The two padding bits of every element are dropped without being checked, as the proofs
 * library's unpadding does.
 *
 * @example
 * ```ts
 * const back = new Uint8Array(127)
 * fr32UnpadInto(fr32Pad(data127), 0, back, 0, 1)
 * ```
 */
export function fr32UnpadInto(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  quads: number,
): void {
  let s = srcOff
  let d = dstOff
  for (let n = 0; n < quads; n++, s += 128, d += 127) {
    dst.set(src.subarray(s, s + 31), d)
    dst[d + 31] = ((src[s + 31] as number) & 0x3f) | (((src[s + 32] as number) << 6) & 0xff)
    for (let i = 32; i < 63; i++) {
      dst[d + i] = ((src[s + i] as number) >>> 2) | (((src[s + i + 1] as number) << 6) & 0xff)
    }
    dst[d + 63] = (((src[s + 63] as number) >>> 2) & 0x0f) | (((src[s + 64] as number) << 4) & 0xff)
    for (let i = 64; i < 95; i++) {
      dst[d + i] = ((src[s + i] as number) >>> 4) | (((src[s + i + 1] as number) << 4) & 0xff)
    }
    dst[d + 95] = (((src[s + 95] as number) >>> 4) & 0x03) | (((src[s + 96] as number) << 2) & 0xff)
    for (let i = 96; i < 126; i++) {
      dst[d + i] = ((src[s + i] as number) >>> 6) | (((src[s + i + 1] as number) << 2) & 0xff)
    }
    dst[d + 126] = ((src[s + 126] as number) >>> 6) | (((src[s + 127] as number) & 0x3f) << 2)
  }
}

/**
 * Fr32-pads unpadded bytes: every 127 input bytes become 128 output bytes (4 field elements).
 * The input length must be a multiple of 127 (an unpadded piece is 127·2^k bytes).
 *
 * @throws VenusError `PIECE_SIZE_INVALID` when the length is not a multiple of 127.
 * @example
 * ```ts
 * const padded = fr32Pad(new Uint8Array(127 * 16)) // 2048 bytes
 * ```
 */
export function fr32Pad(bytes: Uint8Array): Uint8Array {
  if (bytes.length % FR32_UNPADDED_QUAD !== 0) {
    throw new VenusError('PIECE_SIZE_INVALID', 'fr32Pad input length must be a multiple of 127', {
      details: { length: bytes.length },
    })
  }
  const quads = bytes.length / FR32_UNPADDED_QUAD
  const out = new Uint8Array(quads * FR32_PADDED_QUAD)
  fr32PadInto(bytes, 0, out, 0, quads)
  return out
}

/**
 * Removes Fr32 padding: every 128 input bytes become 127 output bytes.
 *
 * @throws VenusError `PIECE_SIZE_INVALID` when the length is not a multiple of 128.
 * @example
 * ```ts
 * const data = fr32Unpad(fr32Pad(original)) // equals original
 * ```
 */
export function fr32Unpad(bytes: Uint8Array): Uint8Array {
  if (bytes.length % FR32_PADDED_QUAD !== 0) {
    throw new VenusError('PIECE_SIZE_INVALID', 'fr32Unpad input length must be a multiple of 128', {
      details: { length: bytes.length },
    })
  }
  const quads = bytes.length / FR32_PADDED_QUAD
  const out = new Uint8Array(quads * FR32_UNPADDED_QUAD)
  fr32UnpadInto(bytes, 0, out, 0, quads)
  return out
}
