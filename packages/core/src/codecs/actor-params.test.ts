import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeBatchReturn,
  decodeCreateMiner,
  decodeDeclareFaults,
  decodeDeclareFaultsRecovered,
  decodeExtendSectorExpiration2,
  decodePreCommitSectorBatch2,
  decodeProveCommitSectors3,
  decodeSubmitWindowedPoSt,
  decodeTerminateSectors,
  encodeBatchReturn,
  encodeCreateMiner,
  encodeDeclareFaults,
  encodeDeclareFaultsRecovered,
  encodeExtendSectorExpiration2,
  encodePreCommitSectorBatch2,
  encodeProveCommitSectors3,
  encodeSubmitWindowedPoSt,
  encodeTerminateSectors,
  type ProveCommitSectors3Params,
} from './actor-params.js'
import { cborDecode, cborEncode, decodeBigInt, encodeBigInt } from './cbor.js'
import { commitmentToCid } from './cid.js'
import { encodeMessage, messageCid } from './message.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const fill = (b: number) => new Uint8Array(32).fill(b)

// Vectors computed with @ipld/dag-cbor from the go-state-types tuple layouts of each method.
describe('actor params CBOR', () => {
  it('encodes big integers as Filecoin does', () => {
    expect(hex(encodeBigInt(0n))).toBe('')
    expect(hex(encodeBigInt(10n ** 18n))).toBe('000de0b6b3a7640000')
    expect(decodeBigInt(unhex('0003'))).toBe(3n)
    expect(() => decodeBigInt(unhex('0200'))).toThrow(expect.objectContaining({ code: 'CBOR_INVALID' }))
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 256n), max: 2n ** 256n }),
        (v) => void expect(decodeBigInt(encodeBigInt(v))).toBe(v),
      ),
    )
  })

  it('DeclareFaults [[[3,0,{5,6,7}]]] → 818183030042b01c', () => {
    const bytes = encodeDeclareFaults({ entries: [{ deadline: 3, partition: 0, sectors: [5, 6, 7] }] })
    expect(hex(bytes)).toBe('818183030042b01c')
    expect(Buffer.from(bytes).toString('base64')).toBe('gYGDAwBCsBw=')
    expect(decodeDeclareFaults(bytes).entries).toEqual([{ deadline: 3, partition: 0, sectors: [5, 6, 7] }])
  })

  it('DeclareFaultsRecovered with two entries → 818283030042b01c830301425003', () => {
    const params = {
      entries: [
        { deadline: 3, partition: 0, sectors: [5, 6, 7] },
        { deadline: 3, partition: 1, sectors: [10] },
      ],
    }
    expect(hex(encodeDeclareFaultsRecovered(params))).toBe('818283030042b01c830301425003')
    expect(decodeDeclareFaultsRecovered(unhex('818283030042b01c830301425003'))).toEqual(params)
    expect(decodeTerminateSectors(encodeTerminateSectors(params))).toEqual(params)
  })

  it('SubmitWindowedPoSt', () => {
    const params = {
      deadline: 7,
      partitions: [
        { index: 0, skipped: [] },
        { index: 1, skipped: [4] },
      ],
      proofs: [{ postProof: 13, proofBytes: unhex('deadbeef') }],
      chainCommitEpoch: 12345,
      chainCommitRand: new Uint8Array(32).fill(1),
    }
    const expected = `850782820040820142900281820d44deadbeef193039582001${'01'.repeat(31)}`
    expect(hex(encodeSubmitWindowedPoSt(params))).toBe(expected)
    expect(decodeSubmitWindowedPoSt(unhex(expected))).toEqual(params)
  })

  it('PreCommitSectorBatch2 with and without CommD', () => {
    const cc = {
      sealProof: 8,
      sectorNumber: 1,
      sealedCid: commitmentToCid(fill(0x11), 'commR'),
      sealRandEpoch: 1000,
      dealIds: [],
      expiration: 600000,
      unsealedCid: null,
    }
    const ccHex = `8181870801d82a5829000182e20381e8022011${'11'.repeat(31)}1903e8801a000927c0f6`
    expect(hex(encodePreCommitSectorBatch2({ sectors: [cc] }))).toBe(ccHex)
    const withD = { ...cc, sectorNumber: 2, unsealedCid: commitmentToCid(fill(0x22), 'commD') }
    const dHex = `8181870802d82a5829000182e20381e8022011${'11'.repeat(31)}1903e8801a000927c0d82a5828000181e2039220202222${'22'.repeat(30)}`
    expect(hex(encodePreCommitSectorBatch2({ sectors: [withD] }))).toBe(dHex)
    const back = decodePreCommitSectorBatch2(unhex(dHex)).sectors[0]!
    expect(back.unsealedCid?.toString()).toBe(withD.unsealedCid.toString())
    expect(back.sealedCid.toString()).toBe(cc.sealedCid.toString())
  })

  it('ProveCommitSectors3 with one proof, with an aggregate, and with a piece', () => {
    const one: ProveCommitSectors3Params = {
      activations: [{ sectorNumber: 1, pieces: [] }],
      sectorProofs: [unhex('cafe')],
      aggregateProof: new Uint8Array(),
      aggregateProofType: null,
      requireActivationSuccess: true,
      requireNotificationSuccess: false,
    }
    expect(hex(encodeProveCommitSectors3(one))).toBe('86818201808142cafe40f6f5f4')
    expect(decodeProveCommitSectors3(unhex('86818201808142cafe40f6f5f4'))).toEqual(one)
    const agg: ProveCommitSectors3Params = {
      ...one,
      activations: [1, 2, 3, 4].map((n) => ({ sectorNumber: n, pieces: [] })),
      sectorProofs: [],
      aggregateProof: unhex('aabb'),
      aggregateProofType: 1,
    }
    expect(hex(encodeProveCommitSectors3(agg))).toBe('86848201808202808203808204808042aabb01f5f4')
    expect(decodeProveCommitSectors3(unhex('86848201808202808203808204808042aabb01f5f4'))).toEqual(agg)
    const piece: ProveCommitSectors3Params = {
      ...one,
      activations: [
        {
          sectorNumber: 5,
          pieces: [
            {
              cid: commitmentToCid(fill(0x33), 'commP'),
              size: 2048,
              verifiedAllocationKey: null,
              notify: [],
            },
          ],
        },
      ],
    }
    expect(hex(encodeProveCommitSectors3(piece))).toBe(
      `868182058184d82a5828000181e203922020${'33'.repeat(32)}190800f6808142cafe40f6f5f4`,
    )
  })

  it('ProveCommitSectors3 notifies the market actor (f05) with the CBOR deal id of a deal piece', () => {
    const dealPiece = {
      cid: commitmentToCid(fill(0x33), 'commP'),
      size: 1024,
      verifiedAllocationKey: null,
      notify: [{ address: 'f05', payload: cborEncode(42) }],
    }
    const filler = { ...dealPiece, cid: commitmentToCid(fill(0x22), 'commP'), notify: [] }
    const params: ProveCommitSectors3Params = {
      activations: [{ sectorNumber: 7, pieces: [dealPiece, filler] }],
      sectorProofs: [fill(1)],
      aggregateProof: new Uint8Array(),
      aggregateProofType: null,
      requireActivationSuccess: false,
      requireNotificationSuccess: false,
    }
    const raw = cborDecode(encodeProveCommitSectors3(params)) as [[number, unknown[][]][], ...unknown[]]
    const [deal, fill2] = raw[0][0]?.[1] ?? []
    // [cid, size, verified allocation key, notify: [[f05 address bytes, CBOR deal id]]]
    expect(deal?.slice(1, 3)).toEqual([1024, null])
    expect(deal?.[3]).toEqual([[Uint8Array.of(0, 5), cborEncode(42)]])
    expect(fill2?.[3]).toEqual([])
    // One bad sector does not fail the batch: neither success is required.
    expect(raw.slice(4)).toEqual([false, false])
    expect(decodeProveCommitSectors3(encodeProveCommitSectors3(params))).toEqual(params)
  })

  it('refuses inconsistent ProveCommitSectors3 params on both sides', () => {
    const bad = {
      activations: [{ sectorNumber: 1, pieces: [] }],
      sectorProofs: [],
      aggregateProof: unhex('aa'),
      aggregateProofType: null,
      requireActivationSuccess: true,
      requireNotificationSuccess: false,
    }
    expect(() => encodeProveCommitSectors3(bad)).toThrow(/aggregateProofType/)
    // aggregate bytes present but type null, hand-encoded
    expect(() => decodeProveCommitSectors3(unhex('86818201808041aaf6f5f4'))).toThrow(
      expect.objectContaining({ code: 'CBOR_INVALID' }),
    )
  })

  it('CreateMiner [f01000, f01001, 13, "peer", []]', () => {
    const params = {
      owner: 'f01000',
      worker: 'f01001',
      windowPoStProofType: 13,
      peer: new TextEncoder().encode('peer'),
      multiaddrs: [],
    }
    expect(hex(encodeCreateMiner(params))).toBe('854300e8074300e9070d447065657280')
    expect(decodeCreateMiner(unhex('854300e8074300e9070d447065657280'))).toEqual(params)
  })

  it('unsigned message CBOR and CID', () => {
    const msg = {
      to: 't01000',
      from: 't01001',
      nonce: 7,
      value: 0n,
      gasLimit: 1000000,
      gasFeeCap: 100000n,
      gasPremium: 1000n,
      method: 10,
      params: unhex('818183030042b01c'),
    }
    expect(hex(encodeMessage(msg))).toBe(
      '8a004300e8074300e90707401a000f424044000186a0430003e80a48818183030042b01c',
    )
    expect(messageCid(msg).toString()).toBe('bafy2bzacecavyojjfxzcsftevoltybrrnjrdwcm4yk4r42qr422gd77pxblz2')
  })

  it('ExtendSectorExpiration2 [[[3,0,{5,6},[],3000000]]] and with claims', () => {
    const cc = {
      extensions: [
        { deadline: 3, partition: 0, sectors: [5, 6], sectorsWithClaims: [], newExpiration: 3_000_000 },
      ],
    }
    expect(hex(encodeExtendSectorExpiration2(cc))).toBe('818185030042b014801a002dc6c0')
    expect(decodeExtendSectorExpiration2(encodeExtendSectorExpiration2(cc))).toEqual(cc)
    const claims = {
      extensions: [
        {
          deadline: 47,
          partition: 2,
          sectors: [],
          sectorsWithClaims: [{ sectorNumber: 9, maintainClaims: [100, 101], dropClaims: [7] }],
          newExpiration: 4_000_000,
        },
      ],
    }
    expect(decodeExtendSectorExpiration2(encodeExtendSectorExpiration2(claims))).toEqual(claims)
    expect(() => decodeExtendSectorExpiration2(unhex('81818403004080'))).toThrow(/5-element tuple/)
  })

  it('names the field that is wrong in malformed params', () => {
    expect(() => decodeDeclareFaults(unhex('8181830300'))).toThrow(
      expect.objectContaining({ code: 'CBOR_INVALID' }),
    )
    expect(() => decodeSubmitWindowedPoSt(unhex('8107'))).toThrow(/5-element tuple/)
    expect(() => decodeDeclareFaults(unhex('818183030042ffff'))).toThrow(/not a valid bitfield/)
    expect(() => decodePreCommitSectorBatch2(unhex('ff'))).toThrow(
      expect.objectContaining({ code: 'CBOR_INVALID' }),
    )
  })

  it('round-trips random params', () => {
    const loc = fc.record({
      deadline: fc.integer({ min: 0, max: 47 }),
      partition: fc.integer({ min: 0, max: 100 }),
      sectors: fc
        .uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 50 })
        .map((a) => a.sort((x, y) => x - y)),
    })
    fc.assert(
      fc.property(
        fc.array(loc, { maxLength: 5 }),
        (entries) => void expect(decodeDeclareFaults(encodeDeclareFaults({ entries }))).toEqual({ entries }),
      ),
    )
    fc.assert(
      fc.property(
        fc.record({
          deadline: fc.integer({ min: 0, max: 47 }),
          partitions: fc.array(
            fc.record({
              index: fc.nat(1000),
              skipped: fc.uniqueArray(fc.nat(5000)).map((a) => a.sort((x, y) => x - y)),
            }),
          ),
          proofs: fc.array(
            fc.record({
              postProof: fc.integer({ min: 0, max: 14 }),
              proofBytes: fc.uint8Array({ maxLength: 400 }),
            }),
            { maxLength: 1 },
          ),
          chainCommitEpoch: fc.integer({ min: -10, max: 1e9 }),
          chainCommitRand: fc.uint8Array({ maxLength: 32 }),
        }),
        (p) => void expect(decodeSubmitWindowedPoSt(encodeSubmitWindowedPoSt(p))).toEqual(p),
      ),
    )
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.array(fc.record({ index: fc.nat(100), code: fc.nat(40) })),
        (successCount, failCodes) =>
          void expect(decodeBatchReturn(encodeBatchReturn({ successCount, failCodes }))).toEqual({
            successCount,
            failCodes,
          }),
      ),
    )
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sealProof: fc.integer({ min: 0, max: 19 }),
            sectorNumber: fc.nat(),
            commR: fc.uint8Array({ minLength: 32, maxLength: 32 }),
            sealRandEpoch: fc.nat(),
            dealIds: fc.array(fc.nat()),
            expiration: fc.nat(),
            commD: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 })),
          }),
          { maxLength: 4 },
        ),
        (rows) => {
          const mask = (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 31 ? x & 0x3f : x))
          const sectors = rows.map((r) => ({
            sealProof: r.sealProof,
            sectorNumber: r.sectorNumber,
            sealedCid: commitmentToCid(mask(r.commR), 'commR'),
            sealRandEpoch: r.sealRandEpoch,
            dealIds: r.dealIds,
            expiration: r.expiration,
            unsealedCid: r.commD === null ? null : commitmentToCid(mask(r.commD), 'commD'),
          }))
          const back = decodePreCommitSectorBatch2(encodePreCommitSectorBatch2({ sectors }))
          expect(JSON.stringify(back)).toBe(JSON.stringify({ sectors }))
        },
      ),
      { numRuns: 50 },
    )
  })
})
