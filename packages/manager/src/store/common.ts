import { type SectorId, VenusError } from '@venus-cluster/core'
import { sectorFromWire, sectorToWire, type WireSectorState } from '../api/sector-wire.js'
import { type ManagedSector, sectorKey } from '../sector.js'
import type {
  CommitKind,
  PieceCopy,
  RepairKind,
  RepairState,
  RepairTask,
  RepairTaskKey,
  StoredMessage,
} from './types.js'

/** Highest number tried when allocation meets numbers that already have records. */
export const MAX_ALLOCATION_SKIPS = 1000

export function notFound(id: SectorId, where: string): VenusError {
  return new VenusError('SECTOR_NOT_FOUND', `sector ${sectorKey(id)} not found ${where}`, {
    details: { miner: id.miner, number: id.number },
  })
}

export function alreadyExists(id: SectorId): VenusError {
  return new VenusError('ALREADY_EXISTS', `sector ${sectorKey(id)} has a record already`, {
    details: { miner: id.miner, number: id.number },
  })
}

/**
 * A stored record: the original's `SectorState` JSON (what `Venus.ListSectors` answers), so
 * databases written by earlier versions read unchanged.
 */
export function parseState(text: string): ManagedSector {
  return sectorFromWire(JSON.parse(text) as WireSectorState)
}

/** The stored text of a record (see {@link parseState}). */
export function stateText(s: ManagedSector): string {
  return JSON.stringify(sectorToWire(s))
}

export function checkStateId(id: SectorId, next: ManagedSector): void {
  if (next.id.miner !== id.miner || next.id.number !== id.number) {
    throw new VenusError('INTERNAL', `a state mutator changed the ID of ${sectorKey(id)}`)
  }
}

export interface MessageRow {
  uid: string
  miner: number | string
  kind: string
  sectors: string
  body: string
  state: string
  created_at: number | string
}

export function messageFromRow(r: MessageRow): StoredMessage {
  return {
    uid: r.uid,
    miner: Number(r.miner),
    kind: r.kind as CommitKind,
    sectors: JSON.parse(r.sectors) as number[],
    body: JSON.parse(r.body) as unknown,
    state: r.state as StoredMessage['state'],
    createdAt: Number(r.created_at),
  }
}

export function dbError(op: string, cause: unknown): VenusError {
  if (cause instanceof VenusError) return cause
  // The cause's own words (e.g. "connect ECONNREFUSED 10.0.0.5:5432"): without them the operator
  // cannot tell a wrong host from a wrong password.
  const why = cause instanceof Error ? cause.message : String(cause)
  return new VenusError('STORE_DB', `manager database: ${op} failed: ${why}`, { cause, details: { op } })
}

export interface RepairRow {
  kind: string
  miner: number | string
  number: number | string
  piece: string
  state: string
  worker: string
  detail: string
  error: string
  created_at: number | string
  updated_at: number | string
}

export function repairFromRow(r: RepairRow): RepairTask {
  return {
    kind: r.kind as RepairKind,
    id: { miner: Number(r.miner), number: Number(r.number) },
    piece: r.piece,
    state: r.state as RepairState,
    worker: r.worker,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    error: r.error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

/** The row values of a task, in the column order of `repair_tasks`. */
export function repairRow(t: RepairTask): unknown[] {
  return [
    t.kind,
    t.id.miner,
    t.id.number,
    t.piece,
    t.state,
    t.worker,
    JSON.stringify(t.detail),
    t.error,
    t.createdAt,
    t.updatedAt,
  ]
}

export function repairNotFound(key: RepairTaskKey): VenusError {
  const piece = key.piece === '' ? '' : ` piece ${key.piece}`
  return new VenusError('NOT_FOUND', `no ${key.kind} task for ${sectorKey(key.id)}${piece}`, {
    details: { kind: key.kind, miner: key.id.miner, number: key.id.number, piece: key.piece },
  })
}

export function checkRepairKey(key: RepairTaskKey, next: RepairTask): void {
  if (
    next.kind !== key.kind ||
    next.piece !== key.piece ||
    next.id.miner !== key.id.miner ||
    next.id.number !== key.id.number
  ) {
    throw new VenusError('INTERNAL', `a repair-task mutator changed the key of ${sectorKey(key.id)}`)
  }
}

export interface PieceCopyRow {
  piece: string
  miner: number | string
  number: number | string
  instance: string
  size: number | string
}

export function pieceCopyFromRow(r: PieceCopyRow): PieceCopy {
  return {
    piece: r.piece,
    id: { miner: Number(r.miner), number: Number(r.number) },
    instance: r.instance,
    size: Number(r.size),
  }
}
