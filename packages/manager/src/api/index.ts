/**
 * The `Venus.*` edge of the manager: the method table over a `SectorManager`, the wire shapes
 * (PascalCase, as the original manager and workers speak them) and the converters between them
 * and the domain types every other module uses.
 *
 * @packageDocumentation
 */
export * from './operator-wire.js'
export { ParamReader } from './params.js'
export {
  createSealerApi,
  sealerApiMethodNames,
  type VenusCallContext,
  type VenusMethod,
} from './sealer-api.js'
export * from './sector-wire.js'
export * from './worker-wire.js'
