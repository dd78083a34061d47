/**
 * CBOR codecs of the miner actor's beneficiary methods (builtin-actors miner v18):
 * `ChangeBeneficiary` (method 30) and the return of `GetBeneficiary` (method 31), and the Lotus
 * JSON of a pending change as `StateMinerInfo` shows it.
 */
import { type AddressPrefix, addressFromBytes, addressToBytes } from './address.js'
import { cborDecode, cborEncode, decodeBigInt, encodeBigInt, TupleReader } from './cbor.js'

/** `ChangeBeneficiaryParams`: the owner proposes, the current beneficiary and the nominee confirm. */
export interface ChangeBeneficiaryParams {
  newBeneficiary: string
  /** attoFIL the beneficiary may withdraw in all; 0 (and expiration 0) when it is the owner. */
  newQuota: bigint
  /** Epoch at which the beneficiary's rights end. */
  newExpiration: number
}

/** `BeneficiaryTerm`: what the active beneficiary may still withdraw, and until when. */
export interface BeneficiaryTerm {
  quota: bigint
  usedQuota: bigint
  expiration: number
}

/** `PendingBeneficiaryChange`: a proposal and who approved it so far. */
export interface PendingBeneficiaryChange {
  newBeneficiary: string
  newQuota: bigint
  newExpiration: number
  approvedByBeneficiary: boolean
  approvedByNominee: boolean
}

/** `GetBeneficiaryReturn`. */
export interface GetBeneficiaryReturn {
  active: { beneficiary: string; term: BeneficiaryTerm }
  proposed: PendingBeneficiaryChange | null
}

/**
 * What a beneficiary may still withdraw at `epoch`: quota minus used quota while the term runs,
 * else nothing (the actor's `BeneficiaryTerm::available`).
 *
 * @example
 * ```ts
 * beneficiaryAvailable({ quota: 10n, usedQuota: 4n, expiration: 100 }, 50) // 6n
 * ```
 */
export function beneficiaryAvailable(term: BeneficiaryTerm, epoch: number): bigint {
  if (term.expiration <= epoch) return 0n
  const left = term.quota - term.usedQuota
  return left > 0n ? left : 0n
}

/**
 * Encodes `ChangeBeneficiaryParams`.
 *
 * @example
 * ```ts
 * encodeChangeBeneficiary({ newBeneficiary: 'f01002', newQuota: 10n ** 18n, newExpiration: 100_000 })
 * ```
 */
export function encodeChangeBeneficiary(params: ChangeBeneficiaryParams): Uint8Array {
  return cborEncode([
    addressToBytes(params.newBeneficiary),
    encodeBigInt(params.newQuota),
    params.newExpiration,
  ])
}

/** Decodes `ChangeBeneficiaryParams`; see {@link encodeChangeBeneficiary}. */
export function decodeChangeBeneficiary(
  bytes: Uint8Array,
  prefix: AddressPrefix = 'f',
): ChangeBeneficiaryParams {
  const r = TupleReader.of(cborDecode(bytes, 'ChangeBeneficiary params'), 'ChangeBeneficiaryParams', 3)
  return {
    newBeneficiary: addressFromBytes(r.bytes(0), prefix).toString(),
    newQuota: decodeBigInt(r.bytes(1)),
    newExpiration: r.int(2),
  }
}

/**
 * Encodes `GetBeneficiaryReturn`.
 *
 * @example
 * ```ts
 * const bytes = encodeGetBeneficiaryReturn({
 *   active: { beneficiary: 'f01000', term: { quota: 0n, usedQuota: 0n, expiration: 0 } },
 *   proposed: null,
 * })
 * ```
 */
export function encodeGetBeneficiaryReturn(ret: GetBeneficiaryReturn): Uint8Array {
  const t = ret.active.term
  const p = ret.proposed
  return cborEncode([
    [
      addressToBytes(ret.active.beneficiary),
      [encodeBigInt(t.quota), encodeBigInt(t.usedQuota), t.expiration],
    ],
    p === null
      ? null
      : [
          addressToBytes(p.newBeneficiary),
          encodeBigInt(p.newQuota),
          p.newExpiration,
          p.approvedByBeneficiary,
          p.approvedByNominee,
        ],
  ])
}

/** Decodes `GetBeneficiaryReturn` from a receipt; see {@link encodeGetBeneficiaryReturn}. */
export function decodeGetBeneficiaryReturn(
  bytes: Uint8Array,
  prefix: AddressPrefix = 'f',
): GetBeneficiaryReturn {
  const r = TupleReader.of(cborDecode(bytes, 'GetBeneficiary return'), 'GetBeneficiaryReturn', 2)
  const a = TupleReader.of(r.array(0), 'GetBeneficiaryReturn.active', 2)
  const t = TupleReader.of(a.array(1), 'GetBeneficiaryReturn.active.term', 3)
  let proposed: PendingBeneficiaryChange | null = null
  if (!r.isNull(1)) {
    const p = TupleReader.of(r.array(1), 'GetBeneficiaryReturn.proposed', 5)
    proposed = {
      newBeneficiary: addressFromBytes(p.bytes(0), prefix).toString(),
      newQuota: decodeBigInt(p.bytes(1)),
      newExpiration: p.int(2),
      approvedByBeneficiary: p.bool(3),
      approvedByNominee: p.bool(4),
    }
  }
  return {
    active: {
      beneficiary: addressFromBytes(a.bytes(0), prefix).toString(),
      term: { quota: decodeBigInt(t.bytes(0)), usedQuota: decodeBigInt(t.bytes(1)), expiration: t.int(2) },
    },
    proposed,
  }
}
