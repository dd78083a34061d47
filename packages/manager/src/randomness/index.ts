export * from './randomness.js'
