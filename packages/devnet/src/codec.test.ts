import {
  decodeBitfield as decodeRlePlus,
  drawRandomness,
  encodeBitfield as encodeRlePlus,
  proverId,
  randomnessEntropy,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { zeroCommDCid } from './commitments.js'
import { devnetSign } from './messages.js'
import { decodeMethodParams, encodeParams } from './params-codec.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const commR = CID.create(1, 0xf102, createDigest(0xb401, new Uint8Array(32).fill(0x11))).toString()
const commD = CID.create(1, 0xf101, createDigest(0x1012, new Uint8Array(32).fill(0x22))).toString()

describe('devnet codecs against the go-state-types and Lotus vectors', () => {
  it('mixes randomness as Lotus does (computed vectors)', () => {
    expect(hex(drawRandomness(4, new Uint8Array(32), 1000, unhex('4300e807')))).toBe(
      'c6e3c8aba38fd81ad5c32693b4edea4bf0b21dbdc5a30feb51c3af8f6098a047',
    )
    expect(hex(drawRandomness(9, new Uint8Array(32), 1000, new Uint8Array()))).toBe(
      '9fa8a50414322431c29cacd74b8aece0bcb2efe7e2a3a13d19c93c10e0fff746',
    )
  })

  it('derives the zero-data CommD CIDs of go-fil-commcid', () => {
    expect(zeroCommDCid(2048)).toBe('baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy')
    expect(zeroCommDCid(8 << 20)).toBe('baga6ea4seaqgl4u6lwmnerwdrm4iz7ag3mpwwaqtapc2fciabpooqmvjypweeha')
    expect(zeroCommDCid(32 * 2 ** 30)).toBe(
      'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq',
    )
  })

  it('derives entropy and prover id of f01000', () => {
    expect(hex(randomnessEntropy('t01000'))).toBe('4300e807')
    expect(hex(proverId(1000).subarray(0, 3))).toBe('e80700')
  })

  it('decodes skipped/sector bitfields with the core RLE+ codec', () => {
    const table: [number[], string][] = [
      [[], ''],
      [[0], '0c'],
      [[1], '18'],
      [[5], 'b002'],
      [[0, 1, 2, 3], '9400'],
      [[5, 6, 7], 'b01c'],
      [[100], '802c'],
      [Array.from({ length: 20 }, (_, i) => i + 2), '50a000'],
      [[0, 2, 4, 5, 6, ...Array.from({ length: 17 }, (_, i) => i + 11)], '7c472202'],
    ]
    for (const [set, bytes] of table) {
      expect(hex(encodeRlePlus(set))).toBe(bytes)
      expect(decodeRlePlus(unhex(bytes))).toEqual(set)
    }
  })

  it('encodes actor params byte-for-byte as the go-state-types vectors and decodes them back', () => {
    const faults = encodeParams.sectorLocations([{ deadline: 3, partition: 0, sectors: [5, 6, 7] }])
    expect(hex(faults)).toBe('818183030042b01c')
    expect(decodeMethodParams('DeclareFaults', faults)).toEqual([
      { deadline: 3, partition: 0, sectors: [5, 6, 7] },
    ])
    expect(
      hex(
        encodeParams.sectorLocations([
          { deadline: 3, partition: 0, sectors: [5, 6, 7] },
          { deadline: 3, partition: 1, sectors: [10] },
        ]),
      ),
    ).toBe('818283030042b01c830301425003')
    const post = encodeParams.submitWindowedPoSt({
      deadline: 7,
      partitions: [
        { index: 0, skipped: [] },
        { index: 1, skipped: [4] },
      ],
      proofs: [{ postProof: 13, proofBytes: unhex('deadbeef') }],
      chainCommitEpoch: 12345,
      chainCommitRand: new Uint8Array(32).fill(1),
    })
    expect(hex(post)).toBe(
      '850782820040820142900281820d44deadbeef19303958200101010101010101010101010101010101010101010101010101010101010101',
    )
    expect(decodeMethodParams('SubmitWindowedPoSt', post).partitions[1]).toEqual({ index: 1, skipped: [4] })
    const cc = {
      sealProof: 8,
      sectorNumber: 1,
      sealedCid: commR,
      sealRandEpoch: 1000,
      dealIds: [],
      expiration: 600000,
      unsealedCid: null,
    }
    const pc = encodeParams.preCommitSectorBatch2([cc])
    expect(hex(pc)).toBe(
      '8181870801d82a5829000182e20381e8022011111111111111111111111111111111111111111111111111111111111111111903e8801a000927c0f6',
    )
    expect(decodeMethodParams('PreCommitSectorBatch2', pc)).toEqual([cc])
    expect(hex(encodeParams.preCommitSectorBatch2([{ ...cc, sectorNumber: 2, unsealedCid: commD }]))).toBe(
      '8181870802d82a5829000182e20381e8022011111111111111111111111111111111111111111111111111111111111111111903e8801a000927c0d82a5828000181e2039220202222222222222222222222222222222222222222222222222222222222222222',
    )
    const single = {
      activations: [{ sectorNumber: 1, pieces: [] }],
      sectorProofs: [unhex('cafe')],
      aggregateProof: new Uint8Array(),
      aggregateProofType: null,
      requireActivationSuccess: true,
      requireNotificationSuccess: false,
    }
    expect(hex(encodeParams.proveCommitSectors3(single))).toBe('86818201808142cafe40f6f5f4')
    expect(decodeMethodParams('ProveCommitSectors3', unhex('86818201808142cafe40f6f5f4'))).toEqual(single)
    expect(
      hex(
        encodeParams.proveCommitSectors3({
          ...single,
          activations: [1, 2, 3, 4].map((n) => ({ sectorNumber: n, pieces: [] })),
          sectorProofs: [],
          aggregateProof: unhex('aabb'),
          aggregateProofType: 1,
        }),
      ),
    ).toBe('86848201808202808203808204808042aabb01f5f4')
    const cm = encodeParams.createMiner({
      owner: 't01000',
      worker: 't01001',
      windowPoStProofType: 13,
      peer: new TextEncoder().encode('peer'),
      multiaddrs: [],
    })
    expect(hex(cm)).toBe('854300e8074300e9070d447065657280')
    expect(decodeMethodParams('CreateMiner', cm)).toMatchObject({
      owner: 't01000',
      worker: 't01001',
      windowPoStProofType: 13,
    })
  })

  it('computes the message CID of the Lotus vector', () => {
    const m = devnetSign({
      Version: 0,
      To: 't01000',
      From: 't01001',
      Nonce: 7,
      Value: '0',
      GasLimit: 1000000,
      GasFeeCap: '100000',
      GasPremium: '1000',
      Method: 10,
      Params: Buffer.from('818183030042b01c', 'hex').toString('base64'),
    })
    expect(m.unsignedCid).toBe('bafy2bzacecavyojjfxzcsftevoltybrrnjrdwcm4yk4r42qr422gd77pxblz2')
    expect(m.cid).toBe(m.unsignedCid) // not a secp256k1 sender: the on-chain CID is the unsigned one
  })

  it('aborts with exit 21 on malformed params', () => {
    expect(() => decodeMethodParams('DeclareFaults', unhex('ff'))).toThrow(
      expect.objectContaining({ exitCode: 21 }),
    )
    expect(() => decodeMethodParams('SubmitWindowedPoSt', unhex('8101'))).toThrow(
      expect.objectContaining({ exitCode: 21 }),
    )
  })
})
