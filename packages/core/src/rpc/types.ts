/**
 * Shared types of the go-jsonrpc compatible server and client.
 */

/** Permission levels of the Filecoin node APIs, weakest first. */
export type RpcPermission = 'read' | 'write' | 'sign' | 'admin'

/** Every permission, weakest first; a token with a level also implies nothing else (as Lotus). */
export const RPC_PERMISSIONS: readonly RpcPermission[] = ['read', 'write', 'sign', 'admin']

/** What a method handler learns about the call it serves. */
export interface RpcContext {
  /** Aborted when the caller cancels (`xrpc.cancel`), disconnects, or the server closes. */
  signal: AbortSignal
  /** Permissions the caller's token carries. */
  permissions: readonly RpcPermission[]
  /** The full method name, e.g. `Filecoin.ChainHead`. */
  method?: string
  /** The transport the call came over. */
  transport?: 'http' | 'ws' | 'inproc'
}

/**
 * A method handler: positional params in, a JSON-safe result out. `undefined` is sent as
 * `"result": null`. An `AsyncIterable` result makes it a channel method (WebSocket only), whose
 * values are streamed as `xrpc.ch.val` notifications. Throw `VenusError` for failures.
 */
export type RpcMethod = (
  params: unknown[],
  ctx: RpcContext,
) => unknown | Promise<unknown> | AsyncIterable<unknown>

/** A JSON-RPC request id as go-jsonrpc accepts it. */
export type RpcId = number | string

/** The error member of a JSON-RPC response. */
export interface RpcErrorObject {
  code: number
  message: string
  data?: unknown
  meta?: unknown
}

/** Options of one client call. */
export interface RpcCallOptions {
  /** Cancels the call; the server is told with `xrpc.cancel` on WebSocket. */
  signal?: AbortSignal | undefined
  /** Per-call time limit in milliseconds (overrides the client default; 0 = none). */
  timeoutMs?: number | undefined
}

/**
 * How a client reaches a server. `http`, `ws` and `custom` build one; anything with this shape
 * (for example an in-process devnet transport) works too.
 */
export interface RpcTransport {
  /** Sends one call and resolves with its `result`, or rejects with a `VenusError`. */
  request(method: string, params: unknown[], opts?: RpcCallOptions): Promise<unknown>
  /**
   * Calls a channel method and yields its values. Ends when the server closes the channel;
   * throws `RPC_CLOSED` when the connection drops. Absent: the transport has no channels.
   */
  subscribe?(method: string, params: unknown[], opts?: RpcCallOptions): AsyncIterable<unknown>
  /** Releases sockets and timers. */
  close?(): void | Promise<void>
}
