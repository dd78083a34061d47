export * from './browser.js'
export * from './server.js'
export * from './target.js'
