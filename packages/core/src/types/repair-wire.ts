/**
 * Wire shapes of the `Venus.*` repair methods, which the manager serves and `rebuild` and
 * `unseal` worker threads call: `AllocateRebuildSector`, `SubmitRebuilt`, `ReportRebuildFailed`,
 * `AllocateUnsealSector`, `SubmitUnsealed`, `AchieveUnsealSector`, and the operator's
 * `SectorSetForRebuild`, `UnsealPieceRequest`, `RepairTasks`, `RepairTaskState`. Field names follow
 * the original's `SectorRebuildInfo` and `SectorUnsealInfo` where they exist (`Sector`, `Ticket`,
 * `Pieces`, `PieceCid`, `Offset`, `Size`, `CommD`, `PrivateInfo.AccessInstance`); `CommR`,
 * `CacheOnly`, `SealedInstance` and `PayloadSize` are this cluster's additions.
 */
import type { WireDeal, WireSectorId, WireTicket } from './sealer-wire.js'

/**
 * The subdirectory of a persist store that holds unsealed piece copies, each named by its piece
 * CID: an `unseal` worker writes `<store>/piece/<pieceCid>`, the manager's piece store reads it.
 *
 * @example
 * ```ts
 * join(store, PIECE_COPY_DIR, pieceCid) // '/data/ps1/piece/baga…'
 * ```
 */
export const PIECE_COPY_DIR = 'piece'

/**
 * `Venus.AllocateRebuildSector`'s answer (null when there is nothing to rebuild).
 *
 * @example
 * ```ts
 * const info = (await rpc.call('Venus.AllocateRebuildSector', [{ AllowedMiners: null, AllowedProofTypes: null, Worker: 'w1' }])) as WireRebuildInfo | null
 * ```
 */
export interface WireRebuildInfo {
  Sector: { ID: WireSectorId; ProofType: number }
  /** The ticket the sector was sealed with. */
  Ticket: WireTicket
  /** The sector's pieces in order; null for committed capacity. */
  Pieces: WireDeal[] | null
  /** CommR on chain, as the `[32]byte` array Go writes: the rebuilt replica must have it. */
  CommR: number[]
  CommD: number[]
  /** Only the cache is rebuilt, beside the sealed file in `SealedInstance`. */
  CacheOnly: boolean
  /** The persist store with the surviving sealed file (cache-only), else ''. */
  SealedInstance: string
}

/** `Venus.AllocateUnsealSector`'s answer (null when there is nothing to unseal). */
export interface WireUnsealInfo {
  Sector: { ID: WireSectorId; ProofType: number }
  PieceCid: { '/': string }
  /** Unpadded offset of the piece in the sector (a multiple of 127). */
  Offset: number
  /** Unpadded size of the piece. */
  Size: number
  /** Bytes of payload: the unsealed copy is cut to it. */
  PayloadSize: number
  Ticket: WireTicket
  CommD: number[]
  /**
   * `AccessInstance`: the persist store holding the sealed file and the cache; for a snapped
   * sector the sector key's, or '' when it is no longer kept (the worker regenerates it).
   */
  PrivateInfo: { AccessInstance: string }
  /**
   * A snapped sector (this cluster's addition): the piece is decoded from the update replica in
   * `ReplicaInstance` and the sector key (CommR `CommROld`); `CommD` is then the update's CommD.
   * Absent or null for a sector never snapped.
   */
  Update?: { ReplicaInstance: string; CommROld: number[]; CommDNew: number[] } | null
}

/** A repair task as `Venus.RepairTasks` and `Venus.RepairTaskState` answer it. */
export interface WireRepairTask {
  /** `rebuild` or `unseal`. */
  Kind: string
  Sector: WireSectorId
  /** Piece CID of an unseal; '' for a rebuild. */
  PieceCid: string
  /** `queued`, `running`, `done` or `failed`. */
  State: string
  /** The worker that took it; '' while queued. */
  Worker: string
  /** Why it failed; '' otherwise. */
  Error: string
  /** The kind's details (rebuild: `cacheOnly`, `sealedInstance`; unseal: `offset`, `size`, `payloadSize`). */
  Detail: Record<string, unknown>
  CreatedAt: number
  UpdatedAt: number
}
