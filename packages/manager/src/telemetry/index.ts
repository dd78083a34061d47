export * from './sampler.js'
