/**
 * A WebAssembly SIMD kernel that hashes four Merkle node pairs at once: the four SHA-256
 * computations run side by side in the four 32-bit lanes of v128 registers. The module is
 * generated here as bytes (fully unrolled rounds, state in locals, no memory traffic but the
 * loads of the pairs and the stores of the parents), so there is no build step and no binary
 * blob in the repository. Where WebAssembly SIMD is missing, {@link loadSimdNodeHasher} returns
 * `undefined` and callers fall back to the pure-JS kernel.
 */

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]

/** W of the constant second block of a 64-byte message: 0x80, zeros, bit length 512. */
function padSchedule(): number[] {
  const w = new Array<number>(64).fill(0)
  w[0] = 0x80000000 | 0
  w[15] = 512
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15] as number
    const w2 = w[i - 2] as number
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3)
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10)
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0
  }
  return w
}

/** Work memory in pages of 64 KiB: the 128 KiB chunk plus spare room for an odd node. */
export const SIMD_MEMORY_PAGES = 3

function uleb(n: number): number[] {
  const out: number[] = []
  let v = n >>> 0
  do {
    let b = v & 0x7f
    v >>>= 7
    if (v !== 0) b |= 0x80
    out.push(b)
  } while (v !== 0)
  return out
}

function sleb(n: number): number[] {
  const out: number[] = []
  let v = n | 0
  for (;;) {
    const b = v & 0x7f
    v >>= 7
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body]
}

function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))]
}

/** Builds the module bytes. Export `hash4(src, dst, groups)` and `memory`. */
function buildModule(): Uint8Array {
  const code: number[] = []
  const op = (...bytes: number[]) => {
    for (const b of bytes) code.push(b)
  }
  const simd = (opcode: number) => op(0xfd, ...uleb(opcode))
  const get = (l: number) => op(0x20, ...uleb(l))
  const set = (l: number) => op(0x21, ...uleb(l))
  const tee = (l: number) => op(0x22, ...uleb(l))
  const i32c = (v: number) => op(0x41, ...sleb(v))
  const splatConst = (v: number) => {
    const b = new Uint8Array(16)
    const dv = new DataView(b.buffer)
    for (let i = 0; i < 4; i++) dv.setInt32(i * 4, v | 0, true)
    simd(0x0c)
    op(...b)
  }
  const add = () => simd(0xae)
  const xor = () => simd(0x51)
  const or = () => simd(0x50)
  const shl = (n: number) => {
    i32c(n)
    simd(0xab)
  }
  const shrU = (n: number) => {
    i32c(n)
    simd(0xad)
  }
  const bitselect = () => simd(0x52)
  const BSWAP = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]
  const bswap = (tmp: number) => {
    tee(tmp)
    get(tmp)
    simd(0x0d)
    op(...BSWAP)
  }

  // Locals: params 0 src, 1 dst, 2 groups; v128 locals from 3.
  const SRC = 0
  const DST = 1
  const GROUPS = 2
  let next = 3
  const alloc = (n: number) => Array.from({ length: n }, () => next++)
  const W = alloc(16)
  const V = alloc(8) // working variables a..h (roles rotate)
  const H = alloc(8) // chaining state after block 1
  const [T1, TMP] = alloc(2) as [number, number]

  const rotr = (x: number, n: number) => {
    get(x)
    shrU(n)
    get(x)
    shl(32 - n)
    or()
  }

  /** Pushes w[i] (extending the schedule in place for i ≥ 16). */
  const schedule = (i: number) => {
    if (i < 16) {
      get(W[i] as number)
      return
    }
    const w15 = W[(i - 15) % 16] as number
    const w2 = W[(i - 2) % 16] as number
    get(W[i % 16] as number)
    rotr(w15, 7)
    rotr(w15, 18)
    xor()
    get(w15)
    shrU(3)
    xor()
    add()
    get(W[(i - 7) % 16] as number)
    add()
    rotr(w2, 17)
    rotr(w2, 19)
    xor()
    get(w2)
    shrU(10)
    xor()
    add()
    tee(W[i % 16] as number)
  }

  /** 64 rounds over V, roles rotating; `kw(i)` pushes K[i]+W[i]. Returns the final role map. */
  const rounds = (kw: (i: number) => void): number[] => {
    let r = [...V] // r[0]=a … r[7]=h
    for (let i = 0; i < 64; i++) {
      const [a, b, c, d, e, f, g, h] = r as [number, number, number, number, number, number, number, number]
      // t1 = h + Σ1(e) + Ch(e,f,g) + K[i] + W[i]
      get(h)
      rotr(e, 6)
      rotr(e, 11)
      xor()
      rotr(e, 25)
      xor()
      add()
      get(f)
      get(g)
      get(e)
      bitselect()
      add()
      kw(i)
      add()
      tee(T1)
      // d += t1 (d becomes the new e)
      get(d)
      add()
      set(d)
      // h = t1 + Σ0(a) + Maj(a,b,c) (h becomes the new a)
      get(T1)
      rotr(a, 2)
      rotr(a, 13)
      xor()
      rotr(a, 22)
      xor()
      add()
      get(c)
      get(b)
      get(a)
      get(b)
      xor()
      bitselect()
      add()
      set(h)
      r = [h, a, b, c, d, e, f, g]
    }
    return r
  }

  op(0x02, 0x40) // block
  op(0x03, 0x40) // loop
  get(GROUPS)
  op(0x45) // i32.eqz
  op(0x0d, 1) // br_if 1
  // Load the four pairs: word i of lane j is at src + 64·j + 4·i, big-endian.
  for (let i = 0; i < 16; i++) {
    get(SRC)
    op(0x28, 0, ...uleb(4 * i)) // i32.load
    simd(0x11) // i32x4.splat
    for (let j = 1; j < 4; j++) {
      get(SRC)
      op(0x28, 0, ...uleb(64 * j + 4 * i))
      simd(0x1c)
      op(j) // i32x4.replace_lane j
    }
    bswap(TMP)
    set(W[i] as number)
  }
  // Block 1 from the IV.
  for (let i = 0; i < 8; i++) {
    splatConst(IV[i] as number)
    set(V[i] as number)
  }
  let r = rounds((i) => {
    splatConst(K[i] as number)
    schedule(i)
    add()
  })
  for (let i = 0; i < 8; i++) {
    splatConst(IV[i] as number)
    get(r[i] as number)
    add()
    tee(H[i] as number)
    set(V[i] as number)
  }
  // Block 2: the constant padding block, K+W folded into one constant per round.
  const padW = padSchedule()
  r = rounds((i) => splatConst(((K[i] as number) + (padW[i] as number)) | 0))
  // Store the four parents: lane j's word i goes to dst + 32·j + 4·i; byte 31 keeps 6 bits.
  for (let i = 0; i < 8; i++) {
    get(H[i] as number)
    get(r[i] as number)
    add()
    if (i === 7) {
      splatConst(0xffffff3f | 0)
      simd(0x4e) // v128.and
    }
    bswap(TMP)
    set(TMP)
    for (let j = 0; j < 4; j++) {
      get(DST)
      get(TMP)
      simd(0x1b)
      op(j) // i32x4.extract_lane j
      op(0x36, 0, ...uleb(32 * j + 4 * i)) // i32.store
    }
  }
  // src += 256; dst += 128; groups -= 1
  get(SRC)
  i32c(256)
  op(0x6a)
  set(SRC)
  get(DST)
  i32c(128)
  op(0x6a)
  set(DST)
  get(GROUPS)
  i32c(1)
  op(0x6b)
  set(GROUPS)
  op(0x0c, 0) // br 0
  op(0x0b) // end loop
  op(0x0b) // end block
  op(0x0b) // end function

  const locals = [1, ...uleb(next - 3), 0x7b] // one run of v128 locals
  const body = [...locals, ...code]
  const funcBody = [...uleb(body.length), ...body]

  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(SIMD_MEMORY_PAGES)]),
    ...section(7, [2, ...str('memory'), 0x02, 0, ...str('hash4'), 0x00, 0]),
    ...section(10, [1, ...funcBody]),
  ])
}

/** The instantiated kernel. */
export interface SimdNodeHasher {
  /** The module's whole memory (fixed size: it never grows, so this view stays valid). */
  memory: Uint8Array
  /** Hashes `groups` × 4 pairs at byte offset `src` into parents at `dst` (may equal `src`). */
  hash4: (src: number, dst: number, groups: number) => void
}

/**
 * The slice of the WebAssembly JS API used here. The project's `lib` has no DOM and
 * `@types/node` 20 does not declare the `WebAssembly` global, so it is typed locally.
 */
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: Record<string, unknown> }
}

let cached: SimdNodeHasher | null | undefined

/**
 * Compiles and instantiates the kernel once per process (synchronously; the module is ~60 KB).
 * Returns `undefined` when WebAssembly SIMD is unavailable or `VENUS_COMMP_NO_SIMD=1` is set.
 *
 * @example
 * ```ts
 * const k = loadSimdNodeHasher()
 * if (k) k.hash4(0, 0, 1) // four pairs at memory[0..256) → four parents at memory[0..128)
 * ```
 */
export function loadSimdNodeHasher(): SimdNodeHasher | undefined {
  if (cached !== undefined) return cached ?? undefined
  cached = null
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
    if (wasm === undefined) return undefined
    if (typeof process !== 'undefined' && process.env?.VENUS_COMMP_NO_SIMD === '1') return undefined
    const bytes = buildModule()
    if (!wasm.validate(bytes)) return undefined
    const instance = new wasm.Instance(new wasm.Module(bytes))
    const mem = instance.exports.memory as { buffer: ArrayBuffer }
    const hash4 = instance.exports.hash4 as (src: number, dst: number, groups: number) => void
    cached = { memory: new Uint8Array(mem.buffer), hash4 }
  } catch {
    cached = null
  }
  return cached ?? undefined
}
