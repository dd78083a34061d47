export * from './control-server.js'
export * from './worker-metrics.js'
