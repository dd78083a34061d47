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

/** @internal */
export interface AddonPiece {
  commP: Uint8Array
  paddedSize: number
}

/** @internal */
export interface AddonSector {
  proof: number
  proverId: Uint8Array
  sectorNumber: number
  ticket: Uint8Array
}

/** @internal */
export interface AddonReplica {
  sectorNumber: number
  commR: Uint8Array
  cacheDir?: string | undefined
  sealedPath?: string | undefined
}

/** @internal */
export interface AddonPoStProof {
  postProof: number
  proof: Uint8Array
}

/** @internal */
export interface AddonAggregateEntry {
  sectorNumber: number
  ticket: Uint8Array
  seed: Uint8Array
  commR: Uint8Array
  commD: Uint8Array
  proof?: Uint8Array | undefined
}

/** @internal */
export interface AddonUpdateComms {
  commROld: Uint8Array
  commRNew: Uint8Array
  commDNew: Uint8Array
}

/** @internal */
export interface AddonUpdateFiles {
  sectorKeyPath: string
  sectorKeyCacheDir: string
  replicaPath: string
  replicaCacheDir: string
}

/**
 * @internal The functions of the compiled addon (`bindings/proofs/src/lib.rs`). Heavy ones return
 * promises resolved from the libuv thread pool.
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
  ')'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Where the addon is looked for: `$VENUS_PROOFS_NATIVE_PATH` alone when set, else
 * `<package>/native/proofs.linux-x64-gnu.node` (where `npm run build:native` puts it).
 *
 * @example
 * ```ts
 * addonCandidates({ VENUS_PROOFS_NATIVE_PATH: '/opt/proofs.node' }) // ['/opt/proofs.node']
 * ```
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.VENUS_PROOFS_NATIVE_PATH) return [env.VENUS_PROOFS_NATIVE_PATH]
  return [join(packageRoot, 'native', ADDON_FILE)]
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
    lastError = new VenusError('PROOFS_NATIVE_UNAVAILABLE', `native proofs addon not built: ${BUILD_HINT}`, {
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
