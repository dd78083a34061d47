/**
 * The SQLite statements of the operator tables (schema version 2): persist stores attached
 * through the API, space reservations, and telemetry samples. The store class runs them through
 * its group-commit writer and its reader.
 */

import type { SectorId } from '@venus-cluster/core'
import type Database from 'better-sqlite3'
import {
  MAX_SAMPLES,
  PERSIST_STORE_COLUMNS,
  type PersistStoreRow,
  persistStoreFromRow,
  persistStoreValues,
  type ReservationRow,
  reservationFromRow,
  type SampleRow,
  sampleFromRow,
} from './common.js'
import type { IndexKind, PersistStoreRecord, StoreReservation, TelemetrySample } from './types.js'

/** Prepared statements and the operations over them. */
export function sqliteOperatorTables(db: Database.Database) {
  const st = {
    stores: db.prepare(`SELECT ${PERSIST_STORE_COLUMNS} FROM persist_stores ORDER BY name`),
    putStore: db.prepare(
      `INSERT INTO persist_stores (${PERSIST_STORE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET path = excluded.path, read_only = excluded.read_only,
       strict = excluded.strict, weight = excluded.weight, allow_miners = excluded.allow_miners,
       deny_miners = excluded.deny_miners, attached_at = excluded.attached_at`,
    ),
    delStore: db.prepare('DELETE FROM persist_stores WHERE name = ?'),
    locationsIn: db.prepare(
      'SELECT miner, number, kind FROM sector_index WHERE sealed = ? OR cache = ? ORDER BY miner, number, kind',
    ),
    reservations: db.prepare('SELECT * FROM store_reservations ORDER BY at, miner, number'),
    reservationsOf: db.prepare('SELECT * FROM store_reservations WHERE store = ? ORDER BY at, miner, number'),
    reservation: db.prepare('SELECT * FROM store_reservations WHERE miner = ? AND number = ?'),
    reserved: db.prepare('SELECT COALESCE(SUM(size), 0) AS total FROM store_reservations WHERE store = ?'),
    reserve: db.prepare(
      'INSERT INTO store_reservations (miner, number, store, size, at) VALUES (?, ?, ?, ?, ?)',
    ),
    release: db.prepare('DELETE FROM store_reservations WHERE miner = ? AND number = ?'),
    sample: db.prepare(
      'INSERT INTO telemetry (series, at, value) VALUES (?, ?, ?) ON CONFLICT (series, at) DO UPDATE SET value = excluded.value',
    ),
    prune: db.prepare('DELETE FROM telemetry WHERE at < ?'),
    samples: db.prepare(
      'SELECT series, at, value FROM telemetry WHERE series = ? AND at >= ? ORDER BY at LIMIT ?',
    ),
  }
  return {
    listPersistStores: (): PersistStoreRecord[] =>
      (st.stores.all() as PersistStoreRow[]).map(persistStoreFromRow),
    putPersistStore: (s: PersistStoreRecord): void => {
      st.putStore.run(...persistStoreValues(s))
    },
    deletePersistStore: (name: string): boolean => st.delStore.run(name).changes > 0,
    listLocationsIn: (store: string): { id: SectorId; kind: IndexKind }[] =>
      (st.locationsIn.all(store, store) as { miner: number; number: number; kind: IndexKind }[]).map((r) => ({
        id: { miner: r.miner, number: r.number },
        kind: r.kind,
      })),
    listReservations: (store?: string): StoreReservation[] =>
      ((store === undefined ? st.reservations.all() : st.reservationsOf.all(store)) as ReservationRow[]).map(
        reservationFromRow,
      ),
    reserveSpace: (r: StoreReservation, capacity: number): StoreReservation | undefined => {
      const had = st.reservation.get(r.miner, r.number) as ReservationRow | undefined
      if (had !== undefined) return reservationFromRow(had)
      const total = Number((st.reserved.get(r.store) as { total: number }).total)
      if (total + r.size > capacity) return undefined
      st.reserve.run(r.miner, r.number, r.store, r.size, r.at)
      return r
    },
    releaseReservation: (id: SectorId): StoreReservation | undefined => {
      const had = st.reservation.get(id.miner, id.number) as ReservationRow | undefined
      if (had === undefined) return undefined
      st.release.run(id.miner, id.number)
      return reservationFromRow(had)
    },
    appendSamples: (samples: readonly TelemetrySample[], keepSince: number): void => {
      for (const s of samples) st.sample.run(s.series, s.at, JSON.stringify(s.value))
      st.prune.run(keepSince)
    },
    listSamples: (series: string, since: number, limit = MAX_SAMPLES): TelemetrySample[] =>
      (st.samples.all(series, since, Math.min(limit, MAX_SAMPLES)) as SampleRow[]).map(sampleFromRow),
  }
}
