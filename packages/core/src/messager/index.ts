export * from './client.js'
export * from './senders.js'
export * from './types.js'
