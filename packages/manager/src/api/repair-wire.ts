/**
 * The `Venus.*` wire shapes of repair tasks (rebuild, unseal) and their converters. Field names
 * follow the original's `SectorRebuildInfo` and `SectorUnsealInfo` where they exist (`Sector`,
 * `Ticket`, `Pieces`, `PieceCid`, `Offset`, `Size`, `CommD`, `PrivateInfo.AccessInstance`);
 * `CommR`, `CacheOnly`, `SealedInstance` and `PayloadSize` are this manager's additions.
 */
import type { RebuildAssignment, UnsealAssignment } from '../repair/tasks.js'
import type { RepairTask } from '../store/types.js'
import type { WireDeal, WireSectorId, WireTicket } from './sector-wire.js'
import { piecesToWire, sectorIdToWire, ticketToWire } from './sector-wire.js'

/** `Venus.AllocateRebuildSector` answer. */
export interface WireRebuildInfo {
  Sector: { ID: WireSectorId; ProofType: number }
  Ticket: WireTicket
  Pieces: WireDeal[] | null
  /** CommR on chain, as the `[32]byte` array Go writes. */
  CommR: number[]
  CommD: number[]
  CacheOnly: boolean
  SealedInstance: string
}

/** `Venus.AllocateUnsealSector` answer. */
export interface WireUnsealInfo {
  Sector: { ID: WireSectorId; ProofType: number }
  PieceCid: { '/': string }
  Offset: number
  Size: number
  PayloadSize: number
  Ticket: WireTicket
  CommD: number[]
  PrivateInfo: { AccessInstance: string }
}

/** A repair task as `Venus.RepairTasks` and `Venus.RepairTaskState` list it. */
export interface WireRepairTask {
  Kind: string
  Sector: WireSectorId
  /** Piece CID of an unseal; '' for a rebuild. */
  PieceCid: string
  /** `queued`, `running`, `done` or `failed`. */
  State: string
  Worker: string
  Error: string
  Detail: Record<string, unknown>
  CreatedAt: number
  UpdatedAt: number
}

export function rebuildToWire(a: RebuildAssignment): WireRebuildInfo {
  return {
    Sector: { ID: sectorIdToWire(a.id), ProofType: a.proofType },
    Ticket: ticketToWire(a.ticket),
    Pieces: piecesToWire(a.pieces),
    CommR: [...a.commR],
    CommD: [...a.commD],
    CacheOnly: a.cacheOnly,
    SealedInstance: a.sealedInstance ?? '',
  }
}

export function unsealToWire(a: UnsealAssignment): WireUnsealInfo {
  return {
    Sector: { ID: sectorIdToWire(a.id), ProofType: a.proofType },
    PieceCid: { '/': a.pieceCid },
    Offset: a.offset,
    Size: a.size,
    PayloadSize: a.payloadSize,
    Ticket: ticketToWire(a.ticket),
    CommD: [...a.commD],
    PrivateInfo: { AccessInstance: a.sealedInstance },
  }
}

export function repairTaskToWire(t: RepairTask): WireRepairTask {
  return {
    Kind: t.kind,
    Sector: sectorIdToWire(t.id),
    PieceCid: t.piece,
    State: t.state,
    Worker: t.worker,
    Error: t.error,
    Detail: t.detail,
    CreatedAt: t.createdAt,
    UpdatedAt: t.updatedAt,
  }
}
