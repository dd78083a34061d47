export * from './sector-state.js'
