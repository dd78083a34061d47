export * from './sector-admin.js'
