export * from './ids.js'
export * from './networks.js'
export * from './proof-types.js'
export * from './sizes.js'
