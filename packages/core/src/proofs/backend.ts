/**
 * The `ProofsBackend` seam: one typed, async interface that mirrors filecoin-proofs-api
 * (`seal.rs`, `post.rs`, `registry.rs`). The mock (`mockProofs()`) and the native napi binding
 * both implement it; the sealer, poster and devnet only ever talk to this interface.
 *
 * Conventions shared by every method:
 * - commitments, tickets, seeds, randomness and prover ids are 32-byte `Uint8Array`s in the
 *   library's own byte order (little-endian field encodings for commitments);
 * - sector numbers, sector sizes and piece sizes are `number`s;
 * - proof types are the numeric on-chain ids of `RegisteredSealProof`, `RegisteredPoStProof`,
 *   `RegisteredAggregationProof` and `RegisteredUpdateProof` (see `core/types`);
 * - failures are `VenusError`s: `PROOFS_INVALID_INPUT` for malformed inputs, `PROOFS_FAILED` when
 *   the computation itself fails, `PROOFS_PARAMS_MISSING`, `PROOFS_PANIC`, `ABORTED`;
 * - verifiers answer `false` for a proof that does not verify and throw only on malformed input.
 *
 * @packageDocumentation
 */
import type { UpdateProofsBackend } from './backend-update.js'

/** A numeric `RegisteredSealProof` id (go-state-types numbering), e.g. 5 = StackedDrg2KiBV1_1. */
export type SealProofType = number
/** A numeric `RegisteredPoStProof` id (go-state-types numbering), e.g. 0 = winning 2KiB, 10 = window 2KiB V1_1. */
export type PoStProofType = number
/** A numeric `RegisteredAggregationProof` id: 0 = SnarkPackV1, 1 = SnarkPackV2. */
export type AggregationProofType = number

/** The stages a backend reports progress and delays for. */
export type ProofsStage =
  | 'addPiece'
  | 'pieceCommitment'
  | 'pc1'
  | 'pc2'
  | 'c1'
  | 'c2'
  | 'verifySeal'
  | 'unseal'
  | 'aggregate'
  | 'verifyAggregate'
  | 'windowPoSt'
  | 'winningPoSt'
  | 'verifyPoSt'
  | 'clearCache'
  | 'snapEncode'
  | 'snapVanilla'
  | 'snapProve'
  | 'verifySnap'
  | 'snapDecode'
  | 'snapRemoveData'

/** A progress report from a long call; `done`/`total` count the steps of that stage. */
export interface ProofsProgressEvent {
  stage: ProofsStage
  /** What the backend is doing, e.g. `'labels layer 1'`, `'tree-r-last'`, `'partition 3'`. */
  step: string
  done: number
  total: number
}

/** Options every long call accepts. */
export interface ProofsCallOptions {
  /** Aborts the call between steps; the promise then rejects with `ABORTED`. */
  signal?: AbortSignal | undefined
  /** Receives typed progress events; must not throw. */
  onProgress?: ((event: ProofsProgressEvent) => void) | undefined
}

/** A piece as the proofs library knows it: its CommP and its padded (power-of-two) size. */
export interface ProofsPieceInfo {
  /** 32-byte CommP digest. */
  commP: Uint8Array
  /** Padded size in bytes: a power of two, at least 128. */
  paddedSize: number
}

/** Where piece bytes come from: bytes in memory, a stream of chunks, or a file path. */
export type PieceSource = Uint8Array | AsyncIterable<Uint8Array> | { path: string }

/** Input of {@link ProofsBackend.addPiece}. */
export interface AddPieceRequest {
  proofType: SealProofType
  /** The raw (unpadded) piece bytes. Shorter sources are zero-filled up to `unpaddedSize`. */
  source: PieceSource
  /** Unpadded piece size: 127 · 2^k bytes, e.g. 2032 for a 2KiB piece. */
  unpaddedSize: number
  /** The staged (unsealed) sector file; created when missing. */
  stagedPath: string
  /** Unpadded sizes of the pieces already in the staged file, in order. */
  existingPieceSizes: readonly number[]
}

/** Output of {@link ProofsBackend.addPiece}. */
export interface AddPieceResult {
  piece: ProofsPieceInfo
  /** Unpadded bytes written, alignment zeros included (as the library's `written` value). */
  writtenUnpadded: number
  /** Byte offset (padded) in the staged file at which the piece itself starts. */
  paddedOffset: number
}

/** Input of {@link ProofsBackend.writeAndPreprocess}. */
export interface WriteAndPreprocessRequest {
  proofType: SealProofType
  source: PieceSource
  unpaddedSize: number
  /** Target file; created when missing. */
  targetPath: string
  /** Padded byte offset to write at; defaults to the current end of the file. No alignment is added. */
  paddedOffset?: number | undefined
}

/** Input of {@link ProofsBackend.generatePieceCommitment}. */
export interface PieceCommitmentRequest {
  proofType: SealProofType
  source: PieceSource
  unpaddedSize: number
}

/** Input of {@link ProofsBackend.computeCommD}. */
export interface ComputeCommDRequest {
  proofType: SealProofType
  /** Pieces in sector order; an empty list means a CC (all-zero) sector. */
  pieces: readonly ProofsPieceInfo[]
}

/**
 * Opaque phase outputs. The native backend returns the library's serde JSON as UTF-8 bytes
 * (as filecoin-ffi does); callers store and pass them back unchanged.
 */
export type PreCommit1Output = Uint8Array
/** Opaque output of C1 (`SealCommitPhase1Output`), passed unchanged to C2. */
export type Commit1Output = Uint8Array

/** Input of {@link ProofsBackend.sealPreCommitPhase1}. */
export interface PreCommit1Request {
  proofType: SealProofType
  /** Cache directory of the sector; created when missing. */
  cacheDir: string
  /** Staged (unsealed) file holding the Fr32-padded pieces. */
  stagedPath: string
  /** Where the replica will be written (the staged data is copied there and padded to the sector size). */
  sealedPath: string
  proverId: Uint8Array
  sectorNumber: number
  ticket: Uint8Array
  pieces: readonly ProofsPieceInfo[]
}

/** Input of {@link ProofsBackend.sealPreCommitPhase2}. */
export interface PreCommit2Request {
  phase1Output: PreCommit1Output
  cacheDir: string
  sealedPath: string
}

/** Output of {@link ProofsBackend.sealPreCommitPhase2}. */
export interface PreCommit2Result {
  commR: Uint8Array
  commD: Uint8Array
}

/** Input of {@link ProofsBackend.sealCommitPhase1}. */
export interface Commit1Request {
  proofType: SealProofType
  cacheDir: string
  sealedPath: string
  proverId: Uint8Array
  sectorNumber: number
  ticket: Uint8Array
  seed: Uint8Array
  commR: Uint8Array
  commD: Uint8Array
  pieces: readonly ProofsPieceInfo[]
}

/** Input of {@link ProofsBackend.sealCommitPhase2}. */
export interface Commit2Request {
  phase1Output: Commit1Output
  proverId: Uint8Array
  sectorNumber: number
}

/** Public inputs of one sealed sector, as verifiers need them. */
export interface SealVerifyInfo {
  sectorNumber: number
  commR: Uint8Array
  commD: Uint8Array
  ticket: Uint8Array
  seed: Uint8Array
}

/** Input of {@link ProofsBackend.verifySeal}. */
export interface VerifySealRequest extends SealVerifyInfo {
  proofType: SealProofType
  proverId: Uint8Array
  proof: Uint8Array
}

/** Input of {@link ProofsBackend.unsealRange}. */
export interface UnsealRangeRequest {
  proofType: SealProofType
  cacheDir: string
  sealedPath: string
  /** File the raw (unpadded) bytes are written to, from its offset 0; created or truncated. */
  outputPath: string
  proverId: Uint8Array
  sectorNumber: number
  ticket: Uint8Array
  commD: Uint8Array
  /** Offset into the sector's unpadded bytes; a multiple of 127. */
  unpaddedOffset: number
  /** Unpadded bytes to recover; a multiple of 127. */
  unpaddedLength: number
}

/** Input of {@link ProofsBackend.aggregateSealProofs}. */
export interface AggregateSealRequest {
  proofType: SealProofType
  aggregateType: AggregationProofType
  /** CommR of each sector, in the same order as `proofs`. */
  commRs: readonly Uint8Array[]
  /** Interactive seed of each sector, in the same order as `proofs`. */
  seeds: readonly Uint8Array[]
  /** C2 proofs; order matters and must match the order given to the verifier. */
  proofs: readonly Uint8Array[]
}

/** Input of {@link ProofsBackend.verifyAggregateSealProofs}. */
export interface VerifyAggregateSealRequest {
  proofType: SealProofType
  aggregateType: AggregationProofType
  proverId: Uint8Array
  aggregate: Uint8Array
  /** One entry per aggregated proof, in aggregation order. */
  infos: readonly SealVerifyInfo[]
}

/**
 * A replica as the prover sees it: files on disk plus its CommR. For a sector updated with
 * data (SnapDeals), this is the new replica: the update file, the update cache and `commRNew`.
 */
export interface PrivateReplicaInfo {
  postProofType: PoStProofType
  sectorNumber: number
  /** CommR of the replica proven (`commRNew` after an update). */
  commR: Uint8Array
  /** Cache directory holding `p_aux`, `t_aux` and the `tree-r-last` files (the update cache after an update). */
  cacheDir: string
  /** The replica file (the update file after an update). */
  sealedPath: string
}

/** A replica as the verifier sees it. */
export interface PublicReplicaInfo {
  sectorNumber: number
  commR: Uint8Array
}

/** One PoSt proof as it goes on chain (`PoStProof { PoStProof, ProofBytes }`). */
export interface PoStProofBytes {
  postProof: PoStProofType
  proofBytes: Uint8Array
}

/** Challenged leaf indexes of one sector (fallback PoSt). */
export interface SectorChallenges {
  sectorNumber: number
  challenges: number[]
}

/** Input of {@link ProofsBackend.generateWindowPoSt}. */
export interface WindowPoStRequest {
  /** 32 bytes; must be a canonical field element (callers clear the top two bits: `r[31] &= 0x3f`). */
  randomness: Uint8Array
  proverId: Uint8Array
  replicas: readonly PrivateReplicaInfo[]
}

/** Output of {@link ProofsBackend.generateWindowPoSt}. */
export interface WindowPoStResult {
  /** One entry holding all partition proofs concatenated; empty when sectors are faulty. */
  proofs: PoStProofBytes[]
  /** Sectors whose files are missing or inconsistent; when non-empty no proof was made. */
  faultySectors: number[]
}

/** Input of {@link ProofsBackend.generateFallbackSectorChallenges}. */
export interface FallbackChallengesRequest {
  postProofType: PoStProofType
  randomness: Uint8Array
  proverId: Uint8Array
  sectorNumbers: readonly number[]
}

/** Input of {@link ProofsBackend.generateSingleVanillaProof}. */
export interface SingleVanillaProofRequest {
  replica: PrivateReplicaInfo
  /** The leaf challenges of this sector from {@link ProofsBackend.generateFallbackSectorChallenges}. */
  challenges: readonly number[]
}

/** Input of {@link ProofsBackend.generateSingleWindowPoStWithVanilla}. */
export interface SinglePartitionRequest {
  postProofType: PoStProofType
  randomness: Uint8Array
  proverId: Uint8Array
  /** Vanilla proofs of the sectors of this partition, in ascending sector order. */
  vanillaProofs: readonly Uint8Array[]
  partitionIndex: number
}

/** Input of {@link ProofsBackend.generateWindowPoStWithVanilla}. */
export interface WindowPoStWithVanillaRequest {
  postProofType: PoStProofType
  /** 32 bytes; a canonical field element, as for {@link WindowPoStRequest}. */
  randomness: Uint8Array
  proverId: Uint8Array
  /**
   * Vanilla proofs ({@link ProofsBackend.generateSingleVanillaProof}) of every proven sector, in
   * ascending sector order: the library splits them into partitions of `sectorsPerPartition`.
   */
  vanillaProofs: readonly Uint8Array[]
}

/** One partition's SNARK proof (192 bytes). */
export interface PartitionProof {
  partitionIndex: number
  proof: PoStProofBytes
}

/** Input of {@link ProofsBackend.mergeWindowPoStPartitionProofs}. */
export interface MergePartitionsRequest {
  postProofType: PoStProofType
  /** Partition proofs in partition order. */
  partitionProofs: readonly PartitionProof[]
}

/** Input of {@link ProofsBackend.verifyWindowPoSt} and {@link ProofsBackend.verifyWinningPoSt}. */
export interface VerifyPoStRequest {
  randomness: Uint8Array
  proverId: Uint8Array
  proofs: readonly PoStProofBytes[]
  /** The challenged sectors (all of a deadline's partitions for WindowPoSt). */
  replicas: readonly PublicReplicaInfo[]
}

/** Input of {@link ProofsBackend.generateWinningPoStSectorChallenge}. */
export interface WinningChallengeRequest {
  postProofType: PoStProofType
  randomness: Uint8Array
  proverId: Uint8Array
  /** Number of sectors eligible for the draw. */
  sectorSetLength: number
}

/** Input of {@link ProofsBackend.generateWinningPoSt}. */
export interface WinningPoStRequest {
  randomness: Uint8Array
  proverId: Uint8Array
  /** The challenged replicas (selected with {@link ProofsBackend.generateWinningPoStSectorChallenge}). */
  replicas: readonly PrivateReplicaInfo[]
}

/** Input of {@link ProofsBackend.clearCache}. */
export interface ClearCacheRequest {
  sectorSize: number
  cacheDir: string
}

/** Registry facts about a seal proof type (`registry.rs`). */
export interface SealProofRegistryInfo {
  proofType: SealProofType
  sectorSize: number
  /** Library API version, e.g. `'1.1.0'`. */
  apiVersion: string
  /** SNARK partitions of one C2 proof (1 for ≤1GiB, 10 for 32/64GiB; NI-PoRep 13/126). */
  partitions: number
  /** Length of a C2 proof in bytes: 192 · partitions. */
  proofLength: number
  /** Circuit identifier the parameter files are named after. */
  circuitIdentifier: string
  /** Parameter and verifying key file names (in the parameter cache directory). */
  paramsFile: string
  verifyingKeyFile: string
}

/** Registry facts about a PoSt proof type. */
export interface PoStProofRegistryInfo {
  postProofType: PoStProofType
  kind: 'winning' | 'window'
  sectorSize: number
  apiVersion: string
  /** Sectors per SNARK partition (WindowPoSt: 2 for ≤1GiB, 2349 for 32GiB, 2300 for 64GiB; winning: 1). */
  sectorsPerPartition: number
  /** Challenges per sector (10 window, 66 winning). */
  challengesPerSector: number
  /** Length of one partition proof in bytes (192). */
  partitionProofLength: number
  circuitIdentifier: string
  paramsFile: string
  verifyingKeyFile: string
}

/** Which backend this is. */
export interface ProofsBackendInfo {
  /** `'mock'`, `'native'`, … */
  name: string
  /** Version of the backend (for native: the filecoin-proofs-api crate version). */
  version: string
  /** Whether proofs are real SNARKs that chain verifiers would accept. */
  realProofs: boolean
  /**
   * Whether proofs run on a GPU, in one line for logs: `cuda: 1 GPU (…)`, `none: CPU build`,
   * `none: CPU fallback (…)`. Absent where the question does not arise (the mock).
   */
  gpu?: string | undefined
}

/**
 * The proofs library seam. Every method is async; long ones take {@link ProofsCallOptions}.
 * The empty-sector-update (SnapDeals) calls are described in {@link UpdateProofsBackend}.
 *
 * @example
 * ```ts
 * import { mockProofs } from '@venus-cluster/core'
 * const proofs = mockProofs()
 * const pc1 = await proofs.sealPreCommitPhase1(
 *   { proofType: 5, cacheDir, stagedPath, sealedPath, proverId, sectorNumber: 1, ticket, pieces: [] },
 *   { signal },
 * )
 * const { commR, commD } = await proofs.sealPreCommitPhase2({ phase1Output: pc1, cacheDir, sealedPath })
 * ```
 */
export interface ProofsBackend extends UpdateProofsBackend {
  /** Name and version of the backend. */
  info(): Promise<ProofsBackendInfo>

  // ---- registry ----
  /** Registry facts of a seal proof type; throws `PROOF_TYPE_INVALID` for unknown ids. */
  sealProofInfo(proofType: SealProofType): Promise<SealProofRegistryInfo>
  /** Registry facts of a PoSt proof type; throws `PROOF_TYPE_INVALID` for unknown ids. */
  postProofInfo(postProofType: PoStProofType): Promise<PoStProofRegistryInfo>
  /** Number of WindowPoSt partitions needed for `sectorCount` sectors (`get_num_partition_for_fallback_post`). */
  windowPoStPartitions(postProofType: PoStProofType, sectorCount: number): Promise<number>

  // ---- pieces ----
  /**
   * Fr32-pads a piece into the staged sector file after `existingPieceSizes`, first writing the
   * zero padding that aligns it to its own size (library `add_piece`).
   */
  addPiece(request: AddPieceRequest, options?: ProofsCallOptions): Promise<AddPieceResult>
  /** Fr32-pads a piece into a file at an offset without alignment (library `write_and_preprocess`). */
  writeAndPreprocess(request: WriteAndPreprocessRequest, options?: ProofsCallOptions): Promise<AddPieceResult>
  /** CommP of a piece (library `generate_piece_commitment`). */
  generatePieceCommitment(
    request: PieceCommitmentRequest,
    options?: ProofsCallOptions,
  ): Promise<ProofsPieceInfo>
  /** CommD of a sector made of `pieces`, zero-padded to the sector size (library `compute_comm_d`). */
  computeCommD(request: ComputeCommDRequest): Promise<Uint8Array>

  // ---- sealing ----
  /** PC1 (SDR labelling): writes tree D and the layers into `cacheDir`; returns the opaque phase-1 output. */
  sealPreCommitPhase1(request: PreCommit1Request, options?: ProofsCallOptions): Promise<PreCommit1Output>
  /** PC2: builds tree C and tree R-last, encodes the replica, writes `p_aux`/`t_aux`; returns CommR and CommD. */
  sealPreCommitPhase2(request: PreCommit2Request, options?: ProofsCallOptions): Promise<PreCommit2Result>
  /** C1: vanilla proofs for the interactive challenges derived from `seed`; returns the opaque phase-1 output. */
  sealCommitPhase1(request: Commit1Request, options?: ProofsCallOptions): Promise<Commit1Output>
  /** C2: the Groth16 proof (192 bytes per partition). */
  sealCommitPhase2(request: Commit2Request, options?: ProofsCallOptions): Promise<Uint8Array>
  /** Verifies one seal proof; `false` when any public input or the proof does not match. */
  verifySeal(request: VerifySealRequest): Promise<boolean>
  /** SnarkPack aggregation of several C2 proofs; order matters. */
  aggregateSealProofs(request: AggregateSealRequest, options?: ProofsCallOptions): Promise<Uint8Array>
  /** Verifies an aggregate against the public inputs in aggregation order. */
  verifyAggregateSealProofs(request: VerifyAggregateSealRequest): Promise<boolean>
  /**
   * Recovers raw piece bytes from a sealed replica (library `unseal_range`, which re-derives the
   * SDR labels of the whole sector on each call); returns the unpadded bytes written. Optional:
   * a backend that cannot unseal leaves it out (the mock has it).
   */
  unsealRange?(request: UnsealRangeRequest, options?: ProofsCallOptions): Promise<number>
  /**
   * Removes what PoSt does not need from a cache dir (tree D, tree C, layer labels); keeps
   * `p_aux`, `t_aux` and the `tree-r-last` files.
   */
  clearCache(request: ClearCacheRequest): Promise<void>

  // ---- WindowPoSt ----
  /** Whole WindowPoSt over all given replicas (sorted by sector number, split into partitions). */
  generateWindowPoSt(request: WindowPoStRequest, options?: ProofsCallOptions): Promise<WindowPoStResult>
  /** Challenged leaves per sector (`generate_fallback_sector_challenges`). */
  generateFallbackSectorChallenges(request: FallbackChallengesRequest): Promise<SectorChallenges[]>
  /** Vanilla (Merkle inclusion) proof of one sector for its challenges. */
  generateSingleVanillaProof(
    request: SingleVanillaProofRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array>
  /** SNARK of one WindowPoSt partition from its sectors' vanilla proofs. */
  generateSingleWindowPoStWithVanilla(
    request: SinglePartitionRequest,
    options?: ProofsCallOptions,
  ): Promise<PartitionProof>
  /**
   * The whole WindowPoSt SNARK from the vanilla proofs of its sectors (library
   * `generate_window_post_with_vanilla`): what a PoSt worker computes when the vanilla proofs were
   * made where the sector files are. The result is what {@link generateWindowPoSt} gives for the
   * same sectors.
   */
  generateWindowPoStWithVanilla(
    request: WindowPoStWithVanillaRequest,
    options?: ProofsCallOptions,
  ): Promise<PoStProofBytes[]>
  /** Concatenates partition proofs into the proof that goes on chain. */
  mergeWindowPoStPartitionProofs(request: MergePartitionsRequest): Promise<PoStProofBytes>
  /** Verifies a WindowPoSt over the challenged sectors. */
  verifyWindowPoSt(request: VerifyPoStRequest): Promise<boolean>

  // ---- WinningPoSt ----
  /** Indexes (into the eligible sector set) challenged for WinningPoSt. */
  generateWinningPoStSectorChallenge(request: WinningChallengeRequest): Promise<number[]>
  /** WinningPoSt proof over the challenged replicas. */
  generateWinningPoSt(request: WinningPoStRequest, options?: ProofsCallOptions): Promise<PoStProofBytes[]>
  /** Verifies a WinningPoSt proof. */
  verifyWinningPoSt(request: VerifyPoStRequest): Promise<boolean>
}
