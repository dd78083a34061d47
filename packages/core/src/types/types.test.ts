import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSectorName, sectorName } from './ids.js'
import {
  parseSealProof,
  postProofInfo,
  RegisteredPoStProof,
  RegisteredSealProof,
  RegisteredUpdateProof,
  SECTOR_SIZES,
  sealProofForSectorSize,
  sealProofInfo,
  sealProofName,
  updateProofName,
} from './proof-types.js'
import {
  formatSectorSize,
  isUnpaddedPieceSize,
  paddedPieceSize,
  parseSectorSize,
  unpaddedPieceSize,
} from './sizes.js'

// Facts: filecoin-proofs-api's RegisteredSealProof / RegisteredPoStProof, go-state-types' miner policy.
describe('proof types', () => {
  it('maps every seal proof to its size, partitions and PoSt proofs', () => {
    const info = sealProofInfo(RegisteredSealProof.StackedDrg32GiBV1_1)
    expect(info).toMatchObject({
      name: 'StackedDrg32GiBV1_1',
      sectorSize: 32 * 2 ** 30,
      partitions: 10,
      proofLength: 1920,
      windowPoStProof: RegisteredPoStProof.StackedDrgWindow32GiBV1_1,
      winningPoStProof: RegisteredPoStProof.StackedDrgWinning32GiBV1,
      windowPoStPartitionSectors: 2349,
    })
    expect(sealProofInfo(5)).toMatchObject({
      sectorSize: 2048,
      partitions: 1,
      proofLength: 192,
      windowPoStPartitionSectors: 2,
    })
    expect(sealProofInfo(9).windowPoStPartitionSectors).toBe(2300)
    for (const id of Object.values(RegisteredSealProof)) {
      const i = sealProofInfo(id)
      expect(SECTOR_SIZES).toContain(i.sectorSize)
      expect(postProofInfo(i.windowPoStProof).sectorSize).toBe(i.sectorSize)
      expect(postProofInfo(i.winningPoStProof).kind).toBe('winning')
    }
    expect(() => sealProofInfo(20)).toThrow(expect.objectContaining({ code: 'PROOF_TYPE_INVALID' }))
  })

  it('reads proofs by name or number and names them back', () => {
    expect(parseSealProof('StackedDrg2KiBV1_1')).toBe(5)
    expect(parseSealProof(8)).toBe(8)
    expect(sealProofName(18)).toBe('StackedDrg32GiBV1_2_Feat_NonInteractivePoRep')
    expect(updateProofName(RegisteredUpdateProof.StackedDrg64GiBV1)).toBe('StackedDrg64GiBV1')
    expect(() => updateProofName(5)).toThrow(/unknown update proof id 5/)
    expect(() => parseSealProof('StackedDrg1KiBV1')).toThrow(/unknown seal proof/)
    expect(sealProofForSectorSize(2048)).toBe(5)
    expect(sealProofForSectorSize(32 * 2 ** 30, 'SyntheticPoRep')).toBe(13)
  })
})

describe('sizes', () => {
  it.each([
    ['2KiB', 2048],
    ['8MiB', 8 << 20],
    ['512MiB', 512 << 20],
    ['32GiB', 32 * 2 ** 30],
    ['64GiB', 64 * 2 ** 30],
    ['32 GiB', 32 * 2 ** 30],
    ['2048', 2048],
  ])('parses %s', (text, bytes) => expect(parseSectorSize(text)).toBe(bytes))

  it.each(['3KiB', 'big', '', '-2KiB', '2KB5'])('rejects sector size %j with a clear error', (text) =>
    expect(() => parseSectorSize(text)).toThrow(expect.objectContaining({ code: 'SECTOR_SIZE_INVALID' })),
  )

  it('prints sizes in the largest exact unit', () => {
    expect(SECTOR_SIZES.map((s) => formatSectorSize(s))).toEqual(['2KiB', '8MiB', '512MiB', '32GiB', '64GiB'])
    expect(formatSectorSize(1000)).toBe('1000B')
    expect(formatSectorSize(1536)).toBe('1536B')
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 45 }), (n) => {
        expect(parseSectorSize(formatSectorSize(n), { sector: false })).toBe(n)
      }),
    )
  })

  it('converts padded and unpadded piece sizes', () => {
    expect(paddedPieceSize(2032)).toBe(2048)
    expect(unpaddedPieceSize(2048)).toBe(2032)
    expect(unpaddedPieceSize(32 * 2 ** 30)).toBe(34091302912)
    expect(isUnpaddedPieceSize(127)).toBe(true)
    expect(() => paddedPieceSize(100)).toThrow(expect.objectContaining({ code: 'PIECE_SIZE_INVALID' }))
    expect(() => unpaddedPieceSize(100)).toThrow(expect.objectContaining({ code: 'PIECE_SIZE_INVALID' }))
    fc.assert(
      fc.property(fc.integer({ min: 7, max: 36 }), (k) => {
        expect(paddedPieceSize(unpaddedPieceSize(2 ** k))).toBe(2 ** k)
      }),
    )
  })
})

describe('sector names', () => {
  it('writes and reads s-t0<miner>-<number>', () => {
    expect(sectorName({ miner: 1000, number: 7 })).toBe('s-t01000-7')
    expect(parseSectorName('s-t01000-7')).toEqual({ miner: 1000, number: 7 })
    expect(() => parseSectorName('s-t0x-1')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (miner, number) => {
        expect(parseSectorName(sectorName({ miner, number }))).toEqual({ miner, number })
      }),
    )
  })
})
