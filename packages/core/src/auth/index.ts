export * from './request.js'
export * from './secret.js'
export * from './tokens.js'
