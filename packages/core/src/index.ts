/**
 * `@venus-cluster/core`: the protocol of venus-cluster — types, codecs, constants, the typed
 * chain and messager clients, JSON-RPC clients and transports, errors, the `ProofsBackend` seam,
 * piece commitments, config files and the service primitives every package shares.
 *
 * The machinery of the cluster's own servers lives in subpaths: `@venus-cluster/core/rpc` (the
 * JSON-RPC server), `@venus-cluster/core/http` (hardened HTTP servers) and
 * `@venus-cluster/core/auth` (API tokens, worker control tokens, trusted networks).
 *
 * @packageDocumentation
 */

export * from './chain/index.js'
export * from './codecs/index.js'
export * from './config/index.js'
export * from './damocles/index.js'
export * from './errors/index.js'
export * from './lotus-miner/index.js'
export * from './messager/index.js'
export * from './piece/index.js'
export * from './proofs/index.js'
// JSON-RPC clients and transports; the server is in `@venus-cluster/core/rpc`.
export { type ApiInfo, type ParseApiInfoOptions, parseApiInfo } from './rpc/api-info.js'
export * from './rpc/client.js'
export { fromRpcError, RpcErrorCode, toRpcError } from './rpc/errors.js'
export * from './rpc/local.js'
export {
  custom,
  customTransport,
  http,
  httpTransport,
  type NetworkTransportOptions,
  type WsTransportOptions,
  ws,
  wsTransport,
} from './rpc/transports.js'
export * from './rpc/types.js'
export * from './service/index.js'
export * from './types/index.js'
