/**
 * JSON shapes of the lotus-miner API (`/rpc/v0`, `Filecoin.*`) and of lotus-miner's storage
 * files, as Lotus writes them: the sector status of `SectorsStatus`, the storage index of
 * `StorageList`/`StorageInfo`/`StorageLocal`, `sectorstore.json` and `storage.json`. The `Lotus`
 * prefix marks them as wire shapes.
 */
import type { AddressString, Base64, BigIntString, CidJson, LotusDealProposal } from '../chain/types.js'

export type { LotusDealProposal }

/** `SectorsStatus`' `Ticket` / `Seed`: base64 randomness and its epoch. */
export interface LotusSealRandomness {
  Value: Base64 | null
  Epoch: number
}

/** Direct data onboarding: the piece's activation manifest. */
export interface LotusPieceActivationManifest {
  CID: CidJson
  Size: number
  VerifiedAllocationKey: { Client: number; ID: number } | null
  Notify: { Address: AddressString; Payload: Base64 }[] | null
}

/** `PieceDealInfo`: a builtin-market deal (`PublishCid` set) or a DDO piece (manifest set). */
export interface LotusPieceDealInfo {
  PublishCid: CidJson | null
  DealID: number
  DealProposal: LotusDealProposal | null
  DealSchedule: { StartEpoch: number; EndEpoch: number }
  PieceActivationManifest: LotusPieceActivationManifest | null
  KeepUnsealed: boolean
}

/** One piece of a sector; `DealInfo` null for a filler piece. */
export interface LotusSectorPiece {
  Piece: { Size: number; PieceCID: CidJson }
  DealInfo: LotusPieceDealInfo | null
}

/** One entry of a sector's event log. */
export interface LotusSectorLog {
  Kind: string
  Timestamp: number
  Trace: string
  Message: string
}

/**
 * `Filecoin.SectorsStatus(number, showOnChainInfo)`: the sector as the miner's sealing pipeline
 * keeps it. The fields from `SealProof` on are filled only when `showOnChainInfo` is true.
 */
export interface LotusMinerSectorInfo {
  SectorID: number
  /** A state name of lotus's sealing pipeline (`Proving`, `WaitSeed`, …). */
  State: string
  CommD: CidJson | null
  CommR: CidJson | null
  Proof: Base64 | null
  Deals: number[] | null
  Pieces: LotusSectorPiece[] | null
  Ticket: LotusSealRandomness
  Seed: LotusSealRandomness
  PreCommitMsg: CidJson | null
  CommitMsg: CidJson | null
  Retries: number
  ToUpgrade: boolean
  ReplicaUpdateMessage: CidJson | null
  LastErr: string
  Log: LotusSectorLog[] | null
  SealProof: number
  Activation: number
  Expiration: number
  DealWeight: BigIntString
  VerifiedDealWeight: BigIntString
  InitialPledge: BigIntString
  OnTime: number
  Early: number
}

/** A sector file in the storage index: which sector, which file kinds (a {@link SectorFileType} mask). */
export interface LotusStorageDecl {
  Miner: number
  Number: number
  SectorFileType: number
}

/** `Filecoin.StorageInfo(id)`: a storage path as the index knows it. */
export interface LotusStorageInfo {
  ID: string
  URLs: string[] | null
  Weight: number
  MaxStorage: number
  CanSeal: boolean
  CanStore: boolean
  Groups: string[] | null
  AllowTo: string[] | null
  AllowTypes: string[] | null
  DenyTypes: string[] | null
  AllowMiners: string[] | null
  DenyMiners: string[] | null
}

/** `<path>/sectorstore.json`: a lotus storage path's own description (`LocalStorageMeta`). */
export interface LotusLocalStorageMeta {
  ID: string
  /** 0 = read-only. */
  Weight: number
  CanSeal: boolean
  CanStore: boolean
  MaxStorage?: number
  Groups?: string[] | null
  AllowTo?: string[] | null
  AllowTypes?: string[] | null
  DenyTypes?: string[] | null
  AllowMiners?: string[] | null
  DenyMiners?: string[] | null
}

/** `<repo>/storage.json`: the storage paths of a lotus-miner (or lotus-worker) repo. */
export interface LotusStorageConfig {
  StoragePaths: { Path: string }[] | null
}

/** The file kinds of the storage index, as bits of `SectorFileType`. */
export const SectorFileType = Object.freeze({
  Unsealed: 1,
  Sealed: 2,
  Cache: 4,
  Update: 8,
  UpdateCache: 16,
  Piece: 32,
} as const)

/** The sub-directory of a storage path holding each file kind. */
export const SECTOR_FILE_DIRS = Object.freeze({
  Unsealed: 'unsealed',
  Sealed: 'sealed',
  Cache: 'cache',
  Update: 'update',
  UpdateCache: 'update-cache',
  Piece: 'piece',
} as const)

/** The name of the file that describes a lotus storage path. */
export const LOTUS_STORAGE_META_FILE = 'sectorstore.json'
