import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import { idAddressPayload, managerProverId, minerEntropy } from './chain.js'
import { sectorExpiration } from './commit-batcher/index.js'
import {
  decodePreCommitBatch2,
  decodeProveCommitSectors3,
  encodePreCommitBatch2,
  encodeProveCommitSectors3,
} from './commit-params.js'
import { commitmentBytes, commitmentCid } from './commitment-cid.js'
import { detectNetwork, networkParams, parseNetworkName } from './networks.js'

const bytes = (n: number) => new Uint8Array(32).fill(n)

describe('commitment CIDs', () => {
  it('uses the filecoin commitment codecs and round-trips the 32 bytes', () => {
    const r = commitmentCid(bytes(1), 'sealed')
    const d = commitmentCid(bytes(2), 'unsealed')
    expect(r.code).toBe(0xf102)
    expect(r.multihash.code).toBe(0xb401)
    expect(d.code).toBe(0xf101)
    expect(d.multihash.code).toBe(0x1012)
    expect(r.toString().startsWith('bagboea4b5abc')).toBe(true)
    expect(d.toString().startsWith('baga6ea4seaq')).toBe(true)
    expect(commitmentBytes(r.toString())).toEqual(bytes(1))
    expect(() => commitmentCid(new Uint8Array(31), 'sealed')).toThrow(
      expect.objectContaining({ code: 'COMMITMENT_INVALID' }),
    )
    expect(() => commitmentBytes('nope')).toThrow(expect.objectContaining({ code: 'CID_INVALID' }))
  })
})

describe('commit params', () => {
  it('encodes PreCommitSectorBatch2 as the tuple layout and decodes it back', () => {
    const info = {
      sealProof: 5,
      sectorNumber: 7,
      sealedCid: commitmentCid(bytes(1), 'sealed').toString(),
      sealRandEpoch: 100,
      dealIds: [3],
      expiration: 999_999,
      unsealedCid: commitmentCid(bytes(2), 'unsealed').toString(),
    }
    const enc = encodePreCommitBatch2([info])
    const raw = dagCbor.decode(enc) as unknown[][][]
    expect(raw.length).toBe(1)
    expect(raw[0]?.[0]?.length).toBe(7)
    expect(decodePreCommitBatch2(enc)).toEqual([info])
  })

  it('encodes ProveCommitSectors3 with either per-sector proofs or an aggregate', () => {
    const single = {
      sectorNumbers: [1, 2],
      sectorProofs: [bytes(1), bytes(2)],
      aggregateProof: new Uint8Array(0),
      aggregateProofType: null,
    }
    expect(decodeProveCommitSectors3(encodeProveCommitSectors3(single))).toEqual({
      ...single,
      pieces: [[], []],
    })
    const agg = {
      sectorNumbers: [1, 2, 3, 4],
      sectorProofs: [],
      aggregateProof: bytes(9),
      aggregateProofType: 1,
    }
    expect(decodeProveCommitSectors3(encodeProveCommitSectors3(agg))).toEqual({
      ...agg,
      pieces: [[], [], [], []],
    })
    const raw = dagCbor.decode(encodeProveCommitSectors3(agg)) as unknown[]
    expect(raw.length).toBe(6)
    expect(raw.slice(4)).toEqual([false, false])
  })

  it('carries piece manifests with market notifications for deal pieces only', () => {
    const c = commitmentCid(bytes(3), 'unsealed').toString()
    const z = commitmentCid(bytes(4), 'unsealed').toString()
    const p = {
      sectorNumbers: [7],
      pieces: [
        [
          { cid: c, size: 1024, dealId: 42 },
          { cid: z, size: 1024, dealId: null },
        ],
      ],
      sectorProofs: [bytes(1)],
      aggregateProof: new Uint8Array(0),
      aggregateProofType: null,
    }
    expect(decodeProveCommitSectors3(encodeProveCommitSectors3(p))).toEqual(p)
    const raw = dagCbor.decode(encodeProveCommitSectors3(p)) as [[number, unknown[][]][]]
    const [deal, filler] = raw[0][0]?.[1] ?? []
    // [cid, size, verified allocation key, notify: [[f05 address bytes, CBOR deal id]]]
    expect(deal?.slice(1, 3)).toEqual([1024, null])
    expect(deal?.[3]).toEqual([[new Uint8Array([0, 5]), dagCbor.encode(42)]])
    expect(filler?.[3]).toEqual([])
  })
})

describe('miner ids', () => {
  it('derives entropy and prover id from the ID address', () => {
    expect(idAddressPayload(0)).toEqual(Uint8Array.of(0))
    expect(idAddressPayload(1000)).toEqual(Uint8Array.of(0xe8, 0x07))
    expect(minerEntropy(1000)).toEqual(Uint8Array.of(0x43, 0x00, 0xe8, 0x07))
    const p = managerProverId(1000)
    expect(p.length).toBe(32)
    expect([...p.subarray(0, 3)]).toEqual([0xe8, 0x07, 0])
    expect(() => idAddressPayload(-1)).toThrow(RangeError)
  })
})

describe('networks', () => {
  it('parses --net names and aliases and detects devnets', () => {
    expect(parseNetworkName('mainnet')).toBe('mainnet')
    expect(parseNetworkName('cali')).toBe('calibnet')
    expect(parseNetworkName('butterflynet')).toBe('butterfly')
    expect(parseNetworkName('devnet')).toBe('2k')
    expect(() => parseNetworkName('moon')).toThrow(expect.objectContaining({ code: 'NETWORK_UNKNOWN' }))
    expect(detectNetwork('calibrationnet')).toBe('calibnet')
    expect(detectNetwork('localnet-devnet')).toBe('2k')
    expect(detectNetwork('something')).toBe('2k')
    expect(networkParams('mainnet')).toMatchObject({
      addressPrefix: 'f',
      blockDelaySecs: 30,
      preCommitChallengeDelay: 150,
    })
    expect(networkParams('2k')).toMatchObject({ addressPrefix: 't', preCommitChallengeDelay: 10 })
  })
})

describe('sectorExpiration', () => {
  it('keeps the lifetime inside the actor bounds', () => {
    const p = networkParams('mainnet')
    const head = 4_000_000
    const e = sectorExpiration(head, head - 900, 540, p)
    expect(e).toBe(head + 540 * 2880)
    const max = sectorExpiration(head, head - 900, 0, p)
    expect(max).toBe(head + p.preCommitChallengeDelay + p.maxSectorExpirationExtension - p.provingPeriod)
    const min = sectorExpiration(head, head - 900, 1, p)
    expect(min).toBeGreaterThanOrEqual(head + p.minSectorExpiration + p.provingPeriod)
    expect(min).toBeGreaterThanOrEqual(
      head - 900 + p.maxPreCommitRandomnessLookback + p.maxProveCommitDuration + p.minSectorExpiration,
    )
  })
})
