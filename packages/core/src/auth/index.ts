export * from './request.js'
export * from './secret.js'
export * from './tokens.js'
export * from './trusted-networks.js'
