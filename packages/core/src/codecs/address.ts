import * as Address from 'iso-filecoin/address'
import { VenusError } from '../errors/index.js'

/**
 * A parsed Filecoin address (any protocol). The parser is iso-filecoin's; this is the part of its
 * address object that venus-cluster promises, declared here so that the public types do not
 * depend on iso-filecoin's own declaration files.
 */
export interface FilAddress {
  /** 0 ID, 1 secp256k1, 2 actor, 3 BLS, 4 delegated (see {@link AddressProtocol}). */
  readonly protocol: (typeof AddressProtocol)[keyof typeof AddressProtocol]
  /** The payload bytes (without the protocol byte). */
  readonly payload: Uint8Array
  /** The network whose prefix `toString()` prints: `mainnet` → `f`, `testnet` → `t`. */
  readonly network: 'mainnet' | 'testnet'
  /** The actor id of an ID address. */
  readonly id?: bigint
  /** The address manager actor's namespace of a delegated (`f4`) address. */
  readonly namespace?: number
  /** The address string, e.g. `f01000`. */
  toString(): string
  /** The binary form: protocol byte + payload. */
  toBytes(): Uint8Array
}

/** The network prefix of an address string: `f` mainnet, `t` every test network. */
export type AddressPrefix = 'f' | 't'

/** Protocol numbers of Filecoin addresses. */
export const AddressProtocol = { ID: 0, SECP256K1: 1, ACTOR: 2, BLS: 3, DELEGATED: 4 } as const

/**
 * Parses an address string of any protocol (`f0…`, `t1…`, `f2…`, `f3…`, `f4…`), checking
 * the checksum and canonical form.
 *
 * @example
 * ```ts
 * parseAddress('f01000').protocol // 0
 * ```
 */
export function parseAddress(text: string): FilAddress {
  if (typeof text !== 'string') {
    throw new VenusError('ADDRESS_INVALID', `an address must be a string, got ${typeof text}`)
  }
  try {
    const addr = Address.fromString(text)
    // iso-filecoin accepts some non-canonical strings; the canonical form must read back as written.
    if (addr.toString() !== text) throw new Error(`non-canonical form (canonical: ${addr.toString()})`)
    if (addr.protocol === AddressProtocol.ID && (addr.id ?? 0n) >= 2n ** 63n)
      throw new Error('ID above 2^63−1')
    return addr
  } catch (cause) {
    throw new VenusError('ADDRESS_INVALID', `${JSON.stringify(text)} is not a valid Filecoin address`, {
      cause,
      details: { address: text, reason: cause instanceof Error ? cause.message : String(cause) },
    })
  }
}

/**
 * Reads an address from its binary form (protocol byte + payload), as CBOR params carry it.
 *
 * @example
 * ```ts
 * formatAddress(addressFromBytes(Uint8Array.of(0, 0xe8, 7))) // 'f01000'
 * ```
 */
export function addressFromBytes(bytes: Uint8Array, prefix: AddressPrefix = 'f'): FilAddress {
  try {
    const addr = Address.fromBytes(bytes, prefix === 'f' ? 'mainnet' : 'testnet')
    if (!equalBytes(addr.toBytes(), bytes)) throw new Error('non-canonical bytes')
    return addr
  } catch (cause) {
    throw new VenusError('ADDRESS_INVALID', 'bytes are not a valid Filecoin address', {
      cause,
      details: { hex: Buffer.from(bytes).toString('hex') },
    })
  }
}

/**
 * The binary form of an address (protocol byte + payload).
 *
 * @example
 * ```ts
 * addressToBytes('f01000') // Uint8Array [0, 232, 7]
 * ```
 */
export function addressToBytes(address: FilAddress | string): Uint8Array {
  return (typeof address === 'string' ? parseAddress(address) : address).toBytes()
}

/**
 * Prints an address with the given network prefix.
 *
 * @example
 * ```ts
 * formatAddress(parseAddress('f01000'), 't') // 't01000'
 * ```
 */
export function formatAddress(address: FilAddress | string, prefix?: AddressPrefix): string {
  const addr = typeof address === 'string' ? parseAddress(address) : address
  const text = addr.toString()
  return prefix === undefined ? text : prefix + text.slice(1)
}

/**
 * An ID address for an actor id.
 *
 * @example
 * ```ts
 * idAddress(1000, 't') // 't01000'
 * ```
 */
export function idAddress(actorId: number | bigint, prefix: AddressPrefix = 'f'): string {
  const id = BigInt(actorId)
  if (id < 0n || id >= 2n ** 63n) {
    throw new VenusError('ADDRESS_INVALID', `actor id ${id} is outside 0 … 2^63−1`, {
      details: { actorId: String(id) },
    })
  }
  return `${prefix}0${id}`
}

/**
 * The actor id of an ID address (`f01000` → 1000).
 *
 * @example
 * ```ts
 * actorIdOf('t01000') // 1000
 * ```
 */
export function actorIdOf(address: FilAddress | string): number {
  const addr = typeof address === 'string' ? parseAddress(address) : address
  if (addr.protocol !== AddressProtocol.ID || addr.id === undefined) {
    throw new VenusError('ADDRESS_INVALID', `${addr.toString()} is not an ID address`, {
      details: { address: addr.toString() },
    })
  }
  const id = Number(addr.id)
  if (!Number.isSafeInteger(id)) {
    throw new VenusError('ADDRESS_INVALID', `actor id of ${addr.toString()} is too large for this tool`)
  }
  return id
}

/** Whether two addresses are the same, whatever their network prefix (compared in binary). */
export function addressEquals(a: FilAddress | string, b: FilAddress | string): boolean {
  return equalBytes(addressToBytes(a), addressToBytes(b))
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
