/**
 * The manager's per-sector record, in the exact JSON shape of the original `SectorState`
 * (Go field names, PascalCase) so `Venus.ListSectors` can return stored records verbatim.
 *
 * @packageDocumentation
 */
import type { WireDeal, WireSectorId, WireSeed, WireTicket } from '@venus-cluster/core'

/** The precommit info stored once `SubmitPreCommit` is accepted (commitments as CIDs). */
export interface StoredPreCommit {
  CommR: { '/': string }
  CommD: { '/': string }
  Ticket: WireTicket
  Deals: number[]
}

/** Message bookkeeping: UIDs of the messages that carry this sector. */
export interface StoredMessageInfo {
  PreCommitCid: { '/': string } | null
  CommitCid: { '/': string } | null
  NeedSend: boolean
}

/** The last `ReportState` request of a sector. */
export interface WireReportStateReq {
  Worker: { Instance: string; Location: string }
  StateChange: { Prev: string; Next: string; Event: string }
  Failure: { Level: string; Desc: string } | null
}

/** The full per-sector record (docs/manager.md describes the fields). */
export interface SectorState {
  ID: WireSectorId
  SectorType: number
  Ticket: WireTicket | null
  Seed: WireSeed | null
  Deals: WireDeal[] | null
  Pre: StoredPreCommit | null
  Proof: { Proof: string } | null
  MessageInfo: StoredMessageInfo
  LatestState: WireReportStateReq | null
  Finalized: boolean
  AbortReason: string
  /** The sector's files were deleted by `RemoveSector` (the record stays, offline). */
  Removed?: boolean | undefined
  /** `[v0.3]` termination bookkeeping; absent until `TerminateSector` is accepted. */
  TerminateInfo?: WireTerminateInfo | undefined
  /**
   * Extension: when the number was allocated (ms since the epoch). The original has no such
   * field; records written before it existed lack it.
   */
  AllocatedAt?: number | undefined
}

/** `TerminateInfo` / the answer of `PollTerminateSectorState`. */
export interface WireTerminateInfo {
  /** UID of the TerminateSectors message once claimed. */
  TerminateCid: { '/': string } | null
  /** Epoch the termination was seen landed; 0 while pending. */
  TerminatedAt: number
  /** Head epoch when the termination was requested. */
  AddedHeight: number
}

/**
 * A fresh record for a just-allocated sector.
 *
 * @example
 * ```ts
 * const s = newSectorState({ Miner: 1000, Number: 1 }, 5)
 * s.MessageInfo.NeedSend // false
 * ```
 */
export function newSectorState(id: WireSectorId, proofType: number, allocatedAt?: number): SectorState {
  const state: SectorState = {
    ID: { Miner: id.Miner, Number: id.Number },
    SectorType: proofType,
    Ticket: null,
    Seed: null,
    Deals: null,
    Pre: null,
    Proof: null,
    MessageInfo: { PreCommitCid: null, CommitCid: null, NeedSend: false },
    LatestState: null,
    Finalized: false,
    AbortReason: '',
  }
  if (allocatedAt !== undefined) state.AllocatedAt = allocatedAt
  return state
}

/** The original's key form of a sector, used in messages and logs: `m-<miner>-n-<number>`. */
export function sectorKey(id: { Miner: number; Number: number }): string {
  return `m-${id.Miner}-n-${id.Number}`
}
