import { type AddressPrefix, addressFromBytes, addressToBytes } from './address.js'
import { decodeRuns } from './bitfield.js'
import { cborDecode, cborEncode, decodeBigInt, encodeBigInt, TupleReader } from './cbor.js'

/**
 * CBOR codecs of the miner actor's administrative methods: balance withdrawal, owner and worker
 * changes and sector-number compaction. Each `encodeX` has a `decodeX` that checks the layout
 * field by field (the devnet decodes with them what the CLI encodes).
 */

/** `WithdrawBalanceParams` (miner method 16). */
export interface WithdrawBalanceParams {
  /** attoFIL asked for; the actor moves at most what is available. */
  amountRequested: bigint
}

/** `ChangeWorkerAddressParams` (miner method 3): the new worker and the full control list. */
export interface ChangeWorkerAddressParams {
  newWorker: string
  newControlAddresses: string[]
}

/** `CompactSectorNumbersParams` (miner method 20). */
export interface CompactSectorNumbersParams {
  /**
   * The RLE+ bytes of the sector numbers to mask as allocated (`encodeBitfield` or
   * `encodeBitfieldRuns`): a mask may cover millions of numbers, so it stays encoded.
   */
  maskSectorNumbers: Uint8Array
}

/**
 * Encodes `WithdrawBalanceParams`.
 *
 * @example
 * ```ts
 * encodeWithdrawBalance({ amountRequested: 10n ** 18n }) // 1 FIL
 * ```
 */
export function encodeWithdrawBalance(params: WithdrawBalanceParams): Uint8Array {
  return cborEncode([encodeBigInt(params.amountRequested)])
}

/** Decodes `WithdrawBalanceParams`; see {@link encodeWithdrawBalance}. */
export function decodeWithdrawBalance(bytes: Uint8Array): WithdrawBalanceParams {
  const r = TupleReader.of(cborDecode(bytes, 'WithdrawBalance params'), 'WithdrawBalanceParams', 1)
  return { amountRequested: decodeBigInt(r.bytes(0)) }
}

/**
 * Encodes the return of `WithdrawBalance`: the attoFIL actually moved (a bare big integer).
 *
 * @example
 * ```ts
 * decodeWithdrawBalanceReturn(encodeWithdrawBalanceReturn(5n)) // 5n
 * ```
 */
export function encodeWithdrawBalanceReturn(amount: bigint): Uint8Array {
  return cborEncode(encodeBigInt(amount))
}

/** Decodes the return of `WithdrawBalance`; see {@link encodeWithdrawBalanceReturn}. */
export function decodeWithdrawBalanceReturn(bytes: Uint8Array): bigint {
  return decodeBigInt(
    TupleReader.of([cborDecode(bytes, 'WithdrawBalance return')], 'WithdrawBalance return', 1).bytes(0),
  )
}

/**
 * Encodes `ChangeWorkerAddressParams`.
 *
 * @example
 * ```ts
 * encodeChangeWorkerAddress({ newWorker: 'f01001', newControlAddresses: ['f01002'] })
 * ```
 */
export function encodeChangeWorkerAddress(params: ChangeWorkerAddressParams): Uint8Array {
  return cborEncode([
    addressToBytes(params.newWorker),
    params.newControlAddresses.map((a) => addressToBytes(a)),
  ])
}

/** Decodes `ChangeWorkerAddressParams`; see {@link encodeChangeWorkerAddress}. */
export function decodeChangeWorkerAddress(
  bytes: Uint8Array,
  prefix: AddressPrefix = 'f',
): ChangeWorkerAddressParams {
  const what = 'ChangeWorkerAddressParams'
  const r = TupleReader.of(cborDecode(bytes, 'ChangeWorkerAddress params'), what, 2)
  return {
    newWorker: addressFromBytes(r.bytes(0), prefix).toString(),
    newControlAddresses: r
      .array(1)
      .map((a, i) =>
        addressFromBytes(
          TupleReader.of([a], `${what}.new_control_addresses[${i}]`, 1).bytes(0),
          prefix,
        ).toString(),
      ),
  }
}

/**
 * Encodes the params of `ChangeOwnerAddress` (miner method 23): the new owner's address itself
 * (a transparent newtype, not a tuple).
 *
 * @example
 * ```ts
 * encodeChangeOwnerAddress('f01001')
 * ```
 */
export function encodeChangeOwnerAddress(newOwner: string): Uint8Array {
  return cborEncode(addressToBytes(newOwner))
}

/** Decodes the params of `ChangeOwnerAddress`; see {@link encodeChangeOwnerAddress}. */
export function decodeChangeOwnerAddress(bytes: Uint8Array, prefix: AddressPrefix = 'f'): string {
  const what = 'ChangeOwnerAddress params'
  return addressFromBytes(TupleReader.of([cborDecode(bytes, what)], what, 1).bytes(0), prefix).toString()
}

/**
 * Encodes `CompactSectorNumbersParams`.
 *
 * @example
 * ```ts
 * encodeCompactSectorNumbers({ maskSectorNumbers: encodeBitfieldRuns([0, 1000]) }) // mask 0 … 999
 * ```
 */
export function encodeCompactSectorNumbers(params: CompactSectorNumbersParams): Uint8Array {
  return cborEncode([params.maskSectorNumbers])
}

/**
 * Decodes `CompactSectorNumbersParams`, checking that the mask is valid RLE+ without listing its
 * numbers (read them with `decodeRuns`).
 */
export function decodeCompactSectorNumbers(bytes: Uint8Array): CompactSectorNumbersParams {
  const what = 'CompactSectorNumbersParams'
  const mask = TupleReader.of(cborDecode(bytes, 'CompactSectorNumbers params'), what, 1).bytes(0)
  decodeRuns(mask)
  return { maskSectorNumbers: mask }
}

/**
 * Encodes the return of `TerminateSectors`: whether every termination was processed now.
 *
 * @example
 * ```ts
 * decodeTerminateSectorsReturn(encodeTerminateSectorsReturn(true)) // true
 * ```
 */
export function encodeTerminateSectorsReturn(done: boolean): Uint8Array {
  return cborEncode([done])
}

/** Decodes the return of `TerminateSectors`; see {@link encodeTerminateSectorsReturn}. */
export function decodeTerminateSectorsReturn(bytes: Uint8Array): boolean {
  return TupleReader.of(cborDecode(bytes, 'TerminateSectors return'), 'TerminateSectorsReturn', 1).bool(0)
}
