import { type ErrorCode, isVenusError, VenusError } from '../errors/index.js'
import type { RpcErrorObject } from './types.js'

/** JSON-RPC error codes used by go-jsonrpc and Lotus. */
export const RpcErrorCode = {
  Parse: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** go-jsonrpc's code for any error returned by a handler. */
  Handler: 1,
  /** Lotus: `GasEstimate*` ran out of gas. */
  OutOfGas: 2,
  /** Lotus: the actor does not exist. */
  ActorNotFound: 11,
} as const

const CODE_FOR_VENUS: Partial<Record<ErrorCode, number>> = {
  RPC_PARSE: RpcErrorCode.Parse,
  RPC_BODY_TOO_LARGE: RpcErrorCode.Parse,
  RPC_INVALID_REQUEST: RpcErrorCode.InvalidRequest,
  RPC_METHOD_NOT_FOUND: RpcErrorCode.MethodNotFound,
  RPC_INVALID_PARAMS: RpcErrorCode.InvalidParams,
  ACTOR_NOT_FOUND: RpcErrorCode.ActorNotFound,
}

const VENUS_FOR_CODE: Record<number, ErrorCode> = {
  [RpcErrorCode.Parse]: 'RPC_PARSE',
  [RpcErrorCode.InvalidRequest]: 'RPC_INVALID_REQUEST',
  [RpcErrorCode.MethodNotFound]: 'RPC_METHOD_NOT_FOUND',
  [RpcErrorCode.InvalidParams]: 'RPC_INVALID_PARAMS',
  [RpcErrorCode.Internal]: 'RPC_SERVER',
  [RpcErrorCode.ActorNotFound]: 'ACTOR_NOT_FOUND',
}

/** Codes answered with HTTP 500 by go-jsonrpc (protocol faults); handler errors get 200. */
export function httpStatusForRpcCode(code: number): number {
  return code <= -32000 && code >= -32768 ? 500 : 200
}

/**
 * Turns anything a handler threw into a JSON-RPC error object. VenusErrors keep their JSON in
 * `data`, so a venus-cluster client rebuilds the typed error; other clients see go-jsonrpc's
 * `code`/`message`.
 *
 * @example
 * ```ts
 * toRpcError(new VenusError('RPC_INVALID_PARAMS', 'want 2 params')) // { code: -32602, ... }
 * ```
 */
export function toRpcError(err: unknown): RpcErrorObject {
  if (isVenusError(err)) {
    return {
      code: CODE_FOR_VENUS[err.code] ?? RpcErrorCode.Handler,
      message: err.message,
      data: err.toJSON(),
    }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { code: RpcErrorCode.Handler, message }
}

function looksLikeVenusJson(v: unknown): v is { code: string; message: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { code?: unknown }).code === 'string' &&
    typeof (v as { message?: unknown }).message === 'string'
  )
}

/**
 * Rebuilds a `VenusError` from a JSON-RPC error object: the server's VenusError JSON when it
 * sent one (in `data` or `meta`), otherwise a code chosen from the JSON-RPC code, with the
 * server's message kept and `details.rpcCode` set.
 *
 * @example
 * ```ts
 * const err = fromRpcError({ code: 1, message: 'actor not found' }) // RPC_SERVER
 * ```
 */
export function fromRpcError(error: unknown, method?: string): VenusError {
  const obj = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  const rpcCode = typeof obj.code === 'number' ? obj.code : RpcErrorCode.Internal
  const message = typeof obj.message === 'string' ? obj.message : 'JSON-RPC error without message'
  const typed = looksLikeVenusJson(obj.data) ? obj.data : looksLikeVenusJson(obj.meta) ? obj.meta : undefined
  if (typed !== undefined) {
    const err = VenusError.fromJSON(typed)
    err.details.rpcCode = rpcCode
    if (method !== undefined && err.details.method === undefined) err.details.method = method
    return err
  }
  const details: Record<string, unknown> = { rpcCode }
  if (method !== undefined) details.method = method
  if (obj.data !== undefined) details.data = obj.data
  return new VenusError(VENUS_FOR_CODE[rpcCode] ?? 'RPC_SERVER', message, { details })
}
