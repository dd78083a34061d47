import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type {
  AddPieceRequest,
  AddPieceResult,
  AggregateSealRequest,
  ClearCacheRequest,
  Commit1Request,
  Commit2Request,
  ComputeCommDRequest,
  DecodeFromRequest,
  DecodeRangeRequest,
  EncodeIntoRequest,
  EncodeIntoResult,
  FallbackChallengesRequest,
  MergePartitionsRequest,
  PartitionProof,
  PieceCommitmentRequest,
  PieceSource,
  PoStProofBytes,
  PoStProofRegistryInfo,
  PreCommit1Request,
  PreCommit2Request,
  PreCommit2Result,
  PrivateReplicaInfo,
  ProofsBackend,
  ProofsBackendInfo,
  ProofsCallOptions,
  ProofsPieceInfo,
  ProofsStage,
  RemoveEncodedDataRequest,
  SealProofRegistryInfo,
  SectorChallenges,
  SinglePartitionRequest,
  SingleVanillaProofRequest,
  UnsealRangeRequest,
  UpdateProofRegistryInfo,
  UpdateProveRequest,
  UpdateSnarkRequest,
  VerifyAggregateSealRequest,
  VerifyPoStRequest,
  VerifySealRequest,
  VerifyUpdatePartitionsRequest,
  VerifyUpdateRequest,
  WindowPoStRequest,
  WindowPoStResult,
  WindowPoStWithVanillaRequest,
  WinningChallengeRequest,
  WinningPoStRequest,
  WriteAndPreprocessRequest,
} from '@venus-cluster/core'
import { type Logger, sealProofFacts, VenusError } from '@venus-cluster/core'
import { type AddonReplica, describeGpu, type ProofsAddon } from './addon.js'
import { NativeUpdateProofs } from './backend-update.js'
import { toVenusError } from './errors.js'
import {
  abortableCall,
  abortCheck,
  checkProofId,
  checkUnpaddedRange,
  circuitInfo,
  falseOnFailure,
  pieces,
  u8,
} from './native-util.js'
import { WorkQueue } from './queue.js'
import { initNativeProofs, type NativeProofsSettings } from './settings.js'

/** Options of {@link nativeProofs}. */
export interface NativeProofsOptions {
  /**
   * Library directories; applied once per process on the first call (defaults: the
   * `FIL_PROOFS_*` variables, else `~/.cache/venus-cluster/{params,parents,proofs-cache}`).
   */
  settings?: Partial<NativeProofsSettings> | undefined
  /**
   * How many heavy calls (PC1, PC2, C1, C2, PoSt, aggregation) run at once. The library already
   * uses every core for one call, so the default is 1.
   */
  concurrency?: number | undefined
  /** Gets the warning when the GPU is asked for (`settings.gpu`) but the CPU build is used. */
  logger?: Logger | undefined
}

const FILECOIN_PROOFS_API_VERSION = '19.1.0'

/**
 * The real proofs backend: filecoin-proofs-api 19.1 (CPU only) through the napi-rs addon.
 * Creating it never loads the addon; the first call does, and throws
 * `PROOFS_NATIVE_UNAVAILABLE` (saying to run `npm run build:native`) when it is not built.
 * Heavy work runs on the libuv pool, never on the JS thread.
 *
 * Proofs made with locally generated parameters (see {@link generateParameters}) verify only
 * against those local verifying keys; with the published parameter files in the parameter cache
 * they are the real thing.
 *
 * @example
 * ```ts
 * import { nativeProofs } from '@venus-cluster/proofs-native'
 * const proofs = nativeProofs()
 * const commD = await proofs.computeCommD({ proofType: 5, pieces: [] })
 * ```
 */
export function nativeProofs(options: NativeProofsOptions = {}): ProofsBackend {
  return new NativeProofsBackend(options)
}

type Heavy = 'heavy' | 'light'

class NativeProofsBackend implements ProofsBackend {
  readonly #settings: Partial<NativeProofsSettings>
  readonly #queue: WorkQueue
  readonly #logger: Logger | undefined
  readonly #update: NativeUpdateProofs
  #loaded: ProofsAddon | undefined

  constructor(options: NativeProofsOptions) {
    this.#settings = options.settings ?? {}
    this.#queue = new WorkQueue(options.concurrency ?? 1)
    this.#logger = options.logger
    this.#update = new NativeUpdateProofs((stage, call, kind, fn, opts) =>
      this.#call(stage, call, kind, fn, opts),
    )
  }

  #addon(): ProofsAddon {
    this.#loaded ??= initNativeProofs(this.#settings, this.#logger)
    return this.#loaded
  }

  async #call<T>(
    stage: ProofsStage,
    call: string,
    kind: Heavy,
    fn: (addon: ProofsAddon) => T | Promise<T>,
    options?: ProofsCallOptions,
  ): Promise<T> {
    const signal = options?.signal
    abortCheck(signal, call)
    const addon = this.#addon()
    const run = async (): Promise<T> => {
      abortCheck(signal, call)
      options?.onProgress?.({ stage, step: call, done: 0, total: 1 })
      try {
        return await fn(addon)
      } catch (err) {
        throw toVenusError(err, call)
      }
    }
    const work = kind === 'heavy' ? this.#queue.run(run) : run()
    const result = await abortableCall(work, signal, call)
    options?.onProgress?.({ stage, step: call, done: 1, total: 1 })
    return result
  }

  async info(): Promise<ProofsBackendInfo> {
    const addon = this.#addon()
    return {
      name: 'native',
      version: `filecoin-proofs-api ${FILECOIN_PROOFS_API_VERSION} (addon ${addon.nativeVersion()})`,
      realProofs: true,
      gpu: describeGpu(addon),
    }
  }

  async sealProofInfo(proofType: number): Promise<SealProofRegistryInfo> {
    checkProofId(proofType, 19, 'seal')
    return this.#call('verifySeal', 'sealProofInfo', 'light', (a) => {
      return { proofType, ...circuitInfo(a.sealProofInfo(proofType)) }
    })
  }

  async postProofInfo(postProofType: number): Promise<PoStProofRegistryInfo> {
    checkProofId(postProofType, 14, 'PoSt')
    return this.#call('verifyPoSt', 'postProofInfo', 'light', (a) => {
      const i = a.postProofInfo(postProofType)
      const winning = postProofType < 5
      return {
        postProofType,
        kind: winning ? 'winning' : 'window',
        sectorSize: i.sectorSize,
        apiVersion: i.apiVersion,
        sectorsPerPartition: i.sectorCount,
        challengesPerSector: winning ? 66 : 10,
        partitionProofLength: i.singlePartitionProofLen,
        circuitIdentifier: i.circuitIdentifier,
        paramsFile: basename(i.paramsPath),
        verifyingKeyFile: basename(i.verifyingKeyPath),
      }
    })
  }

  async windowPoStPartitions(postProofType: number, sectorCount: number): Promise<number> {
    checkProofId(postProofType, 14, 'PoSt')
    return this.#call('windowPoSt', 'windowPoStPartitions', 'light', (a) =>
      a.getNumPartitionForFallbackPost(postProofType, sectorCount),
    )
  }

  async addPiece(request: AddPieceRequest, options?: ProofsCallOptions): Promise<AddPieceResult> {
    checkProofId(request.proofType, 19, 'seal')
    return withSource(request.source, request.unpaddedSize, options?.signal, (path) =>
      this.#call(
        'addPiece',
        'addPiece',
        'light',
        async (a) => {
          await mkdir(dirname(request.stagedPath), { recursive: true })
          const r = await a.addPiece(request.proofType, path, request.stagedPath, request.unpaddedSize, [
            ...request.existingPieceSizes,
          ])
          const before = request.existingPieceSizes.reduce((s, n) => s + n, 0)
          const alignment = r.written - request.unpaddedSize
          return {
            piece: { commP: new Uint8Array(r.commP), paddedSize: r.paddedSize },
            writtenUnpadded: r.written,
            paddedOffset: ((before + alignment) / 127) * 128,
          }
        },
        options,
      ),
    )
  }

  async writeAndPreprocess(
    request: WriteAndPreprocessRequest,
    options?: ProofsCallOptions,
  ): Promise<AddPieceResult> {
    checkProofId(request.proofType, 19, 'seal')
    return withSource(request.source, request.unpaddedSize, options?.signal, (path) =>
      this.#call(
        'addPiece',
        'writeAndPreprocess',
        'light',
        async (a) => {
          await mkdir(dirname(request.targetPath), { recursive: true })
          const offset = request.paddedOffset ?? (await fileSize(request.targetPath))
          const r = await a.writeAndPreprocess(
            request.proofType,
            path,
            request.targetPath,
            request.unpaddedSize,
            offset,
          )
          return {
            piece: { commP: new Uint8Array(r.commP), paddedSize: r.paddedSize },
            writtenUnpadded: r.written,
            paddedOffset: offset,
          }
        },
        options,
      ),
    )
  }

  async generatePieceCommitment(
    request: PieceCommitmentRequest,
    options?: ProofsCallOptions,
  ): Promise<ProofsPieceInfo> {
    checkProofId(request.proofType, 19, 'seal')
    return withSource(request.source, request.unpaddedSize, options?.signal, (path) =>
      this.#call(
        'pieceCommitment',
        'generatePieceCommitment',
        'light',
        async (a) => ({
          commP: new Uint8Array(
            await a.generatePieceCommitment(request.proofType, path, request.unpaddedSize),
          ),
          paddedSize: (request.unpaddedSize / 127) * 128,
        }),
        options,
      ),
    )
  }

  async computeCommD(request: ComputeCommDRequest): Promise<Uint8Array> {
    checkProofId(request.proofType, 19, 'seal')
    return this.#call('addPiece', 'computeCommD', 'light', (a) =>
      u8(
        a.computeCommD(
          request.proofType,
          pieces(request.pieces, sealProofFacts(request.proofType).sectorSize),
        ),
      ),
    )
  }

  async sealPreCommitPhase1(request: PreCommit1Request, options?: ProofsCallOptions): Promise<Uint8Array> {
    checkProofId(request.proofType, 19, 'seal')
    return this.#call(
      'pc1',
      'sealPreCommitPhase1',
      'heavy',
      async (a) => {
        await mkdir(request.cacheDir, { recursive: true })
        await mkdir(dirname(request.sealedPath), { recursive: true })
        return u8(
          await a.sealPreCommitPhase1(
            sectorArgs(request.proofType, request),
            request.cacheDir,
            request.stagedPath,
            request.sealedPath,
            pieces(request.pieces, sealProofFacts(request.proofType).sectorSize),
          ),
        )
      },
      options,
    )
  }

  async sealPreCommitPhase2(
    request: PreCommit2Request,
    options?: ProofsCallOptions,
  ): Promise<PreCommit2Result> {
    return this.#call(
      'pc2',
      'sealPreCommitPhase2',
      'heavy',
      async (a) => {
        const r = await a.sealPreCommitPhase2(request.phase1Output, request.cacheDir, request.sealedPath)
        return { commR: u8(r.commR), commD: u8(r.commD) }
      },
      options,
    )
  }

  async sealCommitPhase1(request: Commit1Request, options?: ProofsCallOptions): Promise<Uint8Array> {
    checkProofId(request.proofType, 19, 'seal')
    return this.#call(
      'c1',
      'sealCommitPhase1',
      'heavy',
      async (a) =>
        u8(
          await a.sealCommitPhase1(
            sectorArgs(request.proofType, request),
            request.cacheDir,
            request.sealedPath,
            request.seed,
            request.commR,
            request.commD,
            pieces(request.pieces, sealProofFacts(request.proofType).sectorSize),
          ),
        ),
      options,
    )
  }

  async sealCommitPhase2(request: Commit2Request, options?: ProofsCallOptions): Promise<Uint8Array> {
    return this.#call(
      'c2',
      'sealCommitPhase2',
      'heavy',
      async (a) => u8(await a.sealCommitPhase2(request.phase1Output, request.proverId, request.sectorNumber)),
      options,
    )
  }

  async verifySeal(request: VerifySealRequest): Promise<boolean> {
    checkProofId(request.proofType, 19, 'seal')
    return falseOnFailure(
      this.#call('verifySeal', 'verifySeal', 'light', (a) =>
        a.verifySeal(
          sectorArgs(request.proofType, request),
          request.commR,
          request.commD,
          request.seed,
          request.proof,
        ),
      ),
    )
  }

  async aggregateSealProofs(request: AggregateSealRequest, options?: ProofsCallOptions): Promise<Uint8Array> {
    checkProofId(request.proofType, 19, 'seal')
    const n = request.proofs.length
    if (request.commRs.length !== n || request.seeds.length !== n || n === 0) {
      throw new VenusError(
        'PROOFS_INVALID_INPUT',
        'aggregate needs as many commRs and seeds as proofs (at least one)',
        {
          details: { proofs: n, commRs: request.commRs.length, seeds: request.seeds.length },
        },
      )
    }
    const zero = new Uint8Array(32)
    return this.#call(
      'aggregate',
      'aggregateSealProofs',
      'heavy',
      async (a) =>
        u8(
          await a.aggregateSealCommitProofs(
            request.proofType,
            request.aggregateType,
            request.proofs.map((proof, i) => ({
              // Only commR, seed and the proof enter aggregation.
              sectorNumber: 0,
              ticket: zero,
              commD: zero,
              commR: request.commRs[i] as Uint8Array,
              seed: request.seeds[i] as Uint8Array,
              proof,
            })),
          ),
        ),
      options,
    )
  }

  async verifyAggregateSealProofs(request: VerifyAggregateSealRequest): Promise<boolean> {
    checkProofId(request.proofType, 19, 'seal')
    return falseOnFailure(
      this.#call('verifyAggregate', 'verifyAggregateSealProofs', 'heavy', (a) =>
        a.verifyAggregateSealCommitProofs(
          request.proofType,
          request.aggregateType,
          request.proverId,
          request.aggregate,
          request.infos.map((i) => ({ ...i })),
        ),
      ),
    )
  }

  async unsealRange(request: UnsealRangeRequest, options?: ProofsCallOptions): Promise<number> {
    checkProofId(request.proofType, 19, 'seal')
    checkUnpaddedRange(request)
    return this.#call(
      'unseal',
      'unsealRange',
      'heavy',
      async (a) => {
        await mkdir(dirname(request.outputPath), { recursive: true })
        return a.unsealRange(
          sectorArgs(request.proofType, request),
          request.cacheDir,
          request.sealedPath,
          request.outputPath,
          request.commD,
          request.unpaddedOffset,
          request.unpaddedLength,
        )
      },
      options,
    )
  }

  async clearCache(request: ClearCacheRequest): Promise<void> {
    return this.#call('clearCache', 'clearCache', 'light', (a) => a.clearCache(request.cacheDir))
  }

  // ---- empty-sector update (backend-update.ts)

  updateProofInfo(updateProofType: number): Promise<UpdateProofRegistryInfo> {
    return this.#update.updateProofInfo(updateProofType)
  }

  encodeInto(request: EncodeIntoRequest, options?: ProofsCallOptions): Promise<EncodeIntoResult> {
    return this.#update.encodeInto(request, options)
  }

  generateUpdatePartitionProofs(
    request: UpdateProveRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array[]> {
    return this.#update.generateUpdatePartitionProofs(request, options)
  }

  verifyUpdatePartitionProofs(request: VerifyUpdatePartitionsRequest): Promise<boolean> {
    return this.#update.verifyUpdatePartitionProofs(request)
  }

  generateUpdateProofWithVanilla(
    request: UpdateSnarkRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array> {
    return this.#update.generateUpdateProofWithVanilla(request, options)
  }

  generateUpdateProof(request: UpdateProveRequest, options?: ProofsCallOptions): Promise<Uint8Array> {
    return this.#update.generateUpdateProof(request, options)
  }

  verifyUpdateProof(request: VerifyUpdateRequest): Promise<boolean> {
    return this.#update.verifyUpdateProof(request)
  }

  decodeFrom(request: DecodeFromRequest, options?: ProofsCallOptions): Promise<void> {
    return this.#update.decodeFrom(request, options)
  }

  decodeRange(request: DecodeRangeRequest, options?: ProofsCallOptions): Promise<number> {
    return this.#update.decodeRange(request, options)
  }

  removeEncodedData(request: RemoveEncodedDataRequest, options?: ProofsCallOptions): Promise<void> {
    return this.#update.removeEncodedData(request, options)
  }

  async generateWindowPoSt(
    request: WindowPoStRequest,
    options?: ProofsCallOptions,
  ): Promise<WindowPoStResult> {
    const postProof = firstPostType(request.replicas)
    const faultySectors = request.replicas.filter((r) => !replicaFilesPresent(r)).map((r) => r.sectorNumber)
    if (faultySectors.length > 0) return { proofs: [], faultySectors }
    return this.#call(
      'windowPoSt',
      'generateWindowPoSt',
      'heavy',
      async (a) => {
        const out = await a.generateWindowPost(
          postProof,
          request.randomness,
          request.proverId,
          replicas(request.replicas),
        )
        return {
          proofs: out.map((p) => ({ postProof: p.postProof, proofBytes: u8(p.proof) })),
          faultySectors: [],
        }
      },
      options,
    )
  }

  async generateFallbackSectorChallenges(request: FallbackChallengesRequest): Promise<SectorChallenges[]> {
    checkProofId(request.postProofType, 14, 'PoSt')
    return this.#call('windowPoSt', 'generateFallbackSectorChallenges', 'light', (a) =>
      a.generateFallbackSectorChallenges(
        request.postProofType,
        request.randomness,
        [...request.sectorNumbers],
        request.proverId,
      ),
    )
  }

  async generateSingleVanillaProof(
    request: SingleVanillaProofRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array> {
    const r = request.replica
    checkProofId(r.postProofType, 14, 'PoSt')
    return this.#call(
      'windowPoSt',
      'generateSingleVanillaProof',
      'light',
      async (a) =>
        u8(await a.generateSingleVanillaProof(r.postProofType, replica(r), [...request.challenges])),
      options,
    )
  }

  async generateSingleWindowPoStWithVanilla(
    request: SinglePartitionRequest,
    options?: ProofsCallOptions,
  ): Promise<PartitionProof> {
    checkProofId(request.postProofType, 14, 'PoSt')
    return this.#call(
      'windowPoSt',
      'generateSingleWindowPoStWithVanilla',
      'heavy',
      async (a) => ({
        partitionIndex: request.partitionIndex,
        proof: {
          postProof: request.postProofType,
          proofBytes: u8(
            await a.generateSingleWindowPostWithVanilla(
              request.postProofType,
              request.randomness,
              request.proverId,
              [...request.vanillaProofs],
              request.partitionIndex,
            ),
          ),
        },
      }),
      options,
    )
  }

  async generateWindowPoStWithVanilla(
    request: WindowPoStWithVanillaRequest,
    options?: ProofsCallOptions,
  ): Promise<PoStProofBytes[]> {
    checkProofId(request.postProofType, 14, 'PoSt')
    if (request.vanillaProofs.length === 0)
      throw new VenusError(
        'PROOFS_INVALID_INPUT',
        'generateWindowPoStWithVanilla needs at least one vanilla proof',
      )
    return this.#call(
      'windowPoSt',
      'generateWindowPoStWithVanilla',
      'heavy',
      async (a) =>
        (
          await a.generateWindowPostWithVanilla(request.postProofType, request.randomness, request.proverId, [
            ...request.vanillaProofs,
          ])
        ).map((p) => ({ postProof: p.postProof, proofBytes: u8(p.proof) })),
      options,
    )
  }

  async mergeWindowPoStPartitionProofs(request: MergePartitionsRequest): Promise<PoStProofBytes> {
    checkProofId(request.postProofType, 14, 'PoSt')
    const sorted = [...request.partitionProofs].sort((x, y) => x.partitionIndex - y.partitionIndex)
    return this.#call('windowPoSt', 'mergeWindowPoStPartitionProofs', 'light', (a) => ({
      postProof: request.postProofType,
      proofBytes: u8(
        a.mergeWindowPostPartitionProofs(
          request.postProofType,
          sorted.map((p) => p.proof.proofBytes),
        ),
      ),
    }))
  }

  async verifyWindowPoSt(request: VerifyPoStRequest): Promise<boolean> {
    if (request.proofs.length === 0) {
      throw new VenusError('PROOFS_INVALID_INPUT', 'verifyWindowPoSt needs at least one proof')
    }
    return falseOnFailure(
      this.#call('verifyPoSt', 'verifyWindowPoSt', 'light', (a) =>
        a.verifyWindowPost(
          request.randomness,
          request.proverId,
          request.proofs.map((p) => ({ postProof: p.postProof, proof: p.proofBytes })),
          request.replicas.map((r) => ({ sectorNumber: r.sectorNumber, commR: r.commR })),
        ),
      ),
    )
  }

  async generateWinningPoStSectorChallenge(request: WinningChallengeRequest): Promise<number[]> {
    checkProofId(request.postProofType, 14, 'PoSt')
    return this.#call('winningPoSt', 'generateWinningPoStSectorChallenge', 'light', (a) =>
      a.generateWinningPostSectorChallenge(
        request.postProofType,
        request.randomness,
        request.sectorSetLength,
        request.proverId,
      ),
    )
  }

  async generateWinningPoSt(
    request: WinningPoStRequest,
    options?: ProofsCallOptions,
  ): Promise<PoStProofBytes[]> {
    const postProof = firstPostType(request.replicas)
    return this.#call(
      'winningPoSt',
      'generateWinningPoSt',
      'heavy',
      async (a) =>
        (
          await a.generateWinningPost(
            postProof,
            request.randomness,
            request.proverId,
            replicas(request.replicas),
          )
        ).map((p) => ({ postProof: p.postProof, proofBytes: u8(p.proof) })),
      options,
    )
  }

  async verifyWinningPoSt(request: VerifyPoStRequest): Promise<boolean> {
    const first = request.proofs[0]
    if (first === undefined) {
      throw new VenusError('PROOFS_INVALID_INPUT', 'verifyWinningPoSt needs one proof')
    }
    return falseOnFailure(
      this.#call('verifyPoSt', 'verifyWinningPoSt', 'light', (a) =>
        a.verifyWinningPost(
          first.postProof,
          request.randomness,
          request.proverId,
          first.proofBytes,
          request.replicas.map((r) => ({ sectorNumber: r.sectorNumber, commR: r.commR })),
        ),
      ),
    )
  }
}

function sectorArgs(
  proof: number,
  r: { proverId: Uint8Array; sectorNumber: number; ticket: Uint8Array },
): { proof: number; proverId: Uint8Array; sectorNumber: number; ticket: Uint8Array } {
  return { proof, proverId: r.proverId, sectorNumber: r.sectorNumber, ticket: r.ticket }
}

function replica(r: PrivateReplicaInfo): AddonReplica {
  return { sectorNumber: r.sectorNumber, commR: r.commR, cacheDir: r.cacheDir, sealedPath: r.sealedPath }
}

function replicas(list: readonly PrivateReplicaInfo[]): AddonReplica[] {
  return list.map(replica)
}

function firstPostType(list: readonly PrivateReplicaInfo[]): number {
  const first = list[0]
  if (first === undefined) throw new VenusError('PROOFS_INVALID_INPUT', 'no replicas given')
  checkProofId(first.postProofType, 14, 'PoSt')
  if (list.some((r) => r.postProofType !== first.postProofType)) {
    throw new VenusError('PROOFS_INVALID_INPUT', 'all replicas must share one PoSt proof type')
  }
  return first.postProofType
}

/** The files PoSt reads; a replica without them is reported faulty instead of failing the proof. */
function replicaFilesPresent(r: PrivateReplicaInfo): boolean {
  return (
    existsSync(r.sealedPath) && existsSync(join(r.cacheDir, 'p_aux')) && existsSync(join(r.cacheDir, 't_aux'))
  )
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}

/** Gives the addon a file path for any piece source (bytes and streams go through a temp file). */
async function withSource<T>(
  source: PieceSource,
  unpaddedSize: number,
  signal: AbortSignal | undefined,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const units = unpaddedSize / 127
  if (
    !Number.isSafeInteger(unpaddedSize) ||
    !Number.isInteger(units) ||
    units < 1 ||
    (units & (units - 1)) !== 0
  ) {
    throw new VenusError(
      'PROOFS_INVALID_INPUT',
      'unpaddedSize must be 127 * 2^k bytes (e.g. 127, 254, 2032)',
      {
        details: { unpaddedSize },
      },
    )
  }
  if (typeof source === 'object' && source !== null && 'path' in source && typeof source.path === 'string') {
    return fn(source.path)
  }
  const dir = await mkdtemp(join(tmpdir(), 'venus-piece-'))
  const path = join(dir, 'piece')
  try {
    const fh = await open(path, 'w')
    try {
      let written = 0
      const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
        source instanceof Uint8Array ? [source] : (source as AsyncIterable<Uint8Array>)
      for await (const chunk of chunks) {
        abortCheck(signal, 'piece source')
        const take = chunk.subarray(0, Math.max(0, unpaddedSize - written))
        if (take.length > 0) await fh.write(take)
        written += take.length
        if (written >= unpaddedSize) break
      }
    } finally {
      await fh.close()
    }
    return await fn(path)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
