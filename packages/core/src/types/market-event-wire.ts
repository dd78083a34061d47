/**
 * Wire shapes of the market's unseal requests. venus-market (droplet) and venus-gateway push
 * requests to the sector manager over a channel the manager opens, `ListenMarketEvent({Miner})`;
 * an unseal request is a `RequestEvent` whose `Method` is `SectorsUnsealPiece` and whose `Payload`
 * (Go `[]byte`, so base64 in JSON) is the JSON of an `UnsealRequest`. The manager answers each
 * request with `ResponseMarketEvent({Id, Payload, Error})`, the payload being the JSON of the
 * task's `UnsealState`. The market asks again with the same request to read the state, until it
 * is `finished`.
 *
 * Everything read here comes from a peer: every field is checked and bounded, and a bad one is a
 * `VenusError` (`INVALID_ARGUMENT`) that names it.
 */
import { cidToCommitment } from '../codecs/cid.js'
import { VenusError } from '../errors/index.js'

/**
 * Method namespaces of the two servers of market events: droplet serves them as
 * `VENUS_MARKET.*`, venus-gateway (a market pool) as `Gateway.*`.
 *
 * @example
 * ```ts
 * `${MARKET_EVENT_NAMESPACES.market}.${MARKET_EVENT_METHODS.listen}` // 'VENUS_MARKET.ListenMarketEvent'
 * ```
 */
export const MARKET_EVENT_NAMESPACES = Object.freeze({ market: 'VENUS_MARKET', gateway: 'Gateway' } as const)

/** The two calls of market events (prefixed with a namespace of {@link MARKET_EVENT_NAMESPACES}). */
export const MARKET_EVENT_METHODS = Object.freeze({
  listen: 'ListenMarketEvent',
  respond: 'ResponseMarketEvent',
} as const)

/** The `Method` of a request event that asks to unseal a piece. */
export const UNSEAL_PIECE_EVENT = 'SectorsUnsealPiece'

/** The `Method` of the first event of a stream, which only says the channel is open. */
export const INIT_CONNECT_EVENT = 'InitConnect'

/** Where an unseal the market asked for stands (`gateway.UnsealState` of venus-shared). */
export type UnsealState = 'set_up' | 'unsealing' | 'uploading' | 'finished' | 'failed'

/** Every {@link UnsealState}, in the order a task goes through them. */
export const UNSEAL_STATES: readonly UnsealState[] = Object.freeze([
  'set_up',
  'unsealing',
  'uploading',
  'finished',
  'failed',
])

/** Bounds of market-event fields read from the wire. */
export const MARKET_EVENT_LIMITS = Object.freeze({
  /** Characters of an event id (a UUID is 36). */
  idChars: 64,
  /** Characters of an event method. */
  methodChars: 64,
  /** Characters of a base64 payload (about 48 KiB decoded). */
  payloadChars: 65_536,
  /** Characters of a piece CID. */
  pieceCidChars: 128,
  /** Characters of a destination URL. */
  destChars: 2048,
  /** Characters of an error text sent back. */
  errorChars: 4096,
})

/** `MarketRegisterPolicy`: the parameter of `ListenMarketEvent`. */
export interface WireMarketRegisterPolicy {
  /** The miner's address, `t01000` / `f01000`. */
  Miner: string
}

/** A request event as it arrives on the channel (Go writes `Id`; `ID` is read too). */
export interface WireMarketRequestEvent {
  Id: string
  Method: string
  /** Base64 of the request's JSON; null when there is none. */
  Payload: string | null
}

/** `ResponseMarketEvent`'s parameter. */
export interface WireMarketResponseEvent {
  Id: string
  /** Base64 of the answer's JSON; null with an error. */
  Payload: string | null
  Error: string
}

/** `UnsealRequest` of venus-shared, inside a request's payload. */
export interface WireUnsealRequest {
  PieceCid: { '/': string }
  Miner: string
  Sid: number
  /** Unpadded offset of the piece in the sector. */
  Offset: number
  /** Unpadded size of the piece. */
  Size: number
  /** Where the unsealed piece goes (`market://…`, `http(s)://…`, `file://…`, `store://…`). */
  Dest: string
}

/** A request event, read and checked. */
export interface MarketRequestEvent {
  id: string
  method: string
  /** The payload's bytes (empty when there was none). */
  payload: Uint8Array
}

/** An unseal request, read and checked. */
export interface UnsealRequest {
  pieceCid: string
  miner: number
  sectorNumber: number
  /** Unpadded offset of the piece in the sector. */
  offset: number
  /** Unpadded size of the piece. */
  size: number
  dest: string
}

/** A market answer: the task's state, or why the request was refused. */
export type MarketUnsealAnswer = { id: string; state: UnsealState } | { id: string; error: string }

function bad(where: string, why: string, value?: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value)
  throw new VenusError('INVALID_ARGUMENT', `${where}: ${why}${value === undefined ? '' : `, got ${shown}`}`, {
    details: { field: where },
  })
}

function boundedString(v: unknown, where: string, max: number, allowEmpty = false): string {
  if (typeof v !== 'string') bad(where, 'must be a string', typeof v)
  if (v.length > max) bad(where, `must be at most ${max} characters`, `${v.length} characters`)
  if (!allowEmpty && v === '') bad(where, 'must not be empty')
  return v
}

function wholeNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    bad(where, 'must be a non-negative integer', v)
  return v
}

/**
 * The actor id of a miner ID address (`t01000`, `f01000`).
 *
 * @throws VenusError `INVALID_ARGUMENT`.
 * @example
 * ```ts
 * minerIdOfAddress('t01000', 'UnsealRequest.Miner') // 1000
 * ```
 */
export function minerIdOfAddress(address: unknown, where = 'miner'): number {
  const s = boundedString(address, where, 24)
  const m = /^[ft]0(\d{1,19})$/.exec(s)
  const id = m === null ? Number.NaN : Number(m[1])
  if (!Number.isSafeInteger(id)) bad(where, 'must be a miner ID address like t01000', s)
  return id
}

/**
 * The parameter of `ListenMarketEvent` for a miner.
 *
 * @example
 * ```ts
 * marketRegisterPolicyToWire(1000, 't') // { Miner: 't01000' }
 * ```
 */
export function marketRegisterPolicyToWire(miner: number, prefix: 'f' | 't' = 't'): WireMarketRegisterPolicy {
  return { Miner: `${prefix}0${miner}` }
}

/**
 * Reads a request event from the channel.
 *
 * @throws VenusError `INVALID_ARGUMENT` naming the field.
 * @example
 * ```ts
 * const ev = marketRequestEventFromWire({ Id: 'a1…', Method: 'SectorsUnsealPiece', Payload: 'eyJ…' })
 * ```
 */
export function marketRequestEventFromWire(v: unknown): MarketRequestEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    bad('RequestEvent', 'must be an object', typeof v)
  const o = v as Record<string, unknown>
  const id = boundedString(o.Id ?? o.ID, 'RequestEvent.Id', MARKET_EVENT_LIMITS.idChars)
  const method = boundedString(o.Method, 'RequestEvent.Method', MARKET_EVENT_LIMITS.methodChars)
  const p = o.Payload ?? null
  let payload = new Uint8Array(0)
  if (p !== null) {
    const s = boundedString(p, 'RequestEvent.Payload', MARKET_EVENT_LIMITS.payloadChars, true)
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) bad('RequestEvent.Payload', 'must be base64')
    payload = new Uint8Array(Buffer.from(s, 'base64'))
  }
  return { id, method, payload }
}

/**
 * Reads the `UnsealRequest` in a request's payload: a piece CID (a piece commitment), a miner ID
 * address, the sector number, offset and size, and a destination of at most
 * `MARKET_EVENT_LIMITS.destChars` characters (its scheme is checked by the receiver).
 *
 * @throws VenusError `INVALID_ARGUMENT` naming the field.
 * @example
 * ```ts
 * const req = unsealRequestFromPayload(ev.payload)
 * req.dest // 'market://store-1/baga…'
 * ```
 */
export function unsealRequestFromPayload(payload: Uint8Array): UnsealRequest {
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(payload).toString('utf8'))
  } catch {
    bad('UnsealRequest', 'the payload is not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    bad('UnsealRequest', 'must be an object', typeof v)
  const o = v as Record<string, unknown>
  const link = o.PieceCid as { '/'?: unknown } | null | undefined
  if (typeof link !== 'object' || link === null) bad('UnsealRequest.PieceCid', 'must be a CID link {"/": …}')
  const pieceCid = boundedString(link['/'], 'UnsealRequest.PieceCid', MARKET_EVENT_LIMITS.pieceCidChars)
  try {
    cidToCommitment(pieceCid, 'commP')
  } catch {
    bad('UnsealRequest.PieceCid', 'must be a piece CID (baga…)', pieceCid)
  }
  return {
    pieceCid,
    miner: minerIdOfAddress(o.Miner, 'UnsealRequest.Miner'),
    sectorNumber: wholeNumber(o.Sid, 'UnsealRequest.Sid'),
    offset: wholeNumber(o.Offset, 'UnsealRequest.Offset'),
    size: wholeNumber(o.Size, 'UnsealRequest.Size'),
    dest: boundedString(o.Dest, 'UnsealRequest.Dest', MARKET_EVENT_LIMITS.destChars),
  }
}

/**
 * The wire form of an unseal request (what the market sends; for tools and tests).
 *
 * @example
 * ```ts
 * const wire = unsealRequestToWire({ pieceCid, miner: 1000, sectorNumber: 7, offset: 0, size: 1016, dest: 'market://s/baga…' })
 * ```
 */
export function unsealRequestToWire(req: UnsealRequest, prefix: 'f' | 't' = 't'): WireUnsealRequest {
  return {
    PieceCid: { '/': req.pieceCid },
    Miner: `${prefix}0${req.miner}`,
    Sid: req.sectorNumber,
    Offset: req.offset,
    Size: req.size,
    Dest: req.dest,
  }
}

/**
 * A request event carrying `payload` as JSON (what the market sends; for tools and tests).
 *
 * @example
 * ```ts
 * marketRequestEventToWire('id-1', UNSEAL_PIECE_EVENT, unsealRequestToWire(req))
 * ```
 */
export function marketRequestEventToWire(
  id: string,
  method: string,
  payload: unknown,
): WireMarketRequestEvent {
  return { Id: id, Method: method, Payload: Buffer.from(JSON.stringify(payload), 'utf8').toString('base64') }
}

/**
 * The `ResponseMarketEvent` parameter of an answer: the JSON of the state, or the error (cut to
 * `MARKET_EVENT_LIMITS.errorChars`).
 *
 * @example
 * ```ts
 * await rpc.call('VENUS_MARKET.ResponseMarketEvent', [marketResponseToWire({ id: ev.id, state: 'set_up' })])
 * ```
 */
export function marketResponseToWire(answer: MarketUnsealAnswer): WireMarketResponseEvent {
  if ('error' in answer)
    return {
      Id: answer.id,
      Payload: null,
      Error: answer.error.slice(0, MARKET_EVENT_LIMITS.errorChars) || 'failed',
    }
  return {
    Id: answer.id,
    Payload: Buffer.from(JSON.stringify(answer.state), 'utf8').toString('base64'),
    Error: '',
  }
}

/**
 * Reads a `ResponseMarketEvent` parameter back (the market's side; for tools and tests).
 *
 * @throws VenusError `INVALID_ARGUMENT` naming the field.
 * @example
 * ```ts
 * marketResponseFromWire(params[0]) // { id: 'id-1', state: 'finished' }
 * ```
 */
export function marketResponseFromWire(v: unknown): MarketUnsealAnswer {
  if (typeof v !== 'object' || v === null) bad('ResponseEvent', 'must be an object', typeof v)
  const o = v as Record<string, unknown>
  const id = boundedString(o.Id ?? o.ID, 'ResponseEvent.Id', MARKET_EVENT_LIMITS.idChars)
  const error = boundedString(o.Error ?? '', 'ResponseEvent.Error', MARKET_EVENT_LIMITS.errorChars, true)
  if (error !== '') return { id, error }
  const p = boundedString(o.Payload, 'ResponseEvent.Payload', MARKET_EVENT_LIMITS.payloadChars)
  const state = JSON.parse(Buffer.from(p, 'base64').toString('utf8')) as unknown
  if (typeof state !== 'string' || !(UNSEAL_STATES as readonly string[]).includes(state))
    bad('ResponseEvent.Payload', `must be one of ${UNSEAL_STATES.join(', ')}`, String(state))
  return { id, state: state as UnsealState }
}
