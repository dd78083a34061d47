import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { hashNodePairs } from './node-hash.js'
import { loadSimdNodeHasher } from './node-hash-simd.js'

describe('loadSimdNodeHasher', () => {
  afterEach(() => {
    delete process.env.VENUS_COMMP_NO_SIMD
    vi.resetModules()
  })

  it('compiles on Node ≥ 20 (WebAssembly SIMD is always there)', () => {
    expect(loadSimdNodeHasher()).toBeDefined()
  })

  it('hashes four pairs per group exactly like the scalar kernel, also in place', () => {
    const k = loadSimdNodeHasher()
    if (!k) throw new Error('no SIMD')
    const pairs = 64
    const src = randomBytes(64 * pairs)
    const expected = new Uint8Array(32 * pairs)
    hashNodePairs(src, 0, expected, 0, pairs)
    k.memory.set(src, 0)
    k.hash4(0, 65536, pairs / 4)
    expect(k.memory.subarray(65536, 65536 + 32 * pairs)).toEqual(expected)
    k.hash4(0, 0, pairs / 4)
    expect(k.memory.subarray(0, 32 * pairs)).toEqual(expected)
  })

  it('commP gives the same results with the pure-JS fallback (VENUS_COMMP_NO_SIMD=1)', async () => {
    const bytes = randomBytes(127 * 1024 * 2 + 999)
    const withSimd = (await import('./commp.js')).commPSync(bytes)
    vi.resetModules()
    process.env.VENUS_COMMP_NO_SIMD = '1'
    const simdModule = await import('./node-hash-simd.js')
    expect(simdModule.loadSimdNodeHasher()).toBeUndefined()
    const withoutSimd = (await import('./commp.js')).commPSync(bytes)
    expect(withoutSimd).toEqual(withSimd)
  })
})
