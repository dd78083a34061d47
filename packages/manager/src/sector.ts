/**
 * The manager's domain model of a sector: its record (what the store keeps per sector) and the
 * answers of the sealing steps, in camelCase with bytes as `Uint8Array`. The `Venus.*` wire
 * shapes (PascalCase, base64) live in `api/`, with the converters between the two.
 *
 * @packageDocumentation
 */
import {
  type EpochRandomness,
  type OnChainStateValue,
  type SectorId,
  SubmitResult,
  type SubmitResultValue,
} from '@venus-cluster/core'
import type { SectorUpgrade } from './snapup/types.js'

/**
 * One piece of a sector: a market deal's piece (`dealId` > 0), a direct piece (`direct` set,
 * `dealId` 0: data given to sealing without a market deal) or a zero filler piece (`dealId` 0).
 */
export interface SectorPiece {
  dealId: number
  /** Bytes of payload in the piece file. */
  payloadSize: number
  /** Padded size and piece CID (`baga…`). */
  piece: { size: number; cid: string }
  /** The market's proposal, passed through to workers as is. */
  proposal: unknown
  /** Set for a direct piece: its id in the manager's queue and the verified allocation it claims. */
  direct?: DirectPieceRef | undefined
}

/** What a sector's piece remembers of the direct piece it is. */
export interface DirectPieceRef {
  /** The id of the piece in the manager's direct-piece queue. */
  id: number
  /** The verified allocation the piece claims at activation; null for unverified data. */
  allocation: { client: number; id: number } | null
}

/**
 * Whether a piece is a zero filler (neither a market deal nor a direct piece).
 *
 * @example
 * ```ts
 * pieces.filter((p) => !isFillerPiece(p)) // the pieces carrying data
 * ```
 */
export function isFillerPiece(p: SectorPiece): boolean {
  return p.dealId === 0 && p.direct === undefined
}

/** The precommit accepted for a sector (commitments as CID strings). */
export interface SectorPreCommit {
  commR: string
  commD: string
  ticket: EpochRandomness
  dealIds: number[]
}

/** The messages that carry a sector (their uids at the messager) and whether one is still to be sent. */
export interface SectorMessages {
  preCommit: string | null
  proveCommit: string | null
  needSend: boolean
}

/** A worker's last report of a sector's state. */
export interface SectorReport {
  worker: { instance: string; location: string }
  stateChange: { prev: string; next: string; event: string }
  failure: { level: string; description: string } | null
}

/** Termination bookkeeping of a sector, from the request until its message landed. */
export interface SectorTermination {
  /** Uid of the TerminateSectors message once claimed. */
  messageUid: string | null
  /** Epoch the termination was seen landed; 0 while pending. */
  terminatedAt: number
  /** Head epoch when the termination was requested. */
  addedHeight: number
}

/** What the manager keeps about a sector, from allocation until it is finalized or aborted (and after). */
export interface ManagedSector {
  id: SectorId
  /** Registered seal proof (5 = 2 KiB … 9 = 64 GiB, v1.1). */
  proofType: number
  ticket: EpochRandomness | null
  seed: EpochRandomness | null
  /** The sector's pieces; null for a CC sector (or before deals were asked for). */
  pieces: SectorPiece[] | null
  preCommit: SectorPreCommit | null
  proof: Uint8Array | null
  messages: SectorMessages
  latestReport: SectorReport | null
  finalized: boolean
  /** Why it was aborted; '' when it was not. */
  abortReason: string
  /** The sector's files were deleted (`removeSector`); the record stays, offline. */
  removed?: boolean | undefined
  /** Present once a termination was requested. */
  termination?: SectorTermination | undefined
  /** When the number was allocated (ms since the epoch); records written before it existed lack it. */
  allocatedAt?: number | undefined
  /** Present while (and after) the CC sector is snapped up with data. */
  upgrade?: SectorUpgrade | undefined
  /** The record came from another system (lotus-miner, damocles) through the importer. */
  imported?: boolean | undefined
}

/**
 * A fresh record for a just-allocated sector.
 *
 * @example
 * ```ts
 * const s = newSector({ miner: 1000, number: 1 }, 5)
 * s.messages.needSend // false
 * ```
 */
export function newSector(id: SectorId, proofType: number, allocatedAt?: number): ManagedSector {
  const s: ManagedSector = {
    id: { miner: id.miner, number: id.number },
    proofType,
    ticket: null,
    seed: null,
    pieces: null,
    preCommit: null,
    proof: null,
    messages: { preCommit: null, proveCommit: null, needSend: false },
    latestReport: null,
    finalized: false,
    abortReason: '',
  }
  if (allocatedAt !== undefined) s.allocatedAt = allocatedAt
  return s
}

/**
 * The state a sector is shown in (dashboard, metrics, counts): its last reported state while
 * online (`Allocated` before any report), `Finalized` or `Aborted` once offline. The store keeps
 * it as a column so that counts and filters need not read the records.
 *
 * @example
 * ```ts
 * sectorDisplayState(newSector({ miner: 1000, number: 1 }, 5), true) // 'Allocated'
 * ```
 */
export function sectorDisplayState(
  s: Pick<ManagedSector, 'latestReport' | 'abortReason'>,
  online: boolean,
): string {
  if (!online) return s.abortReason !== '' ? 'Aborted' : 'Finalized'
  return s.latestReport?.stateChange.next || 'Allocated'
}

/**
 * The original's key form of a sector, used in messages and logs: `m-<miner>-n-<number>`.
 *
 * @example
 * ```ts
 * sectorKey({ miner: 1000, number: 7 }) // 'm-1000-n-7'
 * ```
 */
export function sectorKey(id: SectorId): string {
  return `m-${id.miner}-n-${id.number}`
}

/** Where a sector's message stands, as the worker polls it: an `OnChainState` and why. */
export interface PollResult {
  state: OnChainStateValue
  description: string | null
}

/** The answer to a submission (precommit, proof, termination): a `SubmitResult` and why. */
export interface SubmitResponse {
  result: SubmitResultValue
  description: string | null
}

/** An accepted submission. */
export const ACCEPTED: SubmitResponse = Object.freeze({ result: SubmitResult.Accepted, description: null })

/** A refused submission, with the reason. */
export function rejected(description: string): SubmitResponse {
  return { result: SubmitResult.Rejected, description }
}

/** A number handed out by the allocator and the proof type of its miner. */
export interface SectorAllocation {
  id: SectorId
  proofType: number
}

/** The answer of `waitSeed`: the seed once it can be drawn, else how long to wait. */
export interface SeedWait {
  shouldWait: boolean
  /** Seconds until the seed can be drawn (0 when it is there). */
  delaySeconds: number
  seed: EpochRandomness | null
}

/** Whether two byte arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
