import type { UnsignedMessage } from '../codecs/message.js'
import { VenusError } from '../errors/index.js'
import type { Base64, LotusMessage, LotusTipSet, LotusTipSetKey } from './types.js'

// Padded base64: whole groups of four, at most two '=' at the very end. A length check and one
// character class instead of a pattern of groups: records carry kilobytes of it (proofs), read
// on every sector update.
const B64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/
const isPaddedBase64 = (text: string): boolean => text.length % 4 === 0 && B64_CHARS.test(text)

/**
 * Encodes bytes as padded standard base64, the Go JSON form of `[]byte`.
 *
 * @example
 * ```ts
 * encodeBase64Json(new Uint8Array([7])) // 'Bw=='
 * ```
 */
export function encodeBase64Json(bytes: Uint8Array): Base64 {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * Decodes padded standard base64 (Go `[]byte` JSON); `null` decodes to an empty array.
 *
 * @example
 * ```ts
 * decodeBase64Json('Bw==', 'Return') // Uint8Array [7]
 * ```
 */
export function decodeBase64Json(text: unknown, what = 'bytes'): Uint8Array {
  if (text === null) return new Uint8Array(0)
  if (typeof text !== 'string' || !isPaddedBase64(text)) {
    throw new VenusError('RPC_TRANSPORT', `${what} is not padded base64`, {
      details: { what, value: String(text).slice(0, 80) },
    })
  }
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/**
 * Parses a Go big-integer string (attoFIL, power) into a bigint.
 *
 * @example
 * ```ts
 * decodeBigIntJson('1000000000000000000', 'Balance') // 10n ** 18n
 * ```
 */
export function decodeBigIntJson(text: unknown, what = 'big integer'): bigint {
  if (typeof text !== 'string' || !/^-?\d+$/.test(text)) {
    throw new VenusError('RPC_TRANSPORT', `${what} is not a decimal integer string`, {
      details: { what, value: String(text).slice(0, 80) },
    })
  }
  return BigInt(text)
}

/**
 * The key of a tipset (its block CIDs), to pass as `tsk` to state calls.
 *
 * @example
 * ```ts
 * const head = await chain.chainHead()
 * await chain.stateMinerInfo('f01000', tipSetKeyOf(head))
 * ```
 */
export function tipSetKeyOf(ts: LotusTipSet): LotusTipSetKey {
  return ts.Cids
}

/** Whether a JSON value is a wire tipset (light shape check). */
export function isLotusTipSet(v: unknown): v is LotusTipSet {
  if (typeof v !== 'object' || v === null) return false
  const t = v as Record<string, unknown>
  return Array.isArray(t.Cids) && Array.isArray(t.Blocks) && typeof t.Height === 'number'
}

/**
 * A message to hand to a node's `MpoolPushMessage` or to a messager, which fill in the nonce and
 * the gas (limit, premium, and the fee cap unless one is given) before they sign it.
 *
 * @example
 * ```ts
 * const msg = unfilledMessage({ from: worker, to: 't01000', method: MinerMethod.DeclareFaults, params })
 * await chain.mpoolPushMessage(toLotusMessage(msg), { MaxFee: '100000000000000000' })
 * ```
 */
export function unfilledMessage(m: {
  from: string
  to: string
  method: number
  params: Uint8Array
  /** attoFIL sent along; default 0. */
  value?: bigint | undefined
  /** attoFIL per gas unit; default 0 (the filler chooses). */
  gasFeeCap?: bigint | undefined
}): UnsignedMessage {
  return {
    version: 0,
    to: m.to,
    from: m.from,
    nonce: 0,
    value: m.value ?? 0n,
    gasLimit: 0,
    gasFeeCap: m.gasFeeCap ?? 0n,
    gasPremium: 0n,
    method: m.method,
    params: m.params,
  }
}

/**
 * A message in the Lotus JSON form the node and messager APIs take (amounts as decimal strings,
 * params as base64).
 *
 * @example
 * ```ts
 * toLotusMessage(unfilledMessage({ from, to, method: 0, params: new Uint8Array(), value: 10n ** 18n })).Value // '1000000000000000000'
 * ```
 */
export function toLotusMessage(msg: UnsignedMessage): LotusMessage {
  return {
    Version: msg.version ?? 0,
    To: msg.to,
    From: msg.from,
    Nonce: msg.nonce,
    Value: msg.value.toString(),
    GasLimit: msg.gasLimit,
    GasFeeCap: msg.gasFeeCap.toString(),
    GasPremium: msg.gasPremium.toString(),
    Method: msg.method,
    Params: encodeBase64Json(msg.params),
  }
}

/**
 * A Lotus JSON message as an {@link UnsignedMessage} (to hash or encode it); amounts that are not
 * decimal integers and params that are not base64 fail with `RPC_TRANSPORT`.
 *
 * @example
 * ```ts
 * messageCid(fromLotusMessage(signed.Message)).toString()
 * ```
 */
export function fromLotusMessage(m: LotusMessage): UnsignedMessage {
  return {
    version: m.Version,
    to: m.To,
    from: m.From,
    nonce: m.Nonce,
    value: decodeBigIntJson(m.Value, 'Value'),
    gasLimit: m.GasLimit,
    gasFeeCap: decodeBigIntJson(m.GasFeeCap, 'GasFeeCap'),
    gasPremium: decodeBigIntJson(m.GasPremium, 'GasPremium'),
    method: m.Method,
    params: decodeBase64Json(m.Params, 'Params'),
  }
}
