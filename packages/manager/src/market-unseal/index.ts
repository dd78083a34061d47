export { type DestConfig, resolveUnsealDest, type UnsealDestTarget } from './dests.js'
export {
  MAX_MARKET_DESTS,
  type MarketDest,
  type MarketEventEndpoint,
  type MarketUnsealEvents,
  MarketUnsealService,
  type MarketUnsealServiceOptions,
  unsealStateOf,
} from './service.js'
export { type UploadOptions, uploadPiece } from './upload.js'
