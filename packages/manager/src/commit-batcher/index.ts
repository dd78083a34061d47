export * from './batcher.js'
export { MIN_AGGREGATED_SECTORS, sectorExpiration } from './build.js'
export { MessageOutbox, type OutboxEvents, type OutgoingMessage } from './outbox.js'
