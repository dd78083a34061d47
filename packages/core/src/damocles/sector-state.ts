/**
 * damocles-manager's sector record as `util sealer sectors state export-json` prints it and
 * `import-json` reads it: Go's `encoding/json` of its `SectorState`, PascalCase, bytes as base64,
 * CIDs as `{"/": …}` (null when undefined), addresses as strings. The `Damocles` prefix marks
 * these as that program's wire shapes.
 */
import type { AddressString, Base64, CidJson } from '../chain/types.js'
import type { WireReportStateReq, WireSectorId, WireSeed, WireTicket } from '../types/sealer-wire.js'

/** `abi.SectorID`: the cluster's own wire form. */
export type DamoclesSectorId = WireSectorId

/** A ticket (`Ticket`) drawn for the sector. */
export type DamoclesTicket = WireTicket

/** The interactive seed (`Seed`). */
export type DamoclesSeed = WireSeed

/** A legacy deal piece (`LegacyDealInfo`, the record's `Deals`). */
export interface DamoclesLegacyDeal {
  ID: number
  PayloadSize: number
  Piece: { Size: number; Offset: number; Cid: CidJson | null }
  Proposal: unknown
  IsCompatible: boolean
}

/**
 * A piece's deal (`DealInfoV2`): venus's `DealInfoV2` fields inlined, plus whether it is a
 * builtin-market deal (else a DDO piece).
 */
export interface DamoclesDealInfoV2 {
  DealID?: number
  PublishCid?: CidJson | null
  AllocationID?: number
  PieceCID?: CidJson | null
  PieceSize?: number
  Client?: AddressString
  Provider?: AddressString
  Offset?: number
  Length?: number
  PayloadSize?: number
  StartEpoch?: number
  EndEpoch?: number
  IsBuiltinMarket: boolean
  IsCompatible: boolean
}

/** A piece (`SectorPieceV2`): `abi.PieceInfo` and its deal, null for a filler. */
export interface DamoclesSectorPiece {
  Piece: { Size: number; PieceCID: CidJson | null }
  DealInfo: DamoclesDealInfoV2 | null
}

/** The precommit accepted for the sector (`PreCommitInfo`). */
export interface DamoclesPreCommitInfo {
  CommR: CidJson
  CommD: CidJson
  Ticket: DamoclesTicket
}

/** Message bookkeeping (`MessageInfo`). */
export interface DamoclesMessageInfo {
  PreCommitCid: CidJson | null
  CommitCid: CidJson | null
  NeedSend: boolean
}

/** Termination bookkeeping (`TerminateInfo`). */
export interface DamoclesTerminateInfo {
  TerminateCid: CidJson | null
  TerminatedAt: number
  AddedHeight: number
}

/** A worker's last report of the sector (`ReportStateReq`). */
export type DamoclesReportState = WireReportStateReq

/** Public info of a snap-upgraded sector (`SectorUpgradePublic`). */
export interface DamoclesUpgradePublic {
  CommR: number[]
  SealedCID: CidJson | null
  Activation: number
  Expiration: number
}

/** `SectorState`, the whole record. Optional keys are `omitempty` ones. */
export interface DamoclesSectorState {
  ID: DamoclesSectorId
  SectorType: number
  Ticket?: DamoclesTicket | null
  Seed?: DamoclesSeed | null
  Deals: DamoclesLegacyDeal[] | null
  Pieces: DamoclesSectorPiece[] | null
  Pre?: DamoclesPreCommitInfo | null
  Proof?: { Proof: Base64 | null } | null
  MessageInfo: DamoclesMessageInfo
  TerminateInfo: DamoclesTerminateInfo
  LatestState?: DamoclesReportState | null
  Finalized: boolean
  Removed: boolean
  AbortReason: string
  Upgraded: boolean
  UpgradePublic: DamoclesUpgradePublic | null
  UpgradedInfo: {
    AccessInstance: string
    SealedCID: CidJson | null
    UnsealedCID: CidJson | null
    Proof: Base64 | null
  } | null
  UpgradeMessageID: string | null
  UpgradeLandedEpoch: number | null
  Imported: boolean
  NeedRebuild: boolean
  Unsealing: boolean
}
