/**
 * `@venus-cluster/proofs-native`: the real Filecoin proofs (filecoin-proofs-api 19.1; on the CPU,
 * or on NVIDIA GPUs with the CUDA build and `VENUS_PROOFS_GPU=1`) behind the `ProofsBackend`
 * interface of `@venus-cluster/core`, through a napi-rs addon; plus
 * local parameter generation for small test sectors. Importing this package never loads the
 * addon: the first call does, and throws `PROOFS_NATIVE_UNAVAILABLE` when it is missing. The
 * addon comes in a platform package (`@venus-cluster/proofs-native-linux-x64-gnu`, an optional
 * dependency that npm installs on linux-x64 with glibc) or from a local build.
 *
 * @packageDocumentation
 */
export {
  type AddonAggregateEntry,
  type AddonGpuDevice,
  type AddonGpuInfo,
  type AddonInitOptions,
  type AddonPiece,
  type AddonPoStProof,
  type AddonReplica,
  type AddonSector,
  type AddonVariant,
  addonCandidates,
  BUILD_HINT,
  CUDA_ADDON_FILE,
  describeGpu,
  gpuRequested,
  isNativeProofsAvailable,
  type LoadAddonOptions,
  type LoadedAddonInfo,
  loadedAddonInfo,
  loadProofsAddon,
  type ProofsAddon,
  PUBLISHED_PLATFORMS,
  platformPackageName,
  platformTriple,
} from './addon.js'
export { type NativeProofsOptions, nativeProofs } from './backend.js'
export { toVenusError } from './errors.js'
export {
  type GenerateParametersOptions,
  type GenerateParametersResult,
  generateParameters,
  PARAMETER_PARTS,
  type ParameterPart,
  type ParameterProgressEvent,
  parseParameterParts,
  SEALING_PARAMETER_PARTS,
} from './params.js'
export { WorkQueue } from './queue.js'
export {
  appliedNativeProofsSettings,
  defaultNativeProofsSettings,
  initNativeProofs,
  type NativeProofsSettings,
  venusCacheDir,
} from './settings.js'
