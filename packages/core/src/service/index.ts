export { type EventMap, type Listener, TypedEmitter } from './events.js'
export { childLogger, type Logger, silentLogger } from './logger.js'
export { type Startable, startAll, stopAll } from './startable.js'
