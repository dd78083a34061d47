export * from './precommit.js'
export * from './proof.js'
export * from './sector-files.js'
