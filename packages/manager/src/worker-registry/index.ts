export * from './registry.js'
