import { throwIfAborted, VenusError } from '../errors/index.js'
import { FR32_PADDED_QUAD, FR32_UNPADDED_QUAD, fr32PadInto } from './fr32.js'
import { hashNodePairs } from './node-hash.js'
import { loadSimdNodeHasher, type SimdNodeHasher } from './node-hash-simd.js'
import { log2Exact, NODE_SIZE, zeroNodeView } from './zero.js'

/** The result of a piece commitment. */
export interface CommPResult {
  /** The 32-byte CommP digest (the raw root, as the proofs library stores it). */
  commP: Uint8Array
  /** Padded piece size in bytes: a power of two ≥ 128 (or ≥ `minPaddedSize`). */
  paddedSize: number
  /** Number of payload bytes that were hashed (before zero padding). */
  payloadSize: number
}

/** Options of {@link commP} and {@link commPSync}. */
export interface CommPOptions {
  /**
   * Smallest padded piece size to pad up to, a power of two ≥ 128. Default 128, the proofs
   * library's minimum piece (127 unpadded bytes). Storage-market asks commonly set a 256 B minimum.
   */
  minPaddedSize?: number
  /** Checked between chunks; aborting rejects with `ABORTED`. */
  signal?: AbortSignal
}

/** Quads per work chunk: 127 KiB of payload → 128 KiB padded → 4096 leaves, a level-12 subtree. */
const CHUNK_QUADS = 1024
const CHUNK_IN = CHUNK_QUADS * FR32_UNPADDED_QUAD
const CHUNK_LEAVES = (CHUNK_QUADS * FR32_PADDED_QUAD) / NODE_SIZE
const CHUNK_LEVEL = Math.log2(CHUNK_LEAVES)
/** Stack slots above the chunk level: enough for 2^(12+40) leaves, far beyond any payload. */
const STACK_SLOTS = 40
/** How much of one in-memory buffer the async {@link commP} hashes before it yields. */
const YIELD_BYTES = 8 * 1024 * 1024

function smallestPaddedSize(payloadSize: number, minPaddedSize: number): number {
  const quads = Math.max(1, Math.ceil(payloadSize / FR32_UNPADDED_QUAD))
  const padded = 2 ** Math.ceil(Math.log2(quads)) * FR32_PADDED_QUAD
  return Math.max(padded, minPaddedSize)
}

/**
 * The work buffer of every hasher: one chunk of padded leaves plus a spare node. With
 * WebAssembly SIMD it is the kernel's memory, so levels collapse there without copies. Sharing
 * one buffer between hashers is safe because it only holds data during a synchronous call.
 */
const WORK_BYTES = CHUNK_QUADS * FR32_PADDED_QUAD + NODE_SIZE
let simd: SimdNodeHasher | undefined
let sharedWork: Uint8Array | undefined

/** Builds the SIMD kernel (~40 ms) on first use rather than when the package is imported. */
function workBuffer(): Uint8Array {
  if (sharedWork === undefined) {
    simd = loadSimdNodeHasher()
    sharedWork = simd ? simd.memory.subarray(0, WORK_BYTES) : new Uint8Array(WORK_BYTES)
  }
  return sharedWork
}

/** Hashes `pairs` node pairs at the start of `buf` into parents at its start, in place. */
function collapseLevel(buf: Uint8Array, pairs: number): void {
  if (simd !== undefined && buf === sharedWork && pairs >= 4) {
    const groups = pairs >>> 2
    simd.hash4(0, 0, groups)
    const done = groups * 4
    if (done < pairs) hashNodePairs(buf, done * 64, buf, done * NODE_SIZE, pairs - done)
  } else {
    hashNodePairs(buf, 0, buf, 0, pairs)
  }
}

/**
 * Collapses `count` nodes at `level` (packed from offset 0 of `buf`) into one node at
 * `targetLevel`, pairing an odd last node with the zero subtree of its level. `buf` must hold one
 * spare node after the first level with an odd count (it always does: counts only shrink).
 */
function reduceToLevel(buf: Uint8Array, count: number, level: number, targetLevel: number): void {
  let n = count
  for (let l = level; l < targetLevel; l++) {
    if (n % 2 === 1) {
      buf.set(zeroNodeView(l), n * NODE_SIZE)
      n++
    }
    n /= 2
    collapseLevel(buf, n)
  }
}

/**
 * A streaming CommP calculator: feed payload bytes with {@link CommPHasher.update} in chunks of
 * any size, then call {@link CommPHasher.digest} once. Memory is constant (a 127 KiB staging
 * buffer, one 32-byte slot per tree level above 128 KiB, and a 128 KiB work area shared by all
 * hashers); full 127 KiB chunks are Fr32-padded and collapsed in place, four node pairs at a time
 * with WebAssembly SIMD where available, and their roots are merged on a stack like a binary
 * counter.
 *
 * @example
 * ```ts
 * const h = new CommPHasher()
 * for await (const chunk of fs.createReadStream('deal.car')) h.update(chunk)
 * const { commP, paddedSize } = h.digest()
 * ```
 */
export class CommPHasher {
  readonly #minPaddedSize: number
  readonly #staging = new Uint8Array(CHUNK_IN)
  #staged = 0
  readonly #work = workBuffer()
  readonly #stack = new Uint8Array(STACK_SLOTS * NODE_SIZE)
  readonly #filled = new Uint8Array(STACK_SLOTS)
  readonly #pair = new Uint8Array(2 * NODE_SIZE)
  #payload = 0
  #finished = false

  constructor(options: Pick<CommPOptions, 'minPaddedSize'> = {}) {
    const min = options.minPaddedSize ?? FR32_PADDED_QUAD
    if (log2Exact(min) < 7) {
      throw new VenusError('PIECE_SIZE_INVALID', 'minPaddedSize must be a power of two ≥ 128', {
        details: { minPaddedSize: min },
      })
    }
    this.#minPaddedSize = min
  }

  /** Payload bytes consumed so far. */
  get payloadSize(): number {
    return this.#payload
  }

  /** Adds payload bytes. Returns `this` for chaining. */
  update(bytes: Uint8Array): this {
    if (this.#finished) {
      throw new VenusError('INVALID_ARGUMENT', 'CommPHasher.update called after digest()')
    }
    if (!(bytes instanceof Uint8Array)) {
      throw new VenusError('INVALID_ARGUMENT', 'CommP input chunks must be Uint8Array', {
        details: { type: typeof bytes },
      })
    }
    const len = bytes.length
    this.#payload += len
    let off = 0
    if (this.#staged > 0) {
      const take = Math.min(CHUNK_IN - this.#staged, len)
      this.#staging.set(bytes.subarray(0, take), this.#staged)
      this.#staged += take
      off = take
      if (this.#staged === CHUNK_IN) {
        this.#chunk(this.#staging, 0)
        this.#staged = 0
      }
    }
    while (len - off >= CHUNK_IN) {
      this.#chunk(bytes, off)
      off += CHUNK_IN
    }
    if (off < len) {
      this.#staging.set(bytes.subarray(off), 0)
      this.#staged = len - off
    }
    return this
  }

  /** Finishes the tree (zero padding up to the padded piece size) and returns the commitment. */
  digest(): CommPResult {
    if (this.#finished) {
      throw new VenusError('INVALID_ARGUMENT', 'CommPHasher.digest called twice')
    }
    this.#finished = true
    const payloadSize = this.#payload
    const paddedSize = smallestPaddedSize(payloadSize, this.#minPaddedSize)
    const height = Math.log2(paddedSize / NODE_SIZE)
    const fullChunks = Math.floor(payloadSize / CHUNK_IN)
    const work = this.#work

    if (fullChunks === 0) {
      const tailQuads = Math.max(1, Math.ceil(this.#staged / FR32_UNPADDED_QUAD))
      this.#staging.fill(0, this.#staged, tailQuads * FR32_UNPADDED_QUAD)
      fr32PadInto(this.#staging, 0, work, 0, tailQuads)
      reduceToLevel(work, tailQuads * 4, 0, height)
      return { commP: work.slice(0, NODE_SIZE), paddedSize, payloadSize }
    }

    if (this.#staged > 0) {
      const tailQuads = Math.ceil(this.#staged / FR32_UNPADDED_QUAD)
      this.#staging.fill(0, this.#staged, tailQuads * FR32_UNPADDED_QUAD)
      fr32PadInto(this.#staging, 0, work, 0, tailQuads)
      reduceToLevel(work, tailQuads * 4, 0, CHUNK_LEVEL)
      this.#push(work)
    }

    // Fold the stack from the chunk level up to the root; a missing right sibling is the zero
    // subtree of that level because everything after the payload is zero padding.
    const stack = this.#stack
    const pair = this.#pair
    const carry = this.#work
    let haveCarry = false
    const top = height - CHUNK_LEVEL
    for (let i = 0; i < top; i++) {
      const slot = stack.subarray(i * NODE_SIZE, (i + 1) * NODE_SIZE)
      if (this.#filled[i] === 1) {
        pair.set(slot, 0)
        pair.set(haveCarry ? carry.subarray(0, NODE_SIZE) : zeroNodeView(CHUNK_LEVEL + i), NODE_SIZE)
      } else if (haveCarry) {
        pair.set(carry.subarray(0, NODE_SIZE), 0)
        pair.set(zeroNodeView(CHUNK_LEVEL + i), NODE_SIZE)
      } else {
        continue
      }
      hashNodePairs(pair, 0, carry, 0, 1)
      haveCarry = true
    }
    const root =
      this.#filled[top] === 1
        ? stack.slice(top * NODE_SIZE, (top + 1) * NODE_SIZE)
        : carry.slice(0, NODE_SIZE)
    return { commP: root, paddedSize, payloadSize }
  }

  /** Pads one full chunk of payload at `src[off..]`, collapses it and pushes its root. */
  #chunk(src: Uint8Array, off: number): void {
    fr32PadInto(src, off, this.#work, 0, CHUNK_QUADS)
    reduceToLevel(this.#work, CHUNK_LEAVES, 0, CHUNK_LEVEL)
    this.#push(this.#work)
  }

  /** Pushes the chunk-level root held in `node[0..32]`, merging equal levels like a counter. */
  #push(node: Uint8Array): void {
    const stack = this.#stack
    const pair = this.#pair
    let i = 0
    // `node` is the work buffer: its first 32 bytes are the running carry while merging.
    while (this.#filled[i] === 1) {
      pair.set(stack.subarray(i * NODE_SIZE, (i + 1) * NODE_SIZE), 0)
      pair.set(node.subarray(0, NODE_SIZE), NODE_SIZE)
      hashNodePairs(pair, 0, node, 0, 1)
      this.#filled[i] = 0
      i++
      if (i >= STACK_SLOTS) throw new VenusError('PIECE_SIZE_INVALID', 'CommP payload is too large')
    }
    stack.set(node.subarray(0, NODE_SIZE), i * NODE_SIZE)
    this.#filled[i] = 1
  }
}

/**
 * CommP of an in-memory payload, synchronously. The payload is Fr32-padded and zero-filled up to
 * the smallest power-of-two padded size ≥ 128 B (or `minPaddedSize`) that holds it. An empty
 * payload gives the commitment of a 128-byte zero piece.
 *
 * @example
 * ```ts
 * const { commP, paddedSize } = commPSync(new Uint8Array(1016)) // paddedSize 1024
 * ```
 */
export function commPSync(bytes: Uint8Array, options: Pick<CommPOptions, 'minPaddedSize'> = {}): CommPResult {
  return new CommPHasher(options).update(bytes).digest()
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * CommP of a payload given whole or as a stream (`AsyncIterable<Uint8Array>`, e.g. a Node
 * `Readable`, or a sync `Iterable<Uint8Array>`) in chunks of any size, with constant memory.
 * The result does not depend on how the stream is chunked. Between chunks (and every 8 MiB of a
 * large buffer, yielding to the event loop) `signal` is checked.
 *
 * @throws VenusError `ABORTED` when `signal` aborts; `INVALID_ARGUMENT` for a non-byte chunk.
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs'
 * const { commP, paddedSize, payloadSize } = await commP(createReadStream('deal.car'), { signal })
 * ```
 */
export async function commP(
  source: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: CommPOptions = {},
): Promise<CommPResult> {
  const { signal } = options
  throwIfAborted(signal)
  const hasher = new CommPHasher(options)
  const feed = async (chunk: Uint8Array) => {
    if (!(chunk instanceof Uint8Array)) {
      throw new VenusError('INVALID_ARGUMENT', 'CommP stream yielded a chunk that is not a Uint8Array', {
        details: { type: typeof chunk },
      })
    }
    for (let off = 0; off < chunk.length; off += YIELD_BYTES) {
      if (off > 0) {
        await yieldToLoop()
        throwIfAborted(signal)
      }
      hasher.update(chunk.subarray(off, off + YIELD_BYTES))
    }
    throwIfAborted(signal)
  }
  if (source instanceof Uint8Array) {
    await feed(source)
  } else if (isAsyncIterable(source)) {
    for await (const chunk of source) await feed(chunk)
  } else if (typeof source === 'object' && source !== null && Symbol.iterator in source) {
    for (const chunk of source) await feed(chunk)
  } else {
    throw new VenusError(
      'INVALID_ARGUMENT',
      'commP source must be a Uint8Array or an (async) iterable of them',
    )
  }
  throwIfAborted(signal)
  return hasher.digest()
}
