/**
 * `@venus-cluster/core`: the types, codecs, config, errors and seams shared by every
 * venus-cluster package.
 *
 * @packageDocumentation
 */

export * from './auth/index.js'
export * from './chain/index.js'
export * from './codecs/index.js'
export * from './config/index.js'
export * from './errors/index.js'
export * from './http/index.js'
export * from './messager/index.js'
export * from './piece/index.js'
export * from './proofs/index.js'
export * from './rpc/index.js'
export * from './service/index.js'
export * from './types/index.js'
