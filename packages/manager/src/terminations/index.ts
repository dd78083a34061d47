export * from './terminations.js'
