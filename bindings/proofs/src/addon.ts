import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { VenusError } from '@venus-cluster/core'

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
}

/** File name of the built addon for this platform (napi-rs naming). */
export const ADDON_FILE = 'proofs.linux-x64-gnu.node'

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
 * Where the addon is looked for, in order: `$VENUS_PROOFS_NATIVE_PATH` alone when set; else the
 * platform package's file (`@venus-cluster/proofs-native-linux-x64-gnu`, when installed), then
 * `<package>/native/proofs.linux-x64-gnu.node` (where `npm run build:native` puts a local build).
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
): string[] {
  if (env.VENUS_PROOFS_NATIVE_PATH) return [env.VENUS_PROOFS_NATIVE_PATH]
  const out: string[] = []
  try {
    // The package's `main` is the .node file; resolving fails when it is not installed.
    out.push(resolvePackage(platformPackageName()))
  } catch {
    // Not installed (other platform, or optional dependencies omitted): try the local build.
  }
  out.push(join(packageRoot, 'native', ADDON_FILE))
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

let cached: ProofsAddon | undefined
let lastError: VenusError | undefined

/**
 * Loads the addon once. Never runs at import time; throws `PROOFS_NATIVE_UNAVAILABLE` (with the
 * build command in the message) when it is not built or does not load.
 *
 * @example
 * ```ts
 * const addon = loadProofsAddon()
 * addon.nativeVersion() // '0.1.0'
 * ```
 */
export function loadProofsAddon(): ProofsAddon {
  if (cached) return cached
  if (lastError) throw lastError
  const candidates = addonCandidates()
  const path = candidates.find((p) => existsSync(p))
  if (path === undefined) {
    lastError = new VenusError('PROOFS_NATIVE_UNAVAILABLE', missingAddonMessage(), {
      details: { searched: candidates, platform: `${process.platform}-${process.arch}` },
    })
    throw lastError
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    lastError = new VenusError(
      'PROOFS_NATIVE_UNAVAILABLE',
      `native proofs addon is built for linux-x64 only, this is ${process.platform}-${process.arch}`,
      { details: { path } },
    )
    throw lastError
  }
  try {
    const require = createRequire(import.meta.url)
    cached = require(path) as ProofsAddon
    return cached
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

/** @internal Forget a cached load failure (tests). */
export function resetAddonLoadState(): void {
  lastError = undefined
}
