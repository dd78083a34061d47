/**
 * The empty-sector-update (SnapDeals) part of the `ProofsBackend` seam, mirroring
 * filecoin-proofs-api's `update.rs`: encode data into a committed-capacity (CC) sector's replica,
 * prove the update, verify it, and get the data (or the sector key) back.
 *
 * Vocabulary, as the library uses it:
 * - the **sector key** is the CC sector's sealed file (`sealed/<id>`) with its cache directory
 *   (`p_aux`, `t_aux`, `tree-r-last`); its CommR is `commROld`;
 * - the **replica** (or update) is the new sealed file (`update/<id>`) with its own cache directory
 *   (`update-cache/<id>`: `p_aux`, `t_aux`, `tree-r-last`, `tree-d`); its CommR is `commRNew`;
 * - `commDNew` is the CommD of the pieces snapped in (the CommD of the staged data).
 *
 * After an update, WindowPoSt and WinningPoSt prove the replica: pass the update file as
 * `sealedPath`, the update cache as `cacheDir` and `commRNew` as `commR` in a
 * `PrivateReplicaInfo`. The sector key is not needed for PoSt.
 *
 * @packageDocumentation
 */
import type { ProofsCallOptions, ProofsPieceInfo } from './backend.js'

/**
 * A numeric `RegisteredUpdateProof` id (go-state-types and filecoin-proofs-api numbering):
 * 0 = StackedDrg2KiBV1, 1 = 8MiB, 2 = 512MiB, 3 = 32GiB, 4 = 64GiB. A sector sealed with any seal
 * proof of a size is updated with the update proof of that size (`sealProofFacts(p).updateProof`).
 */
export type UpdateProofType = number

/** The commitments that tie an update proof to one sector and its new data. */
export interface UpdateCommitments {
  updateProofType: UpdateProofType
  /** CommR of the CC sector (the sector key): the sector's sealed CID on chain before the update. */
  commROld: Uint8Array
  /** CommR of the new replica: the `new_sealed_cid` of `ProveReplicaUpdates3`. */
  commRNew: Uint8Array
  /** CommD of the new data: the CommD of the pieces, zero-filled to the sector size. */
  commDNew: Uint8Array
}

/** The files of an update: the CC sector's (sector key) and the new replica's. */
export interface UpdateFiles {
  /** The CC sector's sealed file. */
  sectorKeyPath: string
  /** The CC sector's cache directory (`p_aux`, `t_aux`, `tree-r-last`). */
  sectorKeyCacheDir: string
  /** The new replica (update file). */
  replicaPath: string
  /** The new replica's cache directory (update cache). */
  replicaCacheDir: string
}

/** Input of {@link UpdateProofsBackend.encodeInto}. */
export interface EncodeIntoRequest {
  updateProofType: UpdateProofType
  /**
   * Where the new replica is written. Created (sector-sized) when missing; an existing file must
   * be exactly as long as the sector key.
   */
  newReplicaPath: string
  /** Cache directory of the new replica; created when missing. */
  newCacheDir: string
  /** The CC sector's sealed file; read only. */
  sectorKeyPath: string
  /** The CC sector's cache directory; read only. */
  sectorKeyCacheDir: string
  /**
   * The staged (unsealed, Fr32-padded) sector file holding the pieces, as `addPiece` wrote it.
   * A file shorter than the sector is first extended with zeros, which is what the pieces' CommD
   * says about the rest of the sector.
   */
  stagedPath: string
  /** The pieces in the staged file, in order; their CommD must be the staged data's CommD. */
  pieces: readonly ProofsPieceInfo[]
}

/** Output of {@link UpdateProofsBackend.encodeInto} (the library's `EmptySectorUpdateEncoded`). */
export interface EncodeIntoResult {
  /** CommR of the new replica. */
  commRNew: Uint8Array
  /** Root of the new replica's tree R-last. */
  commRLastNew: Uint8Array
  /** CommD of the staged data. */
  commDNew: Uint8Array
}

/** Input of {@link UpdateProofsBackend.generateUpdatePartitionProofs} and {@link UpdateProofsBackend.generateUpdateProof}. */
export interface UpdateProveRequest extends UpdateCommitments, UpdateFiles {}

/** Input of {@link UpdateProofsBackend.verifyUpdatePartitionProofs}. */
export interface VerifyUpdatePartitionsRequest extends UpdateCommitments {
  /** One vanilla proof per partition, in partition order. */
  vanillaProofs: readonly Uint8Array[]
}

/** Input of {@link UpdateProofsBackend.generateUpdateProofWithVanilla}. */
export interface UpdateSnarkRequest extends UpdateCommitments {
  /** One vanilla proof per partition, in partition order (from `generateUpdatePartitionProofs`). */
  vanillaProofs: readonly Uint8Array[]
}

/** Input of {@link UpdateProofsBackend.verifyUpdateProof}. */
export interface VerifyUpdateRequest extends UpdateCommitments {
  /** The update proof: 192 bytes per partition. */
  proof: Uint8Array
}

/** Input of {@link UpdateProofsBackend.decodeFrom}. */
export interface DecodeFromRequest {
  updateProofType: UpdateProofType
  /** Where the sector's data is written, in the staged (Fr32-padded) layout; created or overwritten, sector-sized. */
  outputPath: string
  replicaPath: string
  sectorKeyPath: string
  /** The sector key's cache directory (its `p_aux` gives `commROld`). */
  sectorKeyCacheDir: string
  commDNew: Uint8Array
}

/** Input of {@link UpdateProofsBackend.decodeRange}. */
export interface DecodeRangeRequest {
  updateProofType: UpdateProofType
  /** CommD of the data (`commDNew`). */
  commDNew: Uint8Array
  /** CommR of the sector key (`commROld`). */
  commROld: Uint8Array
  replicaPath: string
  sectorKeyPath: string
  /** File the raw (unpadded) bytes are written to, from its offset 0; created or truncated. */
  outputPath: string
  /** Offset into the sector's unpadded bytes; a multiple of 127. */
  unpaddedOffset: number
  /** Unpadded bytes to recover; a multiple of 127. */
  unpaddedLength: number
}

/** Input of {@link UpdateProofsBackend.removeEncodedData}. */
export interface RemoveEncodedDataRequest {
  updateProofType: UpdateProofType
  /** Where the regenerated sector key is written (created sector-sized when missing). */
  sectorKeyPath: string
  /** Where the sector key's `p_aux`, `t_aux` and `tree-r-last` are written; created when missing. */
  sectorKeyCacheDir: string
  replicaPath: string
  replicaCacheDir: string
  /** The sector's data in the staged layout (the staged file, or `decodeFrom`'s output). */
  stagedPath: string
  commDNew: Uint8Array
}

/** Registry facts about an update proof type. */
export interface UpdateProofRegistryInfo {
  updateProofType: UpdateProofType
  sectorSize: number
  /** Library API version (`'1.1.0'` for every update proof). */
  apiVersion: string
  /** SNARK partitions of one update proof (1 at 2KiB, 4 at 8MiB, 16 from 512MiB). */
  partitions: number
  /** Length of an update proof in bytes: 192 · partitions. */
  proofLength: number
  /** Circuit identifier the parameter files are named after (`empty-sector-update-…`). */
  circuitIdentifier: string
  /** Parameter and verifying key file names (in the parameter cache directory). */
  paramsFile: string
  verifyingKeyFile: string
}

/**
 * The empty-sector-update calls every `ProofsBackend` has.
 *
 * @example
 * ```ts
 * import { mockProofs, sealProofFacts } from '@venus-cluster/core'
 * const proofs = mockProofs()
 * const updateProofType = sealProofFacts(5).updateProof // 0: StackedDrg2KiBV1
 * const enc = await proofs.encodeInto({
 *   updateProofType, newReplicaPath, newCacheDir, sectorKeyPath, sectorKeyCacheDir, stagedPath, pieces,
 * })
 * const c = { updateProofType, commROld, commRNew: enc.commRNew, commDNew: enc.commDNew }
 * const files = { sectorKeyPath, sectorKeyCacheDir, replicaPath: newReplicaPath, replicaCacheDir: newCacheDir }
 * const vanillaProofs = await proofs.generateUpdatePartitionProofs({ ...c, ...files })
 * const proof = await proofs.generateUpdateProofWithVanilla({ ...c, vanillaProofs })
 * await proofs.verifyUpdateProof({ ...c, proof }) // true
 * ```
 */
export interface UpdateProofsBackend {
  /** Registry facts of an update proof type; throws `PROOF_TYPE_INVALID` for unknown ids. */
  updateProofInfo(updateProofType: UpdateProofType): Promise<UpdateProofRegistryInfo>

  /**
   * Encodes the staged data into a new replica of a CC sector (library
   * `empty_sector_update_encode_into`): builds tree D over the data and tree R-last over the new
   * replica into `newCacheDir`, writes its `p_aux`/`t_aux`, and checks the pieces against the
   * data's CommD (`PROOFS_FAILED` when they differ). The sector key is left unchanged.
   */
  encodeInto(request: EncodeIntoRequest, options?: ProofsCallOptions): Promise<EncodeIntoResult>
  /** Vanilla (Merkle) proofs of every update partition (library `generate_partition_proofs`). */
  generateUpdatePartitionProofs(
    request: UpdateProveRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array[]>
  /** Verifies vanilla partition proofs against the commitments; `false` when they do not match. */
  verifyUpdatePartitionProofs(request: VerifyUpdatePartitionsRequest): Promise<boolean>
  /** The update SNARK (192 bytes per partition) from vanilla proofs. */
  generateUpdateProofWithVanilla(
    request: UpdateSnarkRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array>
  /** Vanilla proofs and SNARK in one call (library `generate_empty_sector_update_proof`). */
  generateUpdateProof(request: UpdateProveRequest, options?: ProofsCallOptions): Promise<Uint8Array>
  /** Verifies an update proof, as the miner actor does in `ProveReplicaUpdates3`. */
  verifyUpdateProof(request: VerifyUpdateRequest): Promise<boolean>
  /**
   * Recovers the whole sector's data from the replica and the sector key (library
   * `empty_sector_update_decode_from`), in the staged (Fr32-padded) layout. A wrong `commDNew`
   * gives garbage, not an error.
   */
  decodeFrom(request: DecodeFromRequest, options?: ProofsCallOptions): Promise<void>
  /**
   * Recovers raw (unpadded) bytes of a range of the data (library
   * `empty_sector_update_decode_from_range`, then Fr32 unpadding), for unsealing one piece of a
   * snapped sector; returns the bytes written.
   */
  decodeRange(request: DecodeRangeRequest, options?: ProofsCallOptions): Promise<number>
  /**
   * The inverse of {@link encodeInto}: regenerates the sector key from the replica and the data
   * (library `empty_sector_update_remove_encoded_data`), with its `tree-r-last` and `p_aux`
   * (whose CommR is `commROld` again). The replica is left unchanged.
   */
  removeEncodedData(request: RemoveEncodedDataRequest, options?: ProofsCallOptions): Promise<void>
}
