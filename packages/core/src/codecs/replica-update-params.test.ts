import { describe, expect, it } from 'vitest'
import { cborEncode } from './cbor.js'
import { commitmentToCid } from './cid.js'
import { MinerMethod } from './methods.js'
import {
  decodeProveReplicaUpdates3,
  decodeProveReplicaUpdates3Return,
  encodeProveReplicaUpdates3,
  encodeProveReplicaUpdates3Return,
  type ProveReplicaUpdates3Params,
} from './replica-update-params.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const fill = (b: number) => new Uint8Array(32).fill(b)

const params = (over: Partial<ProveReplicaUpdates3Params> = {}): ProveReplicaUpdates3Params => ({
  sectorUpdates: [
    {
      sectorNumber: 7,
      deadline: 3,
      partition: 0,
      newSealedCid: commitmentToCid(fill(1), 'commR'),
      pieces: [
        { cid: commitmentToCid(fill(2), 'commD'), size: 1024, verifiedAllocationKey: null, notify: [] },
      ],
    },
  ],
  sectorProofs: [new Uint8Array([9, 9, 9])],
  aggregateProof: new Uint8Array(),
  updateProofsType: 0,
  aggregateProofType: null,
  requireActivationSuccess: false,
  requireNotificationSuccess: false,
  ...over,
})

// Vector computed with @ipld/dag-cbor from the go-state-types ProveReplicaUpdates3Params tuple:
// [[[sector, deadline, partition, new_sealed_cid, [[cid, size, null, []]]]], [proof], b'', 0, null, false, false]
const VECTOR =
  '878185070300d82a5829000182e20381e8022001010101010101010101010101010101010101010101010101010101010101018184d82a5828000181e2039220200202020202020202020202020202020202020202020202020202020202020202190400f68081430909094000f6f4f4'

describe('ProveReplicaUpdates3 params', () => {
  it('is miner method 35', () => {
    expect(MinerMethod.ProveReplicaUpdates3).toBe(35)
  })

  it('encodes the go-state-types tuple layout byte for byte', () => {
    expect(hex(encodeProveReplicaUpdates3(params()))).toBe(VECTOR)
  })

  it('decodes what it encodes, with verified allocations and notifications', () => {
    const p = params({
      sectorUpdates: [
        {
          ...params().sectorUpdates[0]!,
          pieces: [
            {
              cid: commitmentToCid(fill(3), 'commD'),
              size: 2048,
              verifiedAllocationKey: { client: 1001, id: 5 },
              notify: [{ address: 'f05', payload: new Uint8Array([1, 2]) }],
            },
          ],
        },
      ],
      requireActivationSuccess: true,
    })
    const back = decodeProveReplicaUpdates3(encodeProveReplicaUpdates3(p))
    expect(back.sectorUpdates[0]!.newSealedCid.equals(p.sectorUpdates[0]!.newSealedCid)).toBe(true)
    expect(back.sectorUpdates[0]!.pieces[0]!.verifiedAllocationKey).toEqual({ client: 1001, id: 5 })
    expect(back.sectorUpdates[0]!.pieces[0]!.notify[0]!.address).toBe('f05')
    expect(back.requireActivationSuccess).toBe(true)
    expect(hex(encodeProveReplicaUpdates3(back))).toBe(hex(encodeProveReplicaUpdates3(p)))
  })

  it('refuses to encode both or neither of sector proofs and an aggregate, or over 256 updates', () => {
    expect(() => encodeProveReplicaUpdates3(params({ sectorProofs: [] }))).toThrow(/exactly one/)
    expect(() =>
      encodeProveReplicaUpdates3(params({ aggregateProof: new Uint8Array([1]), aggregateProofType: 1 })),
    ).toThrow(/exactly one/)
    expect(() => encodeProveReplicaUpdates3(params({ aggregateProofType: 1 }))).toThrow(
      /aggregate proof type/,
    )
    const many = Array.from({ length: 257 }, (_, i) => ({ ...params().sectorUpdates[0]!, sectorNumber: i }))
    expect(() =>
      encodeProveReplicaUpdates3(
        params({ sectorUpdates: many, sectorProofs: many.map(() => new Uint8Array(1)) }),
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/257/) }))
  })

  it('names the field that is wrong when decoding', () => {
    const bad = cborEncode([[[7, 3, 0, 'not a cid', []]], [], new Uint8Array(), 0, null, false, false])
    expect(() => decodeProveReplicaUpdates3(bad)).toThrow(
      expect.objectContaining({ code: 'CBOR_INVALID', message: 'sector_updates[0][3] must be a CID' }),
    )
    expect(() => decodeProveReplicaUpdates3(cborEncode([[], [], new Uint8Array(), 0, null, false]))).toThrow(
      /7-element tuple/,
    )
    expect(() => decodeProveReplicaUpdates3(unhex('ff'))).toThrow(
      expect.objectContaining({ code: 'CBOR_INVALID' }),
    )
  })

  it('leaves the method checks to the actor: a decodable shape it would refuse still decodes', () => {
    const raw = cborEncode([[], [], new Uint8Array(), 0, null, false, false])
    expect(decodeProveReplicaUpdates3(raw).sectorUpdates).toEqual([])
  })
})

describe('ProveReplicaUpdates3 return', () => {
  it('is a tuple holding one BatchReturn', () => {
    const bytes = encodeProveReplicaUpdates3Return({
      activationResults: { successCount: 2, failCodes: [{ index: 1, code: 16 }] },
    })
    expect(hex(bytes)).toBe('81820281820110')
    expect(decodeProveReplicaUpdates3Return(bytes)).toEqual({
      activationResults: { successCount: 2, failCodes: [{ index: 1, code: 16 }] },
    })
    expect(() => decodeProveReplicaUpdates3Return(cborEncode([2, []]))).toThrow(/1-element tuple/)
  })
})
