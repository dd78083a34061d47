import type { CID } from 'multiformats/cid'
import { VenusError } from '../errors/index.js'
import { type BatchReturn, decodeBatchReturn } from './actor-params.js'
import { type AddressPrefix, addressFromBytes, addressToBytes } from './address.js'
import { cborDecode, cborEncode, decodeBigInt, encodeBigInt, TupleReader } from './cbor.js'

/**
 * CBOR tuple codecs of the verified registry (f06) and DataCap (f07) methods — Fil+ — as the
 * builtin actors (v18) lay them out, plus the payload the miner sends the market actor (f05)
 * when a deal's piece is activated. Every `encodeX` has a `decodeX` that checks the layout
 * field by field, so the devnet validates what clients send exactly as the actors would.
 */

/**
 * Verified registry (f06) method numbers: the builtin numbers and, where a method is callable
 * from user code, its exported FRC-42 number (either works for accounts).
 *
 * @example
 * ```ts
 * VerifregMethod.ExtendClaimTerms // 11
 * ```
 */
export const VerifregMethod = {
  AddVerifier: 2,
  RemoveVerifier: 3,
  AddVerifiedClient: 4,
  RemoveExpiredAllocations: 8,
  /** Called by miner actors only, while sectors are activated. */
  ClaimAllocations: 9,
  GetClaims: 10,
  ExtendClaimTerms: 11,
  RemoveExpiredClaims: 12,
  AddVerifiedClientExported: 3916220144,
  RemoveExpiredAllocationsExported: 2421068268,
  GetClaimsExported: 2199871187,
  ExtendClaimTermsExported: 1752273514,
  RemoveExpiredClaimsExported: 2873373899,
  /** FRC-46 receiver hook (`method_hash!("Receive")`): DataCap sent to f06 lands here. */
  UniversalReceiverHook: 3726118371,
} as const

/**
 * DataCap (f07) methods: FRC-42 numbers only (blake2b-512 of `"1|" + name`).
 *
 * @example
 * ```ts
 * DatacapMethod.Transfer // 80475954
 * ```
 */
export const DatacapMethod = {
  Mint: 116935346,
  Destroy: 2624896501,
  Transfer: 80475954,
  TransferFrom: 3621052141,
  Balance: 3261979605,
  Allowance: 4205072950,
  IncreaseAllowance: 1777121560,
  DecreaseAllowance: 1529376545,
  Granularity: 3936767397,
} as const

/** The market actor's `SectorContentChanged` (FRC-42 number), which miners call with activated pieces. */
export const MARKET_SECTOR_CONTENT_CHANGED = 2034386435

/** The FRC-46 token type (`method_hash!("FRC46")`) of a DataCap receiver-hook payload. */
export const FRC46_TOKEN_TYPE = 2233613279

/** DataCap token precision: one byte of DataCap is 10^18 atto-tokens. */
export const DATACAP_TOKEN_PRECISION = 10n ** 18n

/**
 * DataCap atto-tokens of `bytes` bytes of DataCap.
 *
 * @example
 * ```ts
 * datacapTokens(2048) // 2048000000000000000000n
 * ```
 */
export function datacapTokens(bytes: number | bigint): bigint {
  return BigInt(bytes) * DATACAP_TOKEN_PRECISION
}

/** `AddVerifierParams` / `AddVerifiedClientParams`: an address and its allowance in bytes. */
export interface VerifierParams {
  address: string
  /** DataCap in bytes (not tokens). */
  allowance: bigint
}

/** One `AllocationRequest`: DataCap a client sets aside for one piece at one provider. */
export interface AllocationRequest {
  /** The provider's actor id (a miner). */
  provider: number
  /** The piece CID. */
  data: CID
  /** Padded piece size. */
  size: number
  termMin: number
  termMax: number
  /** Last epoch the allocation may be claimed at. */
  expiration: number
}

/** One `ClaimExtensionRequest`: a new `termMax` for a claim, paid with the sender's DataCap. */
export interface ClaimExtensionRequest {
  provider: number
  claim: number
  termMax: number
}

/** `AllocationRequests`: the operator data of a DataCap transfer to f06. */
export interface AllocationRequests {
  allocations: AllocationRequest[]
  extensions: ClaimExtensionRequest[]
}

/** `AllocationsResponse`: what f06 answers a DataCap transfer (the new allocation ids). */
export interface AllocationsResponse {
  allocationResults: BatchReturn
  extensionResults: BatchReturn
  newAllocations: number[]
}

/** FRC-46 `TransferParams` (DataCap `Transfer`). */
export interface DatacapTransferParams {
  to: string
  /** Atto-tokens (bytes × 10^18). */
  amount: bigint
  operatorData: Uint8Array
}

/** FRC-46 `TransferReturn`. */
export interface DatacapTransferReturn {
  fromBalance: bigint
  toBalance: bigint
  recipientData: Uint8Array
}

/** One `ClaimTerm` of `ExtendClaimTerms` (sent by the claim's client). */
export interface ClaimTerm {
  provider: number
  claimId: number
  termMax: number
}

/** `RemoveExpiredAllocationsParams`; empty ids = every expired allocation of the client. */
export interface RemoveExpiredAllocationsParams {
  client: number
  allocationIds: number[]
}

/** `RemoveExpiredAllocationsReturn`. */
export interface RemoveExpiredAllocationsReturn {
  considered: number[]
  results: BatchReturn
  /** DataCap given back to the client, in atto-tokens. */
  datacapRecovered: bigint
}

/** `RemoveExpiredClaimsParams`; empty ids = every expired claim of the provider. */
export interface RemoveExpiredClaimsParams {
  provider: number
  claimIds: number[]
}

/** `RemoveExpiredClaimsReturn`. */
export interface RemoveExpiredClaimsReturn {
  considered: number[]
  results: BatchReturn
}

/** A claim as the verified registry keeps it (`GetClaims` return). */
export interface ClaimState {
  provider: number
  client: number
  data: CID
  size: number
  termMin: number
  termMax: number
  termStart: number
  sector: number
}

/** `GetClaimsParams`. */
export interface GetClaimsParams {
  provider: number
  claimIds: number[]
}

/** `GetClaimsReturn`. */
export interface GetClaimsReturn {
  batchInfo: BatchReturn
  claims: ClaimState[]
}

const uints = (value: unknown[], what: string): number[] =>
  value.map((v, i) => TupleReader.of([v], `${what}[${i}]`, 1).uint(0))

const batch = (ret: BatchReturn): unknown => [ret.successCount, ret.failCodes.map((f) => [f.index, f.code])]
const batchAt = (r: TupleReader, i: number): BatchReturn => decodeBatchReturn(cborEncode(r.array(i)))

function bigAt(r: TupleReader, i: number, what: string): bigint {
  try {
    return decodeBigInt(r.bytes(i))
  } catch (cause) {
    throw new VenusError('CBOR_INVALID', `${what} is not a big integer`, { cause, details: { what } })
  }
}

function nonNegative(value: bigint, what: string): bigint {
  if (value < 0n)
    throw new VenusError('INVALID_ARGUMENT', `${what} must not be negative`, { details: { what } })
  return value
}

// --- AddVerifier / AddVerifiedClient --------------------------------------------------------

/**
 * Encodes `VerifierParams` (f06 `AddVerifier`, and `AddVerifiedClient` which has the same layout).
 *
 * @example
 * ```ts
 * encodeVerifierParams({ address: 't01001', allowance: 1n << 40n })
 * ```
 */
export function encodeVerifierParams(p: VerifierParams): Uint8Array {
  return cborEncode([addressToBytes(p.address), encodeBigInt(nonNegative(p.allowance, 'allowance'))])
}

/** Decodes `VerifierParams`; see {@link encodeVerifierParams}. */
export function decodeVerifierParams(bytes: Uint8Array, prefix: AddressPrefix = 'f'): VerifierParams {
  const r = TupleReader.of(cborDecode(bytes, 'VerifierParams'), 'VerifierParams', 2)
  return {
    address: addressFromBytes(r.bytes(0), prefix).toString(),
    allowance: bigAt(r, 1, 'VerifierParams.allowance'),
  }
}

// --- AllocationRequests ---------------------------------------------------------------------

/**
 * Encodes `AllocationRequests`, the operator data of a DataCap `Transfer` to f06.
 *
 * @example
 * ```ts
 * encodeAllocationRequests({ allocations: [{ provider: 1000, data: pieceCid, size: 2048,
 *   termMin: 518400, termMax: 777600, expiration: head + 2880 }], extensions: [] })
 * ```
 */
export function encodeAllocationRequests(p: AllocationRequests): Uint8Array {
  return cborEncode([
    p.allocations.map((a) => [a.provider, a.data, a.size, a.termMin, a.termMax, a.expiration]),
    p.extensions.map((e) => [e.provider, e.claim, e.termMax]),
  ])
}

/** Decodes `AllocationRequests`; see {@link encodeAllocationRequests}. */
export function decodeAllocationRequests(bytes: Uint8Array): AllocationRequests {
  const what = 'AllocationRequests'
  const r = TupleReader.of(cborDecode(bytes, what), what, 2)
  return {
    allocations: r.array(0).map((a, i) => {
      const ar = TupleReader.of(a, `${what}.allocations[${i}]`, 6)
      return {
        provider: ar.uint(0),
        data: ar.cid(1),
        size: ar.uint(2),
        termMin: ar.int(3),
        termMax: ar.int(4),
        expiration: ar.int(5),
      }
    }),
    extensions: r.array(1).map((e, i) => {
      const er = TupleReader.of(e, `${what}.extensions[${i}]`, 3)
      return { provider: er.uint(0), claim: er.uint(1), termMax: er.int(2) }
    }),
  }
}

/** Encodes `AllocationsResponse`. */
export function encodeAllocationsResponse(p: AllocationsResponse): Uint8Array {
  return cborEncode([batch(p.allocationResults), batch(p.extensionResults), p.newAllocations])
}

/**
 * Decodes `AllocationsResponse` (the `recipient_data` of a DataCap transfer to f06).
 *
 * @example
 * ```ts
 * const { newAllocations } = decodeAllocationsResponse(decodeDatacapTransferReturn(ret).recipientData)
 * ```
 */
export function decodeAllocationsResponse(bytes: Uint8Array): AllocationsResponse {
  const what = 'AllocationsResponse'
  const r = TupleReader.of(cborDecode(bytes, what), what, 3)
  return {
    allocationResults: batchAt(r, 0),
    extensionResults: batchAt(r, 1),
    newAllocations: uints(r.array(2), `${what}.new_allocations`),
  }
}

// --- DataCap Transfer -----------------------------------------------------------------------

/**
 * Encodes FRC-46 `TransferParams` (DataCap `Transfer`, method {@link DatacapMethod.Transfer}).
 *
 * @example
 * ```ts
 * encodeDatacapTransfer({ to: 'f06', amount: datacapTokens(2048),
 *   operatorData: encodeAllocationRequests(requests) })
 * ```
 */
export function encodeDatacapTransfer(p: DatacapTransferParams): Uint8Array {
  return cborEncode([addressToBytes(p.to), encodeBigInt(nonNegative(p.amount, 'amount')), p.operatorData])
}

/** Decodes `TransferParams`; see {@link encodeDatacapTransfer}. */
export function decodeDatacapTransfer(bytes: Uint8Array, prefix: AddressPrefix = 'f'): DatacapTransferParams {
  const r = TupleReader.of(cborDecode(bytes, 'TransferParams'), 'TransferParams', 3)
  return {
    to: addressFromBytes(r.bytes(0), prefix).toString(),
    amount: bigAt(r, 1, 'TransferParams.amount'),
    operatorData: r.bytes(2),
  }
}

/** Encodes `TransferReturn`. */
export function encodeDatacapTransferReturn(p: DatacapTransferReturn): Uint8Array {
  return cborEncode([encodeBigInt(p.fromBalance), encodeBigInt(p.toBalance), p.recipientData])
}

/** Decodes `TransferReturn`. */
export function decodeDatacapTransferReturn(bytes: Uint8Array): DatacapTransferReturn {
  const r = TupleReader.of(cborDecode(bytes, 'TransferReturn'), 'TransferReturn', 3)
  return {
    fromBalance: bigAt(r, 0, 'TransferReturn.from_balance'),
    toBalance: bigAt(r, 1, 'TransferReturn.to_balance'),
    recipientData: r.bytes(2),
  }
}

// --- ExtendClaimTerms -----------------------------------------------------------------------

/**
 * Encodes `ExtendClaimTermsParams` (f06 method 11; the sender must be each claim's client).
 *
 * @example
 * ```ts
 * encodeExtendClaimTerms([{ provider: 1000, claimId: 7, termMax: 5 * 1051920 }])
 * ```
 */
export function encodeExtendClaimTerms(terms: readonly ClaimTerm[]): Uint8Array {
  return cborEncode([terms.map((t) => [t.provider, t.claimId, t.termMax])])
}

/** Decodes `ExtendClaimTermsParams`. */
export function decodeExtendClaimTerms(bytes: Uint8Array): ClaimTerm[] {
  const what = 'ExtendClaimTermsParams'
  const r = TupleReader.of(cborDecode(bytes, what), what, 1)
  return r.array(0).map((t, i) => {
    const tr = TupleReader.of(t, `${what}.terms[${i}]`, 3)
    return { provider: tr.uint(0), claimId: tr.uint(1), termMax: tr.int(2) }
  })
}

// --- RemoveExpiredAllocations / RemoveExpiredClaims -----------------------------------------

/** Encodes `RemoveExpiredAllocationsParams` (f06 method 8; anyone may send it). */
export function encodeRemoveExpiredAllocations(p: RemoveExpiredAllocationsParams): Uint8Array {
  return cborEncode([p.client, p.allocationIds])
}

/** Decodes `RemoveExpiredAllocationsParams`. */
export function decodeRemoveExpiredAllocations(bytes: Uint8Array): RemoveExpiredAllocationsParams {
  const what = 'RemoveExpiredAllocationsParams'
  const r = TupleReader.of(cborDecode(bytes, what), what, 2)
  return { client: r.uint(0), allocationIds: uints(r.array(1), `${what}.allocation_ids`) }
}

/** Encodes `RemoveExpiredAllocationsReturn`. */
export function encodeRemoveExpiredAllocationsReturn(p: RemoveExpiredAllocationsReturn): Uint8Array {
  return cborEncode([p.considered, batch(p.results), encodeBigInt(p.datacapRecovered)])
}

/** Decodes `RemoveExpiredAllocationsReturn`. */
export function decodeRemoveExpiredAllocationsReturn(bytes: Uint8Array): RemoveExpiredAllocationsReturn {
  const what = 'RemoveExpiredAllocationsReturn'
  const r = TupleReader.of(cborDecode(bytes, what), what, 3)
  return {
    considered: uints(r.array(0), `${what}.considered`),
    results: batchAt(r, 1),
    datacapRecovered: bigAt(r, 2, `${what}.datacap_recovered`),
  }
}

/**
 * Encodes `RemoveExpiredClaimsParams` (f06 method 12; anyone may send it).
 *
 * @example
 * ```ts
 * encodeRemoveExpiredClaims({ provider: 1000, claimIds: [] }) // every expired claim of f01000
 * ```
 */
export function encodeRemoveExpiredClaims(p: RemoveExpiredClaimsParams): Uint8Array {
  return cborEncode([p.provider, p.claimIds])
}

/** Decodes `RemoveExpiredClaimsParams`. */
export function decodeRemoveExpiredClaims(bytes: Uint8Array): RemoveExpiredClaimsParams {
  const what = 'RemoveExpiredClaimsParams'
  const r = TupleReader.of(cborDecode(bytes, what), what, 2)
  return { provider: r.uint(0), claimIds: uints(r.array(1), `${what}.claim_ids`) }
}

/** Encodes `RemoveExpiredClaimsReturn`. */
export function encodeRemoveExpiredClaimsReturn(p: RemoveExpiredClaimsReturn): Uint8Array {
  return cborEncode([p.considered, batch(p.results)])
}

/** Decodes `RemoveExpiredClaimsReturn`. */
export function decodeRemoveExpiredClaimsReturn(bytes: Uint8Array): RemoveExpiredClaimsReturn {
  const what = 'RemoveExpiredClaimsReturn'
  const r = TupleReader.of(cborDecode(bytes, what), what, 2)
  return { considered: uints(r.array(0), `${what}.considered`), results: batchAt(r, 1) }
}

// --- GetClaims ------------------------------------------------------------------------------

/** Encodes `GetClaimsParams`. */
export function encodeGetClaims(p: GetClaimsParams): Uint8Array {
  return cborEncode([p.provider, p.claimIds])
}

/** Decodes `GetClaimsParams`. */
export function decodeGetClaims(bytes: Uint8Array): GetClaimsParams {
  const what = 'GetClaimsParams'
  const r = TupleReader.of(cborDecode(bytes, what), what, 2)
  return { provider: r.uint(0), claimIds: uints(r.array(1), `${what}.claim_ids`) }
}

/** Encodes `GetClaimsReturn`. */
export function encodeGetClaimsReturn(p: GetClaimsReturn): Uint8Array {
  return cborEncode([
    batch(p.batchInfo),
    p.claims.map((c) => [c.provider, c.client, c.data, c.size, c.termMin, c.termMax, c.termStart, c.sector]),
  ])
}

/** Decodes `GetClaimsReturn`. */
export function decodeGetClaimsReturn(bytes: Uint8Array): GetClaimsReturn {
  const what = 'GetClaimsReturn'
  const r = TupleReader.of(cborDecode(bytes, what), what, 2)
  return {
    batchInfo: batchAt(r, 0),
    claims: r.array(1).map((c, i) => {
      const cr = TupleReader.of(c, `${what}.claims[${i}]`, 8)
      return {
        provider: cr.uint(0),
        client: cr.uint(1),
        data: cr.cid(2),
        size: cr.uint(3),
        termMin: cr.int(4),
        termMax: cr.int(5),
        termStart: cr.int(6),
        sector: cr.uint(7),
      }
    }),
  }
}

// --- Market notification --------------------------------------------------------------------

/**
 * The payload of a piece's notification to the market actor (f05): the CBOR of the deal id.
 *
 * @example
 * ```ts
 * const notify = [{ address: 'f05', payload: encodeDealIdPayload(dealId) }]
 * ```
 */
export function encodeDealIdPayload(dealId: number): Uint8Array {
  if (!Number.isSafeInteger(dealId) || dealId < 0)
    throw new VenusError('INVALID_ARGUMENT', `deal id ${dealId} is not a non-negative integer`)
  return cborEncode(dealId)
}

/** Reads a deal id notification payload; see {@link encodeDealIdPayload}. */
export function decodeDealIdPayload(bytes: Uint8Array): number {
  return TupleReader.of([cborDecode(bytes, 'deal id')], 'deal id', 1).uint(0)
}
