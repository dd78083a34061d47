import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isVenusError } from '../errors/index.js'
import { commD, fillSectorPieces } from './commd.js'
import { commPSync } from './commp.js'
import { hashNode } from './node-hash.js'
import { zeroCommitment } from './zero.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return isVenusError(err) ? err.code : 'not a VenusError'
  }
  return undefined
}

describe('commD', () => {
  it('of no pieces is the empty-sector commitment (rust-fil-proofs tests/pieces.rs test_compute_comm_d_empty)', () => {
    expect(hex(commD([], 2048))).toBe('fc7e928296e516faade986b28f92d44a4f24b935485223376a799027bc18f833')
    expect(hex(commD([], 128))).toBe('3731bb99ac689f66eef5973e4a94da188f4ddcae580724fc6f3fd60dfd488333')
  })

  it('of one piece filling the sector is that piece commitment', () => {
    const p = commPSync(randomBytes(2032))
    expect(commD([p], 2048)).toEqual(p.commP)
  })

  it('equals the CommP of the concatenated payload when pieces are laid out back to back', () => {
    const a = randomBytes(1016)
    const b = randomBytes(508)
    const c = randomBytes(508)
    const pieces = [commPSync(a), commPSync(b), commPSync(c)]
    expect(pieces.map((p) => p.paddedSize)).toEqual([1024, 512, 512])
    expect(commD(pieces, 2048)).toEqual(commPSync(Buffer.concat([a, b, c])).commP)
  })

  it('aligns a larger piece after a smaller one with zero padding, like compute_comm_d', () => {
    const small = randomBytes(127) // 128 B padded, at 0
    const large = randomBytes(1016) // 1 KiB padded, aligned to 1024
    const layout = Buffer.concat([small, Buffer.alloc(1016 - 127), large])
    const expected = commPSync(layout).commP // 2 KiB tree of the staged sector
    expect(commD([commPSync(small), commPSync(large)], 2048)).toEqual(expected)
  })

  it('fills the rest of the sector with zero commitments', () => {
    const a = randomBytes(508)
    const expected = commPSync(Buffer.concat([a, Buffer.alloc(8128 - 508)])).commP
    expect(commD([commPSync(a)], 8192)).toEqual(expected)
    expect(commD([{ commP: zeroCommitment(512), paddedSize: 512 }], 32 * 1024 ** 3)).toEqual(
      zeroCommitment(32 * 1024 ** 3),
    )
  })

  it('handles many small pieces in a 32 GiB sector without touching the data', () => {
    const p = commPSync(randomBytes(127))
    const pieces = Array.from({ length: 1000 }, () => p)
    expect(commD(pieces, 32 * 1024 ** 3)).toHaveLength(32)
  })

  it('places pieces past the 2 GiB offset of a 32 GiB sector correctly', () => {
    const GiB = 1024 ** 3
    const p = commPSync(randomBytes(1016))
    const big = { commP: zeroCommitment(16 * GiB), paddedSize: 16 * GiB }
    const expected = hashNode(zeroCommitment(16 * GiB), commD([p], 16 * GiB))
    expect(commD([big, p], 32 * GiB)).toEqual(expected)
  })

  it('rejects pieces that do not fit, naming the piece', () => {
    const kib = { commP: zeroCommitment(1024), paddedSize: 1024 }
    const small = { commP: zeroCommitment(128), paddedSize: 128 }
    expect(codeOf(() => commD([kib, kib, kib], 2048))).toBe('PIECE_SIZE_INVALID')
    // Sizes sum to 1664 ≤ 2048 but alignment pushes the 512 B piece past the end.
    const half = { commP: zeroCommitment(512), paddedSize: 512 }
    expect(() => commD([small, kib, half], 2048)).toThrow(/piece 2 does not fit/)
  })

  it('rejects bad sizes and commitments', () => {
    const ok = { commP: zeroCommitment(128), paddedSize: 128 }
    expect(codeOf(() => commD([ok], 3000))).toBe('SECTOR_SIZE_INVALID')
    expect(codeOf(() => commD([ok], 64))).toBe('SECTOR_SIZE_INVALID')
    expect(codeOf(() => commD([{ ...ok, paddedSize: 127 }], 2048))).toBe('PIECE_SIZE_INVALID')
    expect(codeOf(() => commD([{ ...ok, commP: new Uint8Array(31) }], 2048))).toBe('COMMITMENT_INVALID')
  })
})

describe('fillSectorPieces', () => {
  it('appends the largest aligned zero pieces after the last piece, keeping the CommD', () => {
    const a = commPSync(randomBytes(127 * 8)) // 1024 padded
    const b = commPSync(randomBytes(127)) // 128 padded
    const filled = fillSectorPieces([{ ...a }, { ...b }], 8192)
    expect(filled.map((p) => p.paddedSize)).toEqual([1024, 128, 128, 256, 512, 2048, 4096])
    expect(
      filled
        .slice(2)
        .every((p, i) => hex(p.commP) === hex(zeroCommitment([128, 256, 512, 2048, 4096][i] ?? 0))),
    ).toBe(true)
    expect(commD(filled, 8192)).toEqual(commD([a, b], 8192))
    expect(filled.reduce((n, p) => n + p.paddedSize, 0)).toBe(8192)
  })

  it('leaves an empty list and a full sector alone and refuses pieces that do not fit', () => {
    expect(fillSectorPieces([], 2048)).toEqual([])
    const full = commPSync(randomBytes(2032))
    expect(fillSectorPieces([full], 2048)).toEqual([full])
    expect(codeOf(() => fillSectorPieces([full, full], 2048))).toBe('PIECE_SIZE_INVALID')
  })
})
