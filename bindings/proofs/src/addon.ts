import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Logger, VenusError } from '@venus-cluster/core'

/** Settings applied once per process (the library reads them on first use). */
export interface AddonInitOptions {
  parameterCache?: string | undefined
  parentCache?: string | undefined
  cacheDir?: string | undefined
  verifyProductionParams?: boolean | undefined
  workerNice?: number | undefined
}

/** A piece as the addon takes it (see {@link ProofsAddon}). */
export interface AddonPiece {
  commP: Uint8Array
  paddedSize: number
}

/** A sector's sealing identity as the addon takes it (see {@link ProofsAddon}). */
export interface AddonSector {
  proof: number
  proverId: Uint8Array
  sectorNumber: number
  ticket: Uint8Array
}

/** A sealed replica as the addon takes it (see {@link ProofsAddon}). */
export interface AddonReplica {
  sectorNumber: number
  commR: Uint8Array
  cacheDir?: string | undefined
  sealedPath?: string | undefined
}

/** A PoSt proof as the addon returns it (see {@link ProofsAddon}). */
export interface AddonPoStProof {
  postProof: number
  proof: Uint8Array
}

/** One sector of an aggregate proof as the addon takes it (see {@link ProofsAddon}). */
export interface AddonAggregateEntry {
  sectorNumber: number
  ticket: Uint8Array
  seed: Uint8Array
  commR: Uint8Array
  commD: Uint8Array
  proof?: Uint8Array | undefined
}

/** The commitments of an empty-sector update, as the addon takes them (32 bytes each). */
export interface AddonUpdateComms {
  commROld: Uint8Array
  commRNew: Uint8Array
  commDNew: Uint8Array
}

/** The files of an empty-sector update, as the addon takes them: the CC replica (sector key) and the new one. */
export interface AddonUpdateFiles {
  sectorKeyPath: string
  sectorKeyCacheDir: string
  replicaPath: string
  replicaCacheDir: string
}

/**
 * The functions of the compiled addon (`bindings/proofs/src/lib.rs`), as `loadProofsAddon()` and
 * `initNativeProofs()` return them. A low-level interface: use `nativeProofs()` unless you need
 * the raw calls. Heavy ones return promises resolved from the libuv thread pool.
 */
export interface ProofsAddon {
  init(options: AddonInitOptions): void
  nativeVersion(): string
  sealProofInfo(proof: number): {
    sectorSize: number
    partitions: number
    singlePartitionProofLen: number
    apiVersion: string
    circuitIdentifier: string
    paramsPath: string
    verifyingKeyPath: string
    windowPostProof: number
    winningPostProof: number
  }
  postProofInfo(proof: number): {
    sectorSize: number
    sectorCount: number
    singlePartitionProofLen: number
    apiVersion: string
    circuitIdentifier: string
    paramsPath: string
    verifyingKeyPath: string
  }
  addPiece(
    proof: number,
    sourcePath: string,
    stagedPath: string,
    unpaddedSize: number,
    existingUnpaddedSizes: number[],
  ): Promise<{ commP: Buffer; paddedSize: number; written: number }>
  writeAndPreprocess(
    proof: number,
    sourcePath: string,
    stagedPath: string,
    unpaddedSize: number,
    paddedOffset?: number | undefined,
  ): Promise<{ commP: Buffer; paddedSize: number; written: number }>
  generatePieceCommitment(proof: number, sourcePath: string, unpaddedSize: number): Promise<Buffer>
  computeCommD(proof: number, pieces: AddonPiece[]): Buffer
  sealPreCommitPhase1(
    args: AddonSector,
    cacheDir: string,
    stagedPath: string,
    sealedPath: string,
    pieces: AddonPiece[],
  ): Promise<Buffer>
  sealPreCommitPhase2(
    phase1Output: Uint8Array,
    cacheDir: string,
    sealedPath: string,
  ): Promise<{ commR: Buffer; commD: Buffer }>
  sealCommitPhase1(
    args: AddonSector,
    cacheDir: string,
    sealedPath: string,
    seed: Uint8Array,
    commR: Uint8Array,
    commD: Uint8Array,
    pieces: AddonPiece[],
  ): Promise<Buffer>
  sealCommitPhase2(phase1Output: Uint8Array, proverId: Uint8Array, sectorNumber: number): Promise<Buffer>
  verifySeal(
    args: AddonSector,
    commR: Uint8Array,
    commD: Uint8Array,
    seed: Uint8Array,
    proof: Uint8Array,
  ): Promise<boolean>
  aggregateSealCommitProofs(
    proof: number,
    aggregation: number,
    entries: AddonAggregateEntry[],
  ): Promise<Buffer>
  verifyAggregateSealCommitProofs(
    proof: number,
    aggregation: number,
    proverId: Uint8Array,
    aggregate: Uint8Array,
    entries: AddonAggregateEntry[],
  ): Promise<boolean>
  unsealRange(
    args: AddonSector,
    cacheDir: string,
    sealedPath: string,
    outputPath: string,
    commD: Uint8Array,
    unpaddedOffset: number,
    unpaddedLength: number,
  ): Promise<number>
  clearCache(cacheDir: string): Promise<void>
  generateWindowPost(
    postProof: number,
    randomness: Uint8Array,
    proverId: Uint8Array,
    replicas: AddonReplica[],
  ): Promise<AddonPoStProof[]>
  verifyWindowPost(
    randomness: Uint8Array,
    proverId: Uint8Array,
    proofs: AddonPoStProof[],
    replicas: AddonReplica[],
  ): Promise<boolean>
  generateWinningPost(
    postProof: number,
    randomness: Uint8Array,
    proverId: Uint8Array,
    replicas: AddonReplica[],
  ): Promise<AddonPoStProof[]>
  verifyWinningPost(
    postProof: number,
    randomness: Uint8Array,
    proverId: Uint8Array,
    proof: Uint8Array,
    replicas: AddonReplica[],
  ): Promise<boolean>
  generateWinningPostSectorChallenge(
    postProof: number,
    randomness: Uint8Array,
    sectorSetLen: number,
    proverId: Uint8Array,
  ): number[]
  generateFallbackSectorChallenges(
    postProof: number,
    randomness: Uint8Array,
    sectorNumbers: number[],
    proverId: Uint8Array,
  ): { sectorNumber: number; challenges: number[] }[]
  generateSingleVanillaProof(postProof: number, replica: AddonReplica, challenges: number[]): Promise<Buffer>
  generateSingleWindowPostWithVanilla(
    postProof: number,
    randomness: Uint8Array,
    proverId: Uint8Array,
    vanillaProofs: Uint8Array[],
    partitionIndex: number,
  ): Promise<Buffer>
  generateWindowPostWithVanilla(
    postProof: number,
    randomness: Uint8Array,
    proverId: Uint8Array,
    vanillaProofs: Uint8Array[],
  ): Promise<AddonPoStProof[]>
  mergeWindowPostPartitionProofs(postProof: number, partitionProofs: Uint8Array[]): Buffer
  getNumPartitionForFallbackPost(postProof: number, numSectors: number): number
  updateProofInfo(proof: number): {
    sectorSize: number
    partitions: number
    singlePartitionProofLen: number
    apiVersion: string
    circuitIdentifier: string
    paramsPath: string
    verifyingKeyPath: string
  }
  encodeInto(
    proof: number,
    newReplicaPath: string,
    newCacheDir: string,
    sectorKeyPath: string,
    sectorKeyCacheDir: string,
    stagedPath: string,
    pieces: AddonPiece[],
  ): Promise<{ commRNew: Buffer; commRLastNew: Buffer; commDNew: Buffer }>
  generateUpdatePartitionProofs(
    proof: number,
    comms: AddonUpdateComms,
    files: AddonUpdateFiles,
  ): Promise<Buffer[]>
  verifyUpdatePartitionProofs(
    proof: number,
    vanillaProofs: Uint8Array[],
    comms: AddonUpdateComms,
  ): Promise<boolean>
  generateUpdateProofWithVanilla(
    proof: number,
    vanillaProofs: Uint8Array[],
    comms: AddonUpdateComms,
  ): Promise<Buffer>
  generateUpdateProof(proof: number, comms: AddonUpdateComms, files: AddonUpdateFiles): Promise<Buffer>
  verifyUpdateProof(proof: number, proofBytes: Uint8Array, comms: AddonUpdateComms): Promise<boolean>
  decodeFrom(
    proof: number,
    outputPath: string,
    replicaPath: string,
    sectorKeyPath: string,
    sectorKeyCacheDir: string,
    commDNew: Uint8Array,
  ): Promise<void>
  decodeRange(
    proof: number,
    commDNew: Uint8Array,
    commROld: Uint8Array,
    replicaPath: string,
    sectorKeyPath: string,
    outputPath: string,
    unpaddedOffset: number,
    unpaddedLength: number,
  ): Promise<number>
  removeEncodedData(
    proof: number,
    sectorKeyPath: string,
    sectorKeyCacheDir: string,
    replicaPath: string,
    replicaCacheDir: string,
    dataPath: string,
    commDNew: Uint8Array,
  ): Promise<void>
  parameterFileNames(part: string, sectorSize: number): string[]
  generateParameterSet(part: string, sectorSize: number): Promise<{ written: string[]; kept: string[] }>
  debugPanic(message: string): Promise<void>
  /** `'cuda'` for the CUDA build, `'cpu'` otherwise (absent in addons built before it existed). */
  addonVariant?(): string
  /** Which GPUs the addon proves on (absent in addons built before it existed). */
  gpuInfo?(): AddonGpuInfo
}

/** One GPU as the addon reports it (see {@link AddonGpuInfo}). */
export interface AddonGpuDevice {
  name: string
  /** Device memory in bytes. */
  memory: number
  /** Streaming multiprocessors. */
  computeUnits: number
  /** `sm_90` for an H100, … */
  arch?: string | undefined
}

/** What the addon's `gpuInfo()` returns. */
export interface AddonGpuInfo {
  /** Built with CUDA (`npm run build:native -- --gpu`). */
  cuda: boolean
  /** The GPUs found; empty in the CPU build and where the CUDA build finds none. */
  devices: AddonGpuDevice[]
  /** Groth16 proving (C2, PoSt, snap proofs) runs on them (`BELLMAN_NO_GPU` unset). */
  prover: boolean
  /** PC2 builds its trees on them (`FIL_PROOFS_USE_GPU_TREE_BUILDER`). */
  treeBuilder: boolean
  /** One line for logs: `cuda: 1 GPU (…)`, `none: CPU fallback (…)` or `none: CPU build`. */
  summary: string
}

/** File name of the built addon for this platform (napi-rs naming). */
export const ADDON_FILE = 'proofs.linux-x64-gnu.node'

/** File name of the CUDA build of the addon (`npm run build:native -- --gpu`). */
export const CUDA_ADDON_FILE = 'proofs.linux-x64-gnu.cuda.node'

/** The two builds of the addon: CPU only, or with NVIDIA GPU support through CUDA. */
export type AddonVariant = 'cpu' | 'cuda'

/** How to build the addon, quoted in every "unavailable" error. */
export const BUILD_HINT =
  'build it with `npm run build:native` (needs a Rust toolchain; writes bindings/proofs/native/' +
  ADDON_FILE +
  '), or point VENUS_PROOFS_NATIVE_PATH at a built addon'

/** The platforms with a published addon package (napi-rs triples without the `npm/` prefix). */
export const PUBLISHED_PLATFORMS: readonly string[] = ['linux-x64-gnu']

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The napi-rs platform name of this machine: `linux-x64-gnu`, `linux-arm64-musl`,
 * `darwin-arm64`, …
 *
 * @example
 * ```ts
 * platformTriple('linux', 'x64', true) // 'linux-x64-gnu'
 * ```
 */
export function platformTriple(
  platform: string = process.platform,
  arch: string = process.arch,
  glibc: boolean = isGlibc(),
): string {
  return platform === 'linux' ? `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}` : `${platform}-${arch}`
}

/**
 * The package that holds the addon for a platform (an optional dependency of this package,
 * installed by npm only on the matching platform).
 *
 * @example
 * ```ts
 * platformPackageName('linux-x64-gnu') // '@venus-cluster/proofs-native-linux-x64-gnu'
 * ```
 */
export function platformPackageName(triple: string = platformTriple()): string {
  return `@venus-cluster/proofs-native-${triple}`
}

function isGlibc(): boolean {
  if (process.platform !== 'linux') return false
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
    return typeof report?.header?.glibcVersionRuntime === 'string'
  } catch {
    return true
  }
}

const requireHere = createRequire(import.meta.url)

/**
 * Whether `VENUS_PROOFS_GPU` asks for the CUDA build: `1`/`true`/`on`/`yes` do, `0`/`false`/
 * `off`/`no` or unset do not; anything else fails with `PROOFS_INVALID_INPUT`.
 *
 * @example
 * ```ts
 * gpuRequested({ VENUS_PROOFS_GPU: '1' }) // true
 * ```
 */
export function gpuRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.VENUS_PROOFS_GPU
  if (raw === undefined) return false
  const v = raw.trim().toLowerCase()
  if (['', '0', 'false', 'off', 'no'].includes(v)) return false
  if (['1', 'true', 'on', 'yes'].includes(v)) return true
  throw new VenusError(
    'PROOFS_INVALID_INPUT',
    `VENUS_PROOFS_GPU must be 1 or 0, not ${JSON.stringify(raw)}`,
    {
      details: { variable: 'VENUS_PROOFS_GPU', value: raw },
    },
  )
}

/**
 * Where the addon is looked for, in order: `$VENUS_PROOFS_NATIVE_PATH` alone when set; else the
 * platform package's file (`@venus-cluster/proofs-native-linux-x64-gnu`, when installed), then
 * `<package>/native/proofs.linux-x64-gnu.node` (where `npm run build:native` puts a local build).
 * For the `'cuda'` variant: `$VENUS_PROOFS_CUDA_PATH` alone when set, else the same folders
 * searched for `proofs.linux-x64-gnu.cuda.node` (`npm run build:native -- --gpu`).
 * `resolvePackage` finds an installed package's main file (tests replace it).
 *
 * @example
 * ```ts
 * addonCandidates({ VENUS_PROOFS_NATIVE_PATH: '/opt/proofs.node' }) // ['/opt/proofs.node']
 * ```
 */
export function addonCandidates(
  env: NodeJS.ProcessEnv = process.env,
  resolvePackage: (name: string) => string = (name) => requireHere.resolve(name),
  variant: AddonVariant = 'cpu',
): string[] {
  if (variant === 'cuda' && env.VENUS_PROOFS_CUDA_PATH) return [env.VENUS_PROOFS_CUDA_PATH]
  if (variant === 'cpu' && env.VENUS_PROOFS_NATIVE_PATH) return [env.VENUS_PROOFS_NATIVE_PATH]
  const file = variant === 'cuda' ? CUDA_ADDON_FILE : ADDON_FILE
  const out: string[] = []
  try {
    // The package's `main` is the CPU .node file; resolving fails when it is not installed.
    const main = resolvePackage(platformPackageName())
    out.push(variant === 'cuda' ? join(dirname(main), file) : main)
  } catch {
    // Not installed (other platform, or optional dependencies omitted): try the local build.
  }
  out.push(join(packageRoot, 'native', file))
  return out
}

/** @internal The message of a missing addon: which package to install, or how to build it. */
export function missingAddonMessage(
  env: NodeJS.ProcessEnv = process.env,
  triple: string = platformTriple(),
): string {
  if (env.VENUS_PROOFS_NATIVE_PATH) {
    return `native proofs addon not found at VENUS_PROOFS_NATIVE_PATH (${env.VENUS_PROOFS_NATIVE_PATH}): ${BUILD_HINT}`
  }
  if (!PUBLISHED_PLATFORMS.includes(triple)) {
    return `native proofs addon not found, and none is published for ${triple}: ${BUILD_HINT}`
  }
  const pkg = platformPackageName(triple)
  return (
    `native proofs addon not found: install ${pkg} (npm adds it with @venus-cluster/proofs-native ` +
    `unless optional dependencies are omitted), or ${BUILD_HINT}`
  )
}

/** Which build of the addon this process loaded, from where, and why not the CUDA one if asked. */
export interface LoadedAddonInfo {
  variant: AddonVariant
  path: string
  /** Set when the CUDA build was asked for but the CPU build was loaded: why. */
  gpuFallback?: string | undefined
}

/** Options of {@link loadProofsAddon}. */
export interface LoadAddonOptions {
  /**
   * Load the CUDA build (`proofs.linux-x64-gnu.cuda.node`) when it is there and loads, else the
   * CPU build with a warning. Default: `VENUS_PROOFS_GPU`.
   */
  gpu?: boolean | undefined
  /** Where the fallback warning goes; default `process.emitWarning` (stderr). */
  logger?: Logger | undefined
}

let cached: ProofsAddon | undefined
let cachedInfo: LoadedAddonInfo | undefined
let lastError: VenusError | undefined

function requireAddon(path: string): ProofsAddon {
  const require = createRequire(import.meta.url)
  return require(path) as ProofsAddon
}

/**
 * Tries the CUDA build; returns why it could not be used. A CUDA build links the NVIDIA driver
 * library (libcuda.so.1), so it does not load on a machine without the driver: that is the usual
 * reason here. With the driver but no usable GPU it loads and proves on the CPU by itself.
 */
function tryCudaAddon(): { addon: ProofsAddon; path: string } | { reason: string } {
  const candidates = addonCandidates(process.env, undefined, 'cuda')
  const path = candidates.find((p) => existsSync(p))
  if (path === undefined) {
    return {
      reason: `the CUDA build is not there (searched ${candidates.join(', ')}; build it with \`npm run build:native -- --gpu\`)`,
    }
  }
  try {
    return { addon: requireAddon(path), path }
  } catch (cause) {
    const text = cause instanceof Error ? cause.message : String(cause)
    return { reason: `the CUDA build at ${path} does not load (${text.split('\n')[0]})` }
  }
}

/**
 * Loads the addon once per process. Never runs at import time; throws
 * `PROOFS_NATIVE_UNAVAILABLE` (with the build command in the message) when it is not built or
 * does not load. With `gpu` (or `VENUS_PROOFS_GPU=1`) the CUDA build is tried first; where it is
 * missing or does not load (no NVIDIA driver) the CPU build is loaded and a warning says why.
 * The first call decides: asking for the GPU after the CPU build was loaded throws
 * `PROOFS_INVALID_INPUT`.
 *
 * @example
 * ```ts
 * const addon = loadProofsAddon({ gpu: true })
 * addon.gpuInfo?.().summary // 'cuda: 1 GPU (NVIDIA H100 80GB HBM3 79 GiB sm_90); …'
 * ```
 */
export function loadProofsAddon(options: LoadAddonOptions = {}): ProofsAddon {
  const gpu = options.gpu ?? gpuRequested()
  if (cached && cachedInfo) {
    if (gpu && cachedInfo.variant === 'cpu' && cachedInfo.gpuFallback === undefined) {
      throw new VenusError(
        'PROOFS_INVALID_INPUT',
        'the CPU build of the proofs addon is already loaded in this process; ask for the GPU ' +
          '(VENUS_PROOFS_GPU=1 or gpu: true) before the first proofs call',
        { details: { loaded: cachedInfo.path } },
      )
    }
    return cached
  }
  if (lastError) throw lastError
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    const candidates = addonCandidates()
    const path = candidates.find((p) => existsSync(p))
    lastError =
      path === undefined
        ? new VenusError('PROOFS_NATIVE_UNAVAILABLE', missingAddonMessage(), {
            details: { searched: candidates, platform: `${process.platform}-${process.arch}` },
          })
        : new VenusError(
            'PROOFS_NATIVE_UNAVAILABLE',
            `native proofs addon is built for linux-x64 only, this is ${process.platform}-${process.arch}`,
            { details: { path } },
          )
    throw lastError
  }
  let gpuFallback: string | undefined
  if (gpu) {
    const tried = tryCudaAddon()
    if ('addon' in tried) {
      cached = tried.addon
      cachedInfo = { variant: 'cuda', path: tried.path }
      return cached
    }
    gpuFallback = tried.reason
    const message = `GPU proofs asked for (VENUS_PROOFS_GPU / gpu: true), but ${tried.reason}: proving on the CPU build`
    if (options.logger) options.logger.warn({ gpuFallback }, message)
    else process.emitWarning(message, { code: 'VENUS_PROOFS_GPU_FALLBACK' })
  }
  const candidates = addonCandidates()
  const path = candidates.find((p) => existsSync(p))
  if (path === undefined) {
    lastError = new VenusError('PROOFS_NATIVE_UNAVAILABLE', missingAddonMessage(), {
      details: { searched: candidates, platform: `${process.platform}-${process.arch}` },
    })
    throw lastError
  }
  try {
    cached = requireAddon(path)
  } catch (cause) {
    lastError = new VenusError(
      'PROOFS_NATIVE_UNAVAILABLE',
      `native proofs addon failed to load: ${BUILD_HINT}`,
      {
        details: { path },
        cause,
      },
    )
    throw lastError
  }
  const variant: AddonVariant = cached.addonVariant?.() === 'cuda' ? 'cuda' : 'cpu'
  cachedInfo = { variant, path, ...(gpuFallback === undefined ? {} : { gpuFallback }) }
  return cached
}

/**
 * Which build this process loaded, or `undefined` before the first load.
 *
 * @example
 * ```ts
 * loadProofsAddon()
 * loadedAddonInfo() // { variant: 'cpu', path: '…/proofs.linux-x64-gnu.node' }
 * ```
 */
export function loadedAddonInfo(): LoadedAddonInfo | undefined {
  return cachedInfo
}

/**
 * One line saying whether proofs run on a GPU: the addon's own report, plus why the CUDA build
 * is not in use when it was asked for.
 *
 * @example
 * ```ts
 * describeGpu(loadProofsAddon()) // 'none: CPU build'
 * ```
 */
export function describeGpu(addon: ProofsAddon, info: LoadedAddonInfo | undefined = cachedInfo): string {
  const own = addon.gpuInfo?.().summary ?? 'none: CPU build'
  return info?.gpuFallback ? `${own} (GPU asked for, but ${info.gpuFallback})` : own
}

/** Whether the addon is built and loads on this machine. Never throws. */
export function isNativeProofsAvailable(): boolean {
  try {
    loadProofsAddon()
    return true
  } catch {
    return false
  }
}

/** @internal Forget a cached load failure (tests); `all` forgets a loaded addon too. */
export function resetAddonLoadState(all = false): void {
  lastError = undefined
  if (all) {
    cached = undefined
    cachedInfo = undefined
  }
}
