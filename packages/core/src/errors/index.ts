export {
  isVenusError,
  throwIfAborted,
  VenusError,
  type VenusErrorJSON,
  type VenusErrorOptions,
} from './base.js'
export { type ErrorCode, ErrorCodes, isErrorCode } from './codes.js'
export { type ImportOptionalOptions, importOptional } from './optional-dependency.js'
