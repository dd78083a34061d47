import { type SectorId, VenusError } from '@venus-cluster/core'
import { sectorFromWire, sectorToWire, type WireSectorState } from '../api/sector-wire.js'
import { type ManagedSector, sectorKey } from '../sector.js'
import {
  type CommitKind,
  MAX_SECTOR_PAGE,
  type PersistStoreRecord,
  type SectorPage,
  type SectorSummary,
  type StoredMessage,
  type StoreReservation,
  type TelemetrySample,
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

/** The worker instance of a record's last report, as the store indexes it (null: no report). */
export function workerOf(s: ManagedSector): string | null {
  return s.latestReport?.worker.instance ?? null
}

/** The columns a summary query reads (see the engines' summary statements). */
export interface SummaryRow {
  miner: number | string
  number: number | string
  online: number | string
  display: string
  worker: string | null
  event: string | null
  failure_level: string | null
  failure_desc: string | null
  abort_reason: string | null
}

export function summaryFromRow(r: SummaryRow): SectorSummary {
  return {
    id: { miner: Number(r.miner), number: Number(r.number) },
    online: Number(r.online) === 1,
    state: r.display,
    worker: r.worker,
    event: r.event,
    failure: r.failure_level === null ? null : { level: r.failure_level, description: r.failure_desc ?? '' },
    abortReason: r.abort_reason ?? '',
  }
}

/** `v` as a count between `min` and `max`, or `INVALID_ARGUMENT` naming `field`. */
export function checkLimit(v: unknown, field: string, min = 1, max = MAX_SECTOR_PAGE): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw new VenusError(
      'INVALID_ARGUMENT',
      `${field} must be an integer in [${min}, ${max}], got ${String(v)}`,
      {
        details: { field },
      },
    )
  return v
}

/** A {@link SectorPage} checked: its limit in range, its cursor a sector id. */
export function checkSectorPage(page: SectorPage): SectorPage {
  const limit = checkLimit(page.limit, 'limit')
  const a = page.after
  if (a !== undefined && !(Number.isSafeInteger(a.miner) && Number.isSafeInteger(a.number)))
    throw new VenusError('INVALID_ARGUMENT', 'after must be a sector id', { details: { field: 'after' } })
  return { limit, after: a, state: page.state }
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
