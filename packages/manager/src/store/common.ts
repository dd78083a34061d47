import { type SectorId, VenusError } from '@venus-cluster/core'
import { sectorFromWire, sectorToWire, type WireSectorState } from '../api/sector-wire.js'
import { type ManagedSector, sectorKey } from '../sector.js'
import type {
  CommitKind,
  PersistStoreRecord,
  StoredMessage,
  StoreReservation,
  TelemetrySample,
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

/** A `persist_stores` row. */
export interface PersistStoreRow {
  name: string
  path: string
  read_only: number | string
  strict: number | string
  weight: number | string
  allow_miners: string
  deny_miners: string
  attached_at: number | string
}

export function persistStoreFromRow(r: PersistStoreRow): PersistStoreRecord {
  return {
    name: r.name,
    path: r.path,
    readOnly: Number(r.read_only) === 1,
    strict: Number(r.strict) === 1,
    weight: Number(r.weight),
    allowMiners: JSON.parse(r.allow_miners) as number[],
    denyMiners: JSON.parse(r.deny_miners) as number[],
    attachedAt: Number(r.attached_at),
  }
}

/** The column values of a persist store, in the order of {@link PERSIST_STORE_COLUMNS}. */
export function persistStoreValues(s: PersistStoreRecord): unknown[] {
  return [
    s.name,
    s.path,
    s.readOnly ? 1 : 0,
    s.strict ? 1 : 0,
    s.weight,
    JSON.stringify(s.allowMiners),
    JSON.stringify(s.denyMiners),
    s.attachedAt,
  ]
}

export const PERSIST_STORE_COLUMNS =
  'name, path, read_only, strict, weight, allow_miners, deny_miners, attached_at'

/** A `store_reservations` row. */
export interface ReservationRow {
  miner: number | string
  number: number | string
  store: string
  size: number | string
  at: number | string
}

export function reservationFromRow(r: ReservationRow): StoreReservation {
  return {
    miner: Number(r.miner),
    number: Number(r.number),
    store: r.store,
    size: Number(r.size),
    at: Number(r.at),
  }
}

/** A `telemetry` row. */
export interface SampleRow {
  series: string
  at: number | string
  value: string
}

export function sampleFromRow(r: SampleRow): TelemetrySample {
  return { series: r.series, at: Number(r.at), value: JSON.parse(r.value) as unknown }
}

/** Samples one `listSamples` answers at most. */
export const MAX_SAMPLES = 10_000
