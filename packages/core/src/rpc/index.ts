/**
 * `@venus-cluster/core/rpc`: go-jsonrpc compatible JSON-RPC 2.0 — the clients and transports the
 * root entry exports too, and the server (`createRpcServer`) the cluster's daemons run.
 *
 * @packageDocumentation
 */
export * from './api-info.js'
export * from './client.js'
export * from './errors.js'
export * from './local.js'
export * from './parse.js'
export * from './server.js'
export * from './transports.js'
export * from './types.js'
