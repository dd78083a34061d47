export * from './history.js'
export * from './instrument.js'
export * from './manager-metrics.js'
export * from './prom-text.js'
