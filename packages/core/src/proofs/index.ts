/**
 * The proofs seam: the `ProofsBackend` interface mirroring filecoin-proofs-api, the mock backend
 * and the registry facts both share.
 *
 * @packageDocumentation
 */
export type * from './backend.js'
export type * from './backend-update.js'
export { type MockProofsCall, type MockProofsOptions, mockProofs } from './mock.js'
export {
  type CacheFile,
  type PoStProofFacts,
  postProofFacts,
  type SealProofFacts,
  type SectorShape,
  SNARK_PROOF_BYTES,
  sealProofFacts,
  sectorCacheFiles,
  type UpdateProofFacts,
  updateCacheFiles,
  updateProofFacts,
} from './registry.js'
export {
  generateWindowPoStVanillaProofs,
  type WindowPoStVanillaProofs,
  windowPoStViaVanilla,
} from './window-post-vanilla.js'
