export * from './batcher.js'
export { MIN_AGGREGATED_SECTORS, sectorExpiration } from './build.js'
export { MessageOutbox, messageFromBody, type OutboxEvents, type OutgoingMessage } from './outbox.js'
