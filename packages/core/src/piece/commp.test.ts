import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { Piece } from '@web3-storage/data-segment'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isVenusError } from '../errors/index.js'
import { CommPHasher, commP, commPSync } from './commp.js'
import { hashNode } from './node-hash.js'
import { zeroCommitment } from './zero.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** Splits `bytes` at the given cut points (sorted, deduplicated) into chunks. */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p))
    prev = p
  }
  return out
}

async function* asyncChunks(chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const c of chunks) yield c
}

function oracle(bytes: Uint8Array): { root: string; size: number } {
  const p = Piece.fromPayload(bytes)
  return { root: hex(p.root), size: Number(p.size) }
}

// 127 KiB is the internal chunk size of CommPHasher; sizes around it and its multiples exercise
// the staging buffer, the in-place collapse and the stack fold.
const CHUNK = 127 * 1024
const EDGE_SIZES = [
  0,
  1,
  31,
  32,
  64,
  65,
  126,
  127,
  128,
  254,
  255,
  508,
  1016,
  1017,
  2032,
  4096,
  65536,
  CHUNK - 1,
  CHUNK,
  CHUNK + 1,
  2 * CHUNK,
  3 * CHUNK + 77,
  1 << 20,
  300_001,
]

describe('commPSync', () => {
  it('reproduces FRC-0069 test case 1 (127 × 00, 01, 02, 03; also go-fil-commcid commcid_test.go)', () => {
    const bytes = new Uint8Array(508)
    for (let i = 0; i < 4; i++) bytes.fill(i, i * 127, (i + 1) * 127)
    const r = commPSync(bytes)
    expect(hex(r.commP)).toBe('496dae0cc9e265efe5a006e80626a5dc5c409e5d3155c13984caf6c8d5cfd605')
    expect(r.paddedSize).toBe(512)
    expect(r.payloadSize).toBe(508)
  })

  it.each(EDGE_SIZES)('agrees with @web3-storage/data-segment on %i random bytes', (size) => {
    const bytes = randomBytes(size)
    const mine = commPSync(bytes)
    const theirs = oracle(bytes)
    expect(hex(mine.commP)).toBe(theirs.root)
    expect(mine.paddedSize).toBe(theirs.size)
    expect(mine.payloadSize).toBe(size)
  })

  it('agrees with @web3-storage/data-segment on a few MiB', () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 12345)
    const mine = commPSync(bytes)
    const theirs = oracle(bytes)
    expect(hex(mine.commP)).toBe(theirs.root)
    expect(mine.paddedSize).toBe(theirs.size)
  })

  it('gives the zero commitment for all-zero payloads and for the empty payload', () => {
    expect(commPSync(new Uint8Array(0))).toEqual({
      commP: zeroCommitment(128),
      paddedSize: 128,
      payloadSize: 0,
    })
    expect(commPSync(new Uint8Array(127 * 64)).commP).toEqual(zeroCommitment(8192))
    expect(commPSync(new Uint8Array(2 * CHUNK + 3)).commP).toEqual(zeroCommitment(512 * 1024))
  })

  it('pads up to minPaddedSize (markets commonly ask for ≥ 256 B)', () => {
    const bytes = randomBytes(100)
    const small = commPSync(bytes)
    const big = commPSync(bytes, { minPaddedSize: 1024 })
    expect(big.paddedSize).toBe(1024)
    // A larger tree over the same data is the small root joined with zero subtrees.
    const h = new CommPHasher({ minPaddedSize: 256 })
    expect(h.update(bytes).digest().paddedSize).toBe(256)
    const joined = hashNode(
      hashNode(hashNode(small.commP, zeroCommitment(128)), zeroCommitment(256)),
      zeroCommitment(512),
    )
    expect(big.commP).toEqual(joined)
    expect(commPSync(new Uint8Array(0), { minPaddedSize: 2048 }).commP).toEqual(zeroCommitment(2048))
  })

  it('pads a multi-chunk payload up to minPaddedSize with zero subtrees', () => {
    const bytes = randomBytes(CHUNK + 1)
    const natural = commPSync(bytes)
    const big = commPSync(bytes, { minPaddedSize: 4 * natural.paddedSize })
    const z = natural.paddedSize
    expect(big.commP).toEqual(hashNode(hashNode(natural.commP, zeroCommitment(z)), zeroCommitment(2 * z)))
  })

  it('rejects a minPaddedSize that is not a power of two ≥ 128', () => {
    expect(() => commPSync(new Uint8Array(1), { minPaddedSize: 64 })).toThrow(/minPaddedSize/)
    expect(() => commPSync(new Uint8Array(1), { minPaddedSize: 300 })).toThrow(/minPaddedSize/)
  })
})

describe('CommPHasher', () => {
  it('gives the same result for every chunking of the stream (property)', () => {
    const data = randomBytes(2 * CHUNK + 4000)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: data.length }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (len, cuts) => {
          const bytes = data.subarray(0, len)
          const h = new CommPHasher()
          for (const c of chunk(bytes, cuts)) h.update(c)
          expect(h.digest()).toEqual(commPSync(bytes))
        },
      ),
      { numRuns: 40 },
    )
  })

  it('handles byte-at-a-time input across a quad boundary', () => {
    const bytes = randomBytes(300)
    const h = new CommPHasher()
    for (const b of bytes) h.update(new Uint8Array([b]))
    expect(h.digest()).toEqual(commPSync(bytes))
  })

  it('refuses use after digest and non-byte chunks', () => {
    const h = new CommPHasher()
    h.digest()
    expect(() => h.update(new Uint8Array(1))).toThrow(/after digest/)
    expect(() => h.digest()).toThrow(/twice/)
    expect(() => new CommPHasher().update('abc' as unknown as Uint8Array)).toThrow(/Uint8Array/)
  })
})

describe('commP', () => {
  it('accepts an AsyncIterable with arbitrary chunk sizes', async () => {
    const bytes = randomBytes(CHUNK + 999)
    const chunks = chunk(bytes, [1, 2, 500, 70000, 70001, CHUNK + 5])
    expect(await commP(asyncChunks(chunks))).toEqual(commPSync(bytes))
  })

  it('accepts a Node Readable stream and a plain Uint8Array', async () => {
    const bytes = randomBytes(10_000)
    expect(await commP(Readable.from([bytes.subarray(0, 3000), bytes.subarray(3000)]))).toEqual(
      commPSync(bytes),
    )
    expect(await commP(bytes)).toEqual(commPSync(bytes))
  })

  it('accepts a sync iterable of chunks and a buffer larger than its 8 MiB yield slice', async () => {
    const bytes = randomBytes(9 * 1024 * 1024 + 7)
    expect(await commP([bytes.subarray(0, 5), bytes.subarray(5)])).toEqual(commPSync(bytes))
    expect(await commP(bytes)).toEqual(commPSync(bytes))
  })

  it('stops between chunks when the signal aborts', async () => {
    const ac = new AbortController()
    async function* source() {
      yield new Uint8Array(1000)
      ac.abort(new Error('stop'))
      yield new Uint8Array(1000)
    }
    const err = await commP(source(), { signal: ac.signal }).catch((e: unknown) => e)
    expect(isVenusError(err, 'ABORTED')).toBe(true)
  })

  it('rejects at once with an aborted signal and on a chunk that is not bytes', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(commP(new Uint8Array(10), { signal: ac.signal })).rejects.toThrow(/aborted/)
    await expect(commP(asyncChunks([42 as unknown as Uint8Array]))).rejects.toThrow(/not a Uint8Array/)
  })
})
