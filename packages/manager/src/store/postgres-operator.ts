/**
 * The PostgreSQL side of the operator tables (schema version 2): persist stores attached through
 * the API, space reservations, and telemetry samples. Reservations of all managers sharing the
 * database serialize on one advisory lock, so two managers never overfill a store.
 */

import type { SectorId } from '@venus-cluster/core'
import type pg from 'pg'
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

/** How the store runs a statement: `q` on the pool, `tx` in one transaction. */
export interface PgRunner {
  q<T extends pg.QueryResultRow>(op: string, sql: string, params?: unknown[]): Promise<T[]>
  tx<T>(op: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T>
}

// Lock key of reservations (distinct from the migration lock).
const RESERVATION_LOCK = 0x76736d32

/** The operations over the operator tables. */
export function postgresOperatorTables(run: PgRunner) {
  return {
    async listPersistStores(): Promise<PersistStoreRecord[]> {
      const rows = await run.q<PersistStoreRow>(
        'listPersistStores',
        `SELECT ${PERSIST_STORE_COLUMNS} FROM persist_stores ORDER BY name`,
      )
      return rows.map(persistStoreFromRow)
    },
    async putPersistStore(s: PersistStoreRecord): Promise<void> {
      await run.q(
        'putPersistStore',
        `INSERT INTO persist_stores (${PERSIST_STORE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name) DO UPDATE SET path = excluded.path, read_only = excluded.read_only,
         strict = excluded.strict, weight = excluded.weight, allow_miners = excluded.allow_miners,
         deny_miners = excluded.deny_miners, attached_at = excluded.attached_at`,
        persistStoreValues(s),
      )
    },
    async deletePersistStore(name: string): Promise<boolean> {
      return run.tx('deletePersistStore', async (c) => {
        const r = await c.query('DELETE FROM persist_stores WHERE name = $1', [name])
        return (r.rowCount ?? 0) > 0
      })
    },
    async listLocationsIn(store: string): Promise<{ id: SectorId; kind: IndexKind }[]> {
      const rows = await run.q<{ miner: string; number: string; kind: IndexKind }>(
        'listLocationsIn',
        'SELECT miner, number, kind FROM sector_index WHERE sealed = $1 OR cache = $1 ORDER BY miner, number, kind',
        [store],
      )
      return rows.map((r) => ({ id: { miner: Number(r.miner), number: Number(r.number) }, kind: r.kind }))
    },
    async listReservations(store?: string): Promise<StoreReservation[]> {
      const rows =
        store === undefined
          ? await run.q<ReservationRow>(
              'listReservations',
              'SELECT * FROM store_reservations ORDER BY at, miner, number',
            )
          : await run.q<ReservationRow>(
              'listReservations',
              'SELECT * FROM store_reservations WHERE store = $1 ORDER BY at, miner, number',
              [store],
            )
      return rows.map(reservationFromRow)
    },
    reserveSpace(r: StoreReservation, capacity: number): Promise<StoreReservation | undefined> {
      return run.tx('reserveSpace', async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [RESERVATION_LOCK])
        const had = (
          await c.query<ReservationRow>('SELECT * FROM store_reservations WHERE miner = $1 AND number = $2', [
            r.miner,
            r.number,
          ])
        ).rows[0]
        if (had !== undefined) return reservationFromRow(had)
        const total = Number(
          (
            await c.query<{ total: string }>(
              'SELECT COALESCE(SUM(size), 0) AS total FROM store_reservations WHERE store = $1',
              [r.store],
            )
          ).rows[0]?.total ?? 0,
        )
        if (total + r.size > capacity) return undefined
        await c.query(
          'INSERT INTO store_reservations (miner, number, store, size, at) VALUES ($1, $2, $3, $4, $5)',
          [r.miner, r.number, r.store, r.size, r.at],
        )
        return r
      })
    },
    async releaseReservation(id: SectorId): Promise<StoreReservation | undefined> {
      const rows = await run.q<ReservationRow>(
        'releaseReservation',
        'DELETE FROM store_reservations WHERE miner = $1 AND number = $2 RETURNING *',
        [id.miner, id.number],
      )
      return rows[0] === undefined ? undefined : reservationFromRow(rows[0])
    },
    appendSamples(samples: readonly TelemetrySample[], keepSince: number): Promise<void> {
      return run.tx('appendSamples', async (c) => {
        for (const s of samples)
          await c.query(
            'INSERT INTO telemetry (series, at, value) VALUES ($1, $2, $3) ON CONFLICT (series, at) DO UPDATE SET value = excluded.value',
            [s.series, s.at, JSON.stringify(s.value)],
          )
        await c.query('DELETE FROM telemetry WHERE at < $1', [keepSince])
      })
    },
    async listSamples(series: string, since: number, limit = MAX_SAMPLES): Promise<TelemetrySample[]> {
      const rows = await run.q<SampleRow>(
        'listSamples',
        'SELECT series, at, value FROM telemetry WHERE series = $1 AND at >= $2 ORDER BY at LIMIT $3',
        [series, since, Math.min(limit, MAX_SAMPLES)],
      )
      return rows.map(sampleFromRow)
    },
  }
}
