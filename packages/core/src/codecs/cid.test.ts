import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cidToCommitment, commitmentToCid, parsePieceCidV2, pieceCidV2 } from './cid.js'

const fill = (b: number) => new Uint8Array(32).fill(b)

// Vectors: go-fil-commcid tests, recomputed.
describe('commitment CIDs', () => {
  it('encodes CommR 0x11… and CommD 0x22…', () => {
    expect(commitmentToCid(fill(0x11), 'commR').toString()).toBe(
      'bagboea4b5abcaeirceirceirceirceirceirceirceirceirceirceirceirceir',
    )
    expect(Buffer.from(commitmentToCid(fill(0x11), 'commR').bytes).toString('hex')).toBe(
      `0182e20381e80220${'11'.repeat(32)}`,
    )
    expect(commitmentToCid(fill(0x22), 'commD').toString()).toBe(
      'baga6ea4seaqceirceirceirceirceirceirceirceirceirceirceirceirceiq',
    )
  })

  it('reads the zero CommD CIDs back to their kind', () => {
    const c = cidToCommitment('baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy')
    expect(c.kind).toBe('commD')
    expect(
      cidToCommitment('bagboea4b5abcaeirceirceirceirceirceirceirceirceirceirceirceirceir').commitment,
    ).toEqual(fill(0x11))
  })

  it('rejects non-commitment CIDs, wrong lengths and non-field elements', () => {
    expect(() => cidToCommitment('bafy2bzacecavyojjfxzcsftevoltybrrnjrdwcm4yk4r42qr422gd77pxblz2')).toThrow(
      expect.objectContaining({ code: 'CID_INVALID' }),
    )
    expect(() => cidToCommitment('not a cid')).toThrow(expect.objectContaining({ code: 'CID_INVALID' }))
    expect(() => commitmentToCid(new Uint8Array(31), 'commD')).toThrow(
      expect.objectContaining({ code: 'COMMITMENT_INVALID' }),
    )
    expect(() => commitmentToCid(fill(0xff), 'commR')).toThrow(
      expect.objectContaining({ code: 'COMMITMENT_INVALID' }),
    )
    expect(() => cidToCommitment(commitmentToCid(fill(1), 'commD'), 'commR')).toThrow(/expected commR/)
  })

  it('accepts a real CommR whose byte 31 has bit 6 set (Poseidon uses the whole field)', () => {
    // CommR of a 2KiB sector sealed with the native backend.
    const commR = new Uint8Array(Buffer.from('II8FZBSjsoUAyD1aQ76XDGhRwyaa9T3G2khGFAC3wkw=', 'base64'))
    expect(cidToCommitment(commitmentToCid(commR, 'commR'), 'commR').commitment).toEqual(commR)
    expect(() => commitmentToCid(commR, 'commD')).toThrow(
      expect.objectContaining({ code: 'COMMITMENT_INVALID' }),
    )
  })

  it('builds piece CID v2 as go-fil-commcid does', () => {
    const zero32G = cidToCommitment(
      'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq',
    ).commitment
    expect(pieceCidV2(zero32G, 34091302912).toString()).toBe(
      'bafkzcibcaapao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq',
    )
    const zero2K = cidToCommitment(
      'baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy',
    ).commitment
    expect(pieceCidV2(zero2K, 2032).toString()).toBe(
      'bafkzcibcaadpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy',
    )
    const v1 = cidToCommitment('baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa').commitment
    expect(pieceCidV2(v1, 1016).toString()).toBe(
      'bafkzcibcaac542av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa',
    )
    expect(pieceCidV2(v1, 512).toString()).toBe(
      'bafkzcibd7abqlxticxolgseegik2stpfgkkuwyf6kufex3doorkvmzpjuxwe4dz4',
    )
    expect(
      parsePieceCidV2('bafkzcibd7abqlxticxolgseegik2stpfgkkuwyf6kufex3doorkvmzpjuxwe4dz4'),
    ).toMatchObject({
      height: 5,
      padding: 504,
      payloadSize: 512,
      paddedSize: 1024,
    })
  })

  it('round-trips random commitments of every kind', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom('commR', 'commD', 'commP'),
        (raw, kind) => {
          const bytes = new Uint8Array(raw)
          bytes[31]! &= 0x3f
          const back = cidToCommitment(commitmentToCid(bytes, kind as 'commR').toString(), kind as 'commR')
          expect(back.commitment).toEqual(bytes)
          expect(back.kind).toBe(kind)
        },
      ),
    )
  })

  it('round-trips random piece CID v2 payload sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 2 ** 40 }), (payload) => {
        const back = parsePieceCidV2(pieceCidV2(fill(7), payload))
        expect(back.payloadSize).toBe(payload)
      }),
    )
  })
})
