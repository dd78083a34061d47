export * from './control-auth.js'
export * from './local-token.js'
export * from './manager-key.js'
