export * from './detach.js'
export * from './index-sectors.js'
export * from './persist-stores.js'
