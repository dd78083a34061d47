export * from './assigner.js'
export * from './market.js'
export { createVenusMarket, type VenusMarket, type VenusMarketOptions } from './venus-market.js'
