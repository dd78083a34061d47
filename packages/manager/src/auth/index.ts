export * from './home-token.js'
export * from './permissions.js'
