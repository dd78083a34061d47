/**
 * `@venus-cluster/core/auth`: API tokens (Lotus-style JWT with permissions), the worker control
 * tokens the manager issues, trusted networks, and how a request's permissions are decided.
 *
 * @packageDocumentation
 */
export * from './control-tokens.js'
export * from './request.js'
export * from './secret.js'
export * from './tokens.js'
export * from './trusted-networks.js'
