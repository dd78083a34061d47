import { describe, expect, it } from 'vitest'
import { qaPowerForWeight, qaPowerOfSector, qualityForWeight } from '../types/filplus.js'
import { cborDecode, cborEncode, encodeBigInt } from './cbor.js'
import { commitmentToCid } from './cid.js'
import {
  datacapTokens,
  decodeAllocationRequests,
  decodeAllocationsResponse,
  decodeDatacapTransfer,
  decodeDatacapTransferReturn,
  decodeDealIdPayload,
  decodeExtendClaimTerms,
  decodeGetClaims,
  decodeGetClaimsReturn,
  decodeRemoveExpiredAllocations,
  decodeRemoveExpiredAllocationsReturn,
  decodeRemoveExpiredClaims,
  decodeRemoveExpiredClaimsReturn,
  decodeVerifierParams,
  encodeAllocationRequests,
  encodeAllocationsResponse,
  encodeDatacapTransfer,
  encodeDatacapTransferReturn,
  encodeDealIdPayload,
  encodeExtendClaimTerms,
  encodeGetClaims,
  encodeGetClaimsReturn,
  encodeRemoveExpiredAllocations,
  encodeRemoveExpiredAllocationsReturn,
  encodeRemoveExpiredClaims,
  encodeRemoveExpiredClaimsReturn,
  encodeVerifierParams,
} from './verifreg-params.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const piece = commitmentToCid(new Uint8Array(32).fill(7), 'commP')

describe('verified registry and DataCap params', () => {
  it('lays AllocationRequests out as the actors do: two lists of tuples in field order', () => {
    const req = {
      allocations: [
        { provider: 1000, data: piece, size: 2048, termMin: 518400, termMax: 777600, expiration: 3000 },
      ],
      extensions: [{ provider: 1000, claim: 7, termMax: 900000 }],
    }
    const bytes = encodeAllocationRequests(req)
    const raw = cborDecode(bytes) as unknown[][]
    expect(raw[0]![0]).toEqual([1000, piece, 2048, 518400, 777600, 3000])
    expect(raw[1]![0]).toEqual([1000, 7, 900000])
    const back = decodeAllocationRequests(bytes)
    expect(back.allocations[0]!.data.equals(piece)).toBe(true)
    expect({ ...back.allocations[0], data: null }).toEqual({ ...req.allocations[0], data: null })
    expect(back.extensions).toEqual(req.extensions)
  })

  it('names the field that is wrong in a malformed request', () => {
    const bad = cborEncode([[[1000, 'not a cid', 2048, 1, 2, 3]], []])
    expect(() => decodeAllocationRequests(bad)).toThrow(
      /AllocationRequests.allocations\[0\]\[1\] must be a CID/,
    )
    expect(() => decodeAllocationRequests(cborEncode([[]]))).toThrow(/2-element tuple/)
  })

  it('encodes amounts as Filecoin big integers (DataCap tokens are bytes × 10^18)', () => {
    expect(datacapTokens(1)).toBe(10n ** 18n)
    const t = encodeDatacapTransfer({
      to: 'f06',
      amount: datacapTokens(2048),
      operatorData: new Uint8Array([1]),
    })
    const raw = cborDecode(t) as Uint8Array[]
    expect(hex(raw[0]!)).toBe('0006')
    expect(hex(raw[1]!)).toBe(hex(encodeBigInt(2048n * 10n ** 18n)))
    expect(decodeDatacapTransfer(t, 't')).toEqual({
      to: 't06',
      amount: 2048n * 10n ** 18n,
      operatorData: new Uint8Array([1]),
    })
    expect(() => encodeDatacapTransfer({ to: 'f06', amount: -1n, operatorData: new Uint8Array() })).toThrow(
      /amount must not be negative/,
    )
    const v = encodeVerifierParams({ address: 'f01001', allowance: 1n << 40n })
    expect(decodeVerifierParams(v)).toEqual({ address: 'f01001', allowance: 1n << 40n })
  })

  it('round-trips the returns and the other params', () => {
    const ok = { successCount: 1, failCodes: [{ index: 1, code: 18 }] }
    const resp = {
      allocationResults: ok,
      extensionResults: { successCount: 0, failCodes: [] },
      newAllocations: [4],
    }
    expect(decodeAllocationsResponse(encodeAllocationsResponse(resp))).toEqual(resp)
    const tr = { fromBalance: 5n, toBalance: 0n, recipientData: encodeAllocationsResponse(resp) }
    expect(decodeDatacapTransferReturn(encodeDatacapTransferReturn(tr))).toEqual(tr)
    const terms = [{ provider: 1000, claimId: 3, termMax: 1_000_000 }]
    expect(decodeExtendClaimTerms(encodeExtendClaimTerms(terms))).toEqual(terms)
    expect(
      decodeRemoveExpiredAllocations(encodeRemoveExpiredAllocations({ client: 1001, allocationIds: [] })),
    ).toEqual({ client: 1001, allocationIds: [] })
    const rar = { considered: [1, 2], results: ok, datacapRecovered: 2048n * 10n ** 18n }
    expect(decodeRemoveExpiredAllocationsReturn(encodeRemoveExpiredAllocationsReturn(rar))).toEqual(rar)
    expect(decodeRemoveExpiredClaims(encodeRemoveExpiredClaims({ provider: 1000, claimIds: [5] }))).toEqual({
      provider: 1000,
      claimIds: [5],
    })
    expect(
      decodeRemoveExpiredClaimsReturn(encodeRemoveExpiredClaimsReturn({ considered: [5], results: ok })),
    ).toEqual({
      considered: [5],
      results: ok,
    })
    expect(decodeGetClaims(encodeGetClaims({ provider: 1000, claimIds: [1] }))).toEqual({
      provider: 1000,
      claimIds: [1],
    })
    const claim = {
      provider: 1000,
      client: 1001,
      data: piece,
      size: 2048,
      termMin: 1,
      termMax: 2,
      termStart: 3,
      sector: 4,
    }
    const gc = decodeGetClaimsReturn(encodeGetClaimsReturn({ batchInfo: ok, claims: [claim] }))
    expect(gc.claims[0]!.data.equals(piece)).toBe(true)
    expect(gc.claims[0]!.sector).toBe(4)
    expect(hex(encodeDealIdPayload(7))).toBe('07')
    expect(decodeDealIdPayload(encodeDealIdPayload(70000))).toBe(70000)
  })
})

describe('quality-adjusted power', () => {
  it('counts verified space ten times and unverified space once, as the miner actor does', () => {
    expect(qualityForWeight(2048, 100, 0n)).toBe(1n << 20n)
    expect(qaPowerForWeight(2048, 100, 0n)).toBe(2048n)
    expect(qaPowerForWeight(2048, 100, 2048n * 100n)).toBe(20480n)
    expect(qaPowerOfSector(2048, 1024)).toBe(2048n + 9n * 1024n)
    // Weight over half the duration: half the space for the whole term.
    expect(qaPowerForWeight(2048, 100, 2048n * 50n)).toBe(2048n + 9n * 1024n)
    expect(qaPowerOfSector(34359738368, 34359738368)).toBe(343597383680n)
  })
})
