export * from './allocator.js'
