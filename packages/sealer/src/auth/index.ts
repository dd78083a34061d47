export * from './control-auth.js'
