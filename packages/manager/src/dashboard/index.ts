export * from './charts.js'
export * from './data.js'
export * from './handler.js'
export { DASHBOARD_HTML } from './page.js'
