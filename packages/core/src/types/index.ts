export * from './ids.js'
export * from './proof-types.js'
export * from './sizes.js'
export * from './networks.js'
