import { createHash } from 'node:crypto'
import { importOptional, type SectorId, VenusError } from '@venus-cluster/core'
import type pg from 'pg'
import type { SectorProblem } from '../repair/problems.js'
import { type ManagedSector, newSector, sectorDisplayState } from '../sector.js'
import type { SnapCandidate } from '../snapup/types.js'
import {
  alreadyExists,
  checkLimit,
  checkRepairKey,
  checkSectorPage,
  checkStateId,
  dbError,
  MAX_ALLOCATION_SKIPS,
  type MessageRow,
  messageFromRow,
  notFound,
  type PieceCopyRow,
  parseState,
  pieceCopyFromRow,
  type RepairRow,
  repairFromRow,
  repairNotFound,
  repairRow,
  type SummaryRow,
  stateText,
  summaryFromRow,
  workerOf,
} from './common.js'
import {
  pgAddDirectPiece,
  pgAssignDirectPieces,
  pgListDirectPieces,
  pgRemoveDirectPiece,
  pgSetDirectPieceState,
} from './direct-postgres.js'
import { PostgresPostStore } from './post-postgres.js'
import type { PostStore } from './post-types.js'
import { postgresOperatorTables } from './postgres-operator.js'
import { pgProblems } from './problems-sql.js'
import { MIGRATIONS } from './schema.js'
import { pgListSnapCandidates, pgPutSnapCandidates, pgRemoveSnapCandidate } from './snap-candidates.js'
import type {
  AllocateOptions,
  CommitKind,
  CreateSectorOptions,
  DirectPieceFilter,
  DirectPieceRecord,
  DirectPieceState,
  IndexKind,
  ManagerStore,
  NewDirectPiece,
  PersistStoreRecord,
  PieceCopy,
  QueuedCommit,
  RecentSectorsPage,
  RepairKind,
  RepairMutator,
  RepairTask,
  RepairTaskKey,
  SectorLocation,
  SectorMutator,
  SectorPage,
  SectorStateCount,
  SectorSummary,
  StoredMessage,
  StoreReservation,
  TelemetrySample,
  UpdateEffects,
} from './types.js'

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** A libpq connection string, e.g. `postgres://vsm@127.0.0.1:5432/vsm`. */
  connectionString: string
  /** Pool size (default 8). */
  maxConnections?: number
}

// Lock key for migrations so that managers starting together migrate once.
const MIGRATION_LOCK = 0x76736d31

/**
 * Opens (and migrates) a PostgreSQL store that several managers may share. Commits use the
 * server's durability (`synchronous_commit` of the database, `on` by default) and every write
 * is one transaction; allocation and message claims lock rows so concurrent managers serialize.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore({ connectionString: 'postgres://vsm@127.0.0.1/vsm' })
 * ```
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<ManagerStore> {
  // An optional peer dependency, loaded on first use (see openSqliteStore).
  const { default: driver } = await importOptional('pg', () => import('pg'), {
    feature: 'the PostgreSQL store of the sector manager',
  })
  const pool = new driver.Pool({ connectionString: opts.connectionString, max: opts.maxConnections ?? 8 })
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {})
  const store = new PostgresStore(pool)
  try {
    await store.migrate()
  } catch (cause) {
    await pool.end().catch(() => {})
    throw dbError('open postgres', cause)
  }
  return store
}

type Client = pg.PoolClient

const statementNames = new Map<string, string>()

// Named statements are parsed and planned once per connection instead of on every call; the
// server's CPU is what limits a small machine running the manager and PostgreSQL side by side.
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text)
  if (name === undefined) {
    name = `vsm_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`
    statementNames.set(text, name)
  }
  return { name, text, values }
}

const UPSERT_REPAIR = `INSERT INTO repair_tasks (kind, miner, number, piece, state, worker, detail, error, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (kind, miner, number, piece) DO UPDATE SET state = excluded.state, worker = excluded.worker,
    detail = excluded.detail, error = excluded.error, created_at = excluded.created_at, updated_at = excluded.updated_at`

const RETRY_CODES = new Set(['40001', '40P01'])

class PostgresStore implements ManagerStore {
  readonly engine = 'postgres' as const
  /** Leases, submissions and PoSt jobs (see `post-postgres.ts`). */
  readonly post: PostStore
  #pool: pg.Pool
  readonly #ops: ReturnType<typeof postgresOperatorTables>

  constructor(pool: pg.Pool) {
    this.#pool = pool
    this.post = new PostgresPostStore(
      (op, fn) => this.#tx(op, fn),
      (op, sql, params) => this.#q(op, sql, params),
    )
    this.#ops = postgresOperatorTables({
      q: (op, sql, p) => this.#q(op, sql, p),
      tx: (op, fn) => this.#tx(op, fn),
    })
  }

  // Operator tables (persist stores, reservations, telemetry): see postgres-operator.ts.
  listPersistStores = () => this.#ops.listPersistStores()
  putPersistStore = (s: PersistStoreRecord) => this.#ops.putPersistStore(s)
  deletePersistStore = (name: string) => this.#ops.deletePersistStore(name)
  listLocationsIn = (store: string) => this.#ops.listLocationsIn(store)
  listReservations = (store?: string) => this.#ops.listReservations(store)
  reserveSpace = (r: StoreReservation, capacity: number) => this.#ops.reserveSpace(r, capacity)
  releaseReservation = (id: SectorId) => this.#ops.releaseReservation(id)
  appendSamples = (samples: readonly TelemetrySample[], keepSince: number) =>
    this.#ops.appendSamples(samples, keepSince)
  listSamples = (series: string, since: number, limit?: number) => this.#ops.listSamples(series, since, limit)

  async migrate(): Promise<void> {
    await this.#tx('migrate', async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      )
      const applied = new Set(
        (await c.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
      )
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue
        for (const sql of m.postgres) await c.query(sql)
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ])
      }
    })
  }

  async #tx<T>(op: string, fn: (c: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let c: Client
      try {
        c = await this.#pool.connect()
      } catch (cause) {
        throw dbError(op, cause)
      }
      try {
        await c.query('BEGIN')
        const out = await fn(c)
        await c.query('COMMIT')
        c.release()
        return out
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {})
        c.release()
        const code = (e as { code?: unknown }).code
        if (typeof code === 'string' && RETRY_CODES.has(code) && attempt < 5) continue
        throw dbError(op, e)
      }
    }
  }

  async #q<T extends pg.QueryResultRow>(op: string, sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.#pool.query<T>(prepared(sql, params))).rows
    } catch (cause) {
      throw dbError(op, cause)
    }
  }

  async schemaVersion(): Promise<number> {
    const rows = await this.#q<{ v: number }>(
      'schemaVersion',
      'SELECT MAX(version) AS v FROM schema_migrations',
    )
    return Number(rows[0]?.v ?? 0)
  }

  allocateSector(miner: number, opts: AllocateOptions, proofType: number): Promise<ManagedSector | null> {
    return this.#tx('allocateSector', async (c) => {
      // The upsert takes the counter row's lock until COMMIT: concurrent managers queue here.
      await c.query(
        'INSERT INTO sector_numbers (miner, last) VALUES ($1, $2) ON CONFLICT (miner) DO NOTHING',
        [miner, opts.initNumber],
      )
      const row = (await c.query('SELECT last FROM sector_numbers WHERE miner = $1 FOR UPDATE', [miner]))
        .rows[0]
      let next = Number(row?.last) + 1
      for (let i = 0; i < MAX_ALLOCATION_SKIPS; i++, next++) {
        if (opts.maxNumber !== undefined && next > opts.maxNumber) {
          if (i > 0) await c.query('UPDATE sector_numbers SET last = $2 WHERE miner = $1', [miner, next - 1])
          else if (row !== undefined && Number(row.last) === opts.initNumber) {
            // Nothing allocated yet and nothing allowed: leave no counter behind.
            await c.query('DELETE FROM sector_numbers WHERE miner = $1 AND last = $2', [
              miner,
              opts.initNumber,
            ])
          }
          return null
        }
        const exists = await c.query('SELECT 1 FROM sectors WHERE miner = $1 AND number = $2', [miner, next])
        if (exists.rowCount !== 0) continue
        await c.query('UPDATE sector_numbers SET last = $2 WHERE miner = $1', [miner, next])
        const state = newSector({ miner, number: next }, proofType, opts.allocatedAt)
        await c.query(
          "INSERT INTO sectors (miner, number, online, state, updated_at, display) VALUES ($1, $2, 1, $3, $4, 'Allocated')",
          [miner, next, stateText(state), Date.now()],
        )
        return state
      }
      throw new VenusError(
        'ALLOCATION_EXHAUSTED',
        `miner ${miner}: ${MAX_ALLOCATION_SKIPS} numbers in a row already have records`,
      )
    })
  }

  createSector(sector: ManagedSector, opts: CreateSectorOptions = {}): Promise<ManagedSector> {
    return this.#tx('createSector', async (c) => {
      const { miner, number } = sector.id
      const online = opts.offline !== true
      const display = sectorDisplayState(sector, online)
      const r = await c.query(
        'INSERT INTO sectors (miner, number, online, state, updated_at, display, worker) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (miner, number) DO NOTHING',
        [miner, number, online ? 1 : 0, stateText(sector), Date.now(), display, workerOf(sector)],
      )
      if (r.rowCount === 0) throw alreadyExists(sector.id)
      // Offline records are counted as they arrive, like every move offline.
      if (!online) {
        await c.query(
          'INSERT INTO sector_counts (miner, display, n) VALUES ($1, $2, 1) ON CONFLICT (miner, display) DO UPDATE SET n = sector_counts.n + 1',
          [miner, display],
        )
      }
      return sector
    })
  }

  raiseLastNumber(miner: number, number: number): Promise<number> {
    return this.#tx('raiseLastNumber', async (c) => {
      const r = await c.query(
        'INSERT INTO sector_numbers (miner, last) VALUES ($1, $2) ON CONFLICT (miner) DO UPDATE SET last = GREATEST(sector_numbers.last, excluded.last) RETURNING last',
        [miner, number],
      )
      return Number(r.rows[0]?.last)
    })
  }

  async lastNumber(miner: number): Promise<number | undefined> {
    const rows = await this.#q<{ last: string }>(
      'lastNumber',
      'SELECT last FROM sector_numbers WHERE miner = $1',
      [miner],
    )
    return rows[0] === undefined ? undefined : Number(rows[0].last)
  }

  async getSector(id: SectorId): Promise<{ state: ManagedSector; online: boolean } | undefined> {
    const rows = await this.#q<{ state: string; online: number }>(
      'getSector',
      'SELECT state, online FROM sectors WHERE miner = $1 AND number = $2',
      [id.miner, id.number],
    )
    const r = rows[0]
    return r === undefined ? undefined : { state: parseState(r.state), online: Number(r.online) === 1 }
  }

  async listSectors(online: boolean): Promise<ManagedSector[]> {
    const rows = await this.#q<{ state: string }>(
      'listSectors',
      'SELECT state FROM sectors WHERE online = $1 ORDER BY miner, number',
      [online ? 1 : 0],
    )
    return rows.map((r) => parseState(r.state))
  }

  async listSectorsPage(online: boolean, page: SectorPage): Promise<ManagedSector[]> {
    const { after, limit, state } = checkSectorPage(page)
    const where = [`online = $1`]
    const params: unknown[] = [online ? 1 : 0]
    if (state !== undefined) {
      params.push(state)
      where.push(`display = $${params.length}`)
    }
    if (after !== undefined) {
      params.push(after.miner, after.number)
      where.push(`(miner, number) > ($${params.length - 1}, $${params.length})`)
    }
    params.push(limit)
    const rows = await this.#q<{ state: string }>(
      'listSectorsPage',
      `SELECT state FROM sectors WHERE ${where.join(' AND ')} ORDER BY miner, number LIMIT $${params.length}`,
      params,
    )
    return rows.map((r) => parseState(r.state))
  }

  async listRecentSectors(page: RecentSectorsPage): Promise<SectorSummary[]> {
    const limit = checkLimit(page.limit, 'limit')
    const offset =
      page.offset === undefined ? 0 : checkLimit(page.offset, 'offset', 0, Number.MAX_SAFE_INTEGER)
    const b = page.before
    // The page is cut from the covering index first; only its rows' records are then read and
    // parsed (jsonb), for the four fields a summary shows: rows skipped by the offset never are.
    // Each record is read and parsed once: the lateral subquery is kept from being flattened
    // (OFFSET 0), else the planner copies it into each of the four fields (a 500-row page of
    // 4 KiB records: 60 ms instead of 17).
    const summary = (where: string, params: unknown[]) =>
      this.#q<SummaryRow>(
        'listRecentSectors',
        `WITH k AS MATERIALIZED (
           SELECT miner, number, online, display, worker FROM sectors ${where}
           ORDER BY number DESC, miner LIMIT $${params.length + 1} OFFSET $${params.length + 2})
         SELECT k.miner, k.number, k.online, k.display, k.worker,
           x.j #>> '{LatestState,StateChange,Event}' AS event,
           x.j #>> '{LatestState,Failure,Level}' AS failure_level,
           x.j #>> '{LatestState,Failure,Desc}' AS failure_desc,
           x.j ->> 'AbortReason' AS abort_reason
         FROM k CROSS JOIN LATERAL (
           SELECT s.state::jsonb AS j FROM sectors s WHERE s.miner = k.miner AND s.number = k.number OFFSET 0) x
         ORDER BY k.number DESC, k.miner`,
        [...params, limit, offset],
      )
    const rows =
      b === undefined
        ? await summary('', [])
        : await summary('WHERE number < $1 OR (number = $1 AND miner > $2)', [b.number, b.miner])
    return rows.map(summaryFromRow)
  }

  async countSectors(): Promise<SectorStateCount[]> {
    type Row = { miner: string; display: string; n: string }
    const [online, offline] = await Promise.all([
      this.#q<Row>(
        'countSectors',
        'SELECT miner, display, COUNT(*) AS n FROM sectors WHERE online = 1 GROUP BY display, miner',
      ),
      this.#q<Row>('countSectors', 'SELECT miner, display, n FROM sector_counts WHERE n > 0'),
    ])
    const row = (r: Row, on: boolean): SectorStateCount => ({
      miner: Number(r.miner),
      online: on,
      state: r.display,
      count: Number(r.n),
    })
    return [...online.map((r) => row(r, true)), ...offline.map((r) => row(r, false))]
  }

  async countSectorsByWorker(): Promise<Map<string, number>> {
    const rows = await this.#q<{ worker: string; n: string }>(
      'countSectorsByWorker',
      'SELECT worker, COUNT(*) AS n FROM sectors WHERE online = 1 AND worker IS NOT NULL GROUP BY worker',
    )
    return new Map(rows.map((r) => [r.worker, Number(r.n)]))
  }

  async #mutate(
    c: Client,
    id: SectorId,
    fromOnline: 0 | 1,
    toOnline: 0 | 1,
    mutate: SectorMutator,
    where: string,
  ): Promise<ManagedSector> {
    const r = (
      await c.query('SELECT state FROM sectors WHERE miner = $1 AND number = $2 AND online = $3 FOR UPDATE', [
        id.miner,
        id.number,
        fromOnline,
      ])
    ).rows[0] as { state: string } | undefined
    if (r === undefined) throw notFound(id, where)
    const cur = parseState(r.state)
    const next = mutate(cur)
    if (next === undefined && fromOnline === toOnline) return cur
    const out = next ?? cur
    checkStateId(id, out)
    const display = sectorDisplayState(out, toOnline === 1)
    await c.query(
      'UPDATE sectors SET state = $1, online = $2, updated_at = $3, display = $4, worker = $5 WHERE miner = $6 AND number = $7',
      [stateText(out), toOnline, Date.now(), display, workerOf(out), id.miner, id.number],
    )
    // Offline records are counted as they move (they grow with history; online ones do not).
    const count = (d: string, by: number) =>
      c.query(
        'INSERT INTO sector_counts (miner, display, n) VALUES ($1, $2, $3) ON CONFLICT (miner, display) DO UPDATE SET n = sector_counts.n + excluded.n',
        [id.miner, d, by],
      )
    if (fromOnline === 0) await count(sectorDisplayState(cur, false), -1)
    if (toOnline === 0) await count(display, 1)
    return out
  }

  async updateSector(
    id: SectorId,
    mutate: SectorMutator,
    effects: UpdateEffects = {},
  ): Promise<ManagedSector> {
    if (effects.dequeue !== true && effects.enqueue === undefined) {
      const swapped = await this.#compareAndSwap(id, mutate)
      if (swapped !== undefined) return swapped
    }
    return this.#tx('updateSector', async (c) => {
      const out = await this.#mutate(c, id, 1, 1, mutate, 'online')
      if (effects.dequeue)
        await c.query('DELETE FROM commit_queue WHERE miner = $1 AND number = $2', [id.miner, id.number])
      if (effects.enqueue !== undefined) {
        await c.query(
          'INSERT INTO commit_queue (miner, number, kind, enqueued_at) VALUES ($1, $2, $3, $4) ON CONFLICT (miner, number, kind) DO UPDATE SET enqueued_at = excluded.enqueued_at',
          [id.miner, id.number, effects.enqueue, Date.now()],
        )
      }
      return out
    })
  }

  // Most updates touch one record (ReportState on every worker step): a read, the mutator, then
  // one autocommitted UPDATE that applies only if the row still holds what was read. That is two
  // round trips instead of four (BEGIN, SELECT FOR UPDATE, UPDATE, COMMIT) and no row lock held
  // across them. Undefined means another writer got there first: the caller takes the locking
  // path, so mutators must be pure (they may run twice).
  async #compareAndSwap(id: SectorId, mutate: SectorMutator): Promise<ManagedSector | undefined> {
    const rows = await this.#q<{ state: string }>(
      'updateSector',
      'SELECT state FROM sectors WHERE miner = $1 AND number = $2 AND online = 1',
      [id.miner, id.number],
    )
    const r = rows[0]
    if (r === undefined) throw notFound(id, 'online')
    const cur = parseState(r.state)
    const next = mutate(cur)
    if (next === undefined) return cur
    checkStateId(id, next)
    let updated: number | null
    try {
      updated = (
        await this.#pool.query(
          prepared(
            'UPDATE sectors SET state = $1, updated_at = $2, display = $3, worker = $4 WHERE miner = $5 AND number = $6 AND online = 1 AND state = $7',
            [
              stateText(next),
              Date.now(),
              sectorDisplayState(next, true),
              workerOf(next),
              id.miner,
              id.number,
              r.state,
            ],
          ),
        )
      ).rowCount
    } catch (cause) {
      throw dbError('updateSector', cause)
    }
    return updated === 1 ? next : undefined
  }

  finalizeSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector> {
    return this.#tx('finalizeSector', async (c) => {
      const out = await this.#mutate(c, id, 1, 0, mutate, 'online')
      await c.query('DELETE FROM commit_queue WHERE miner = $1 AND number = $2', [id.miner, id.number])
      return out
    })
  }

  restoreSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector> {
    return this.#tx('restoreSector', (c) => this.#mutate(c, id, 0, 1, mutate, 'offline'))
  }

  updateOfflineSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector> {
    return this.#tx('updateOfflineSector', (c) => this.#mutate(c, id, 0, 0, mutate, 'offline'))
  }

  async removeLocation(id: SectorId, kind: IndexKind): Promise<void> {
    await this.#q(
      'removeLocation',
      'DELETE FROM sector_index WHERE miner = $1 AND number = $2 AND kind = $3',
      [id.miner, id.number, kind],
    )
  }

  async setLocation(id: SectorId, kind: IndexKind, loc: SectorLocation): Promise<void> {
    await this.#q(
      'setLocation',
      'INSERT INTO sector_index (miner, number, kind, sealed, cache) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (miner, number, kind) DO UPDATE SET sealed = excluded.sealed, cache = excluded.cache',
      [id.miner, id.number, kind, loc.sealed, loc.cache],
    )
  }

  async findLocation(id: SectorId, kind: IndexKind): Promise<SectorLocation | undefined> {
    const rows = await this.#q<SectorLocation>(
      'findLocation',
      'SELECT sealed, cache FROM sector_index WHERE miner = $1 AND number = $2 AND kind = $3',
      [id.miner, id.number, kind],
    )
    return rows[0]
  }

  async listQueue(kind: CommitKind, miner?: number, limit?: number): Promise<QueuedCommit[]> {
    // LIMIT NULL is no limit.
    const n = limit === undefined ? null : checkLimit(limit, 'limit', 0)
    const rows =
      miner === undefined
        ? await this.#q<{ miner: string; number: string; enqueued_at: string }>(
            'listQueue',
            'SELECT miner, number, enqueued_at FROM commit_queue WHERE kind = $1 ORDER BY enqueued_at, miner, number LIMIT $2',
            [kind, n],
          )
        : await this.#q<{ miner: string; number: string; enqueued_at: string }>(
            'listQueue',
            'SELECT miner, number, enqueued_at FROM commit_queue WHERE kind = $1 AND miner = $2 ORDER BY enqueued_at, number LIMIT $3',
            [kind, miner, n],
          )
    return rows.map((r) => ({
      miner: Number(r.miner),
      number: Number(r.number),
      kind,
      enqueuedAt: Number(r.enqueued_at),
    }))
  }

  async countQueue(kind: CommitKind): Promise<number> {
    const rows = await this.#q<{ n: string }>(
      'countQueue',
      'SELECT COUNT(*) AS n FROM commit_queue WHERE kind = $1',
      [kind],
    )
    return Number(rows[0]?.n ?? 0)
  }

  claimMessage(msg: Omit<StoredMessage, 'state' | 'createdAt'>, mark: SectorMutator): Promise<StoredMessage> {
    return this.#tx('claimMessage', async (c) => {
      const numbers = [...msg.sectors].sort((a, b) => a - b)
      // Lock in number order so two claimers cannot deadlock; rows another manager already
      // claimed are gone after its COMMIT and are missing from this answer.
      const locked = await c.query(
        'SELECT number FROM commit_queue WHERE miner = $1 AND kind = $2 AND number = ANY($3::bigint[]) ORDER BY number FOR UPDATE',
        [msg.miner, msg.kind, numbers],
      )
      if (locked.rowCount !== numbers.length) {
        throw new VenusError(
          'ALREADY_EXISTS',
          `some sectors of miner ${msg.miner} are not queued for ${msg.kind} any more`,
          {
            details: { miner: msg.miner, kind: msg.kind },
          },
        )
      }
      await c.query(
        'DELETE FROM commit_queue WHERE miner = $1 AND kind = $2 AND number = ANY($3::bigint[])',
        [msg.miner, msg.kind, numbers],
      )
      for (const n of numbers) await this.#mutate(c, { miner: msg.miner, number: n }, 1, 1, mark, 'online')
      const createdAt = Date.now()
      const ins = await c.query(
        "INSERT INTO messages (uid, miner, kind, sectors, body, state, created_at) VALUES ($1, $2, $3, $4, $5, 'created', $6) ON CONFLICT (uid) DO NOTHING",
        [msg.uid, msg.miner, msg.kind, JSON.stringify(msg.sectors), JSON.stringify(msg.body), createdAt],
      )
      if (ins.rowCount !== 1) {
        throw new VenusError('ALREADY_EXISTS', `message ${msg.uid} exists already`, {
          details: { uid: msg.uid },
        })
      }
      return { ...msg, state: 'created' as const, createdAt }
    })
  }

  async markMessagePushed(uid: string): Promise<void> {
    await this.#q('markMessagePushed', "UPDATE messages SET state = 'pushed' WHERE uid = $1", [uid])
  }

  async listMessages(state?: StoredMessage['state']): Promise<StoredMessage[]> {
    const rows =
      state === undefined
        ? await this.#q<MessageRow>('listMessages', 'SELECT * FROM messages ORDER BY created_at, uid')
        : await this.#q<MessageRow>(
            'listMessages',
            'SELECT * FROM messages WHERE state = $1 ORDER BY created_at, uid',
            [state],
          )
    return rows.map(messageFromRow)
  }

  async listRecentMessages(limit: number): Promise<StoredMessage[]> {
    const rows = await this.#q<MessageRow>(
      'listRecentMessages',
      'SELECT * FROM messages ORDER BY created_at DESC, uid DESC LIMIT $1',
      [checkLimit(limit, 'limit', 0)],
    )
    return rows.map(messageFromRow)
  }

  async getMessage(uid: string): Promise<StoredMessage | undefined> {
    const rows = await this.#q<MessageRow>('getMessage', 'SELECT * FROM messages WHERE uid = $1', [uid])
    return rows[0] === undefined ? undefined : messageFromRow(rows[0])
  }

  addDirectPiece(piece: NewDirectPiece): Promise<DirectPieceRecord> {
    return this.#tx('addDirectPiece', (c) => pgAddDirectPiece(c, piece))
  }

  async listDirectPieces(filter?: DirectPieceFilter): Promise<DirectPieceRecord[]> {
    try {
      return await pgListDirectPieces(this.#pool, filter)
    } catch (cause) {
      throw dbError('listDirectPieces', cause)
    }
  }

  assignDirectPieces(miner: number, sector: number, ids: readonly number[]): Promise<DirectPieceRecord[]> {
    return this.#tx('assignDirectPieces', (c) => pgAssignDirectPieces(c, miner, sector, ids))
  }

  setDirectPieceState(
    ids: readonly number[],
    to: { state: DirectPieceState; reason?: string | undefined },
    from: readonly DirectPieceState[],
  ): Promise<number> {
    return this.#tx('setDirectPieceState', (c) => pgSetDirectPieceState(c, ids, to, from))
  }

  removeDirectPiece(id: number): Promise<boolean> {
    return this.#tx('removeDirectPiece', (c) => pgRemoveDirectPiece(c, id))
  }

  async listSnapCandidates(miner?: number): Promise<SnapCandidate[]> {
    try {
      return await pgListSnapCandidates(this.#pool, miner)
    } catch (cause) {
      throw dbError('listSnapCandidates', cause)
    }
  }

  putSnapCandidates(
    candidates: readonly SnapCandidate[],
    opts: { replaceMiner?: number } = {},
  ): Promise<void> {
    return this.#tx('putSnapCandidates', (c) => pgPutSnapCandidates(c, candidates, opts.replaceMiner))
  }

  removeSnapCandidate(miner: number, number: number): Promise<boolean> {
    return this.#tx('removeSnapCandidate', (c) => pgRemoveSnapCandidate(c, miner, number))
  }

  putRepairTask(task: RepairTask): Promise<{ task: RepairTask; created: boolean }> {
    return this.#tx('putRepairTask', async (c) => {
      const cur = await this.#lockRepair(c, task)
      if (cur !== undefined && (cur.state === 'queued' || cur.state === 'running'))
        return { task: cur, created: false }
      await c.query(UPSERT_REPAIR, repairRow(task))
      return { task, created: true }
    })
  }

  async #lockRepair(c: Client, key: RepairTaskKey): Promise<RepairTask | undefined> {
    const r = (
      await c.query(
        'SELECT * FROM repair_tasks WHERE kind = $1 AND miner = $2 AND number = $3 AND piece = $4 FOR UPDATE',
        [key.kind, key.id.miner, key.id.number, key.piece],
      )
    ).rows[0] as RepairRow | undefined
    return r === undefined ? undefined : repairFromRow(r)
  }

  claimRepairTask(
    kind: RepairKind,
    miners: readonly number[] | null,
    worker: string,
    now: number,
  ): Promise<RepairTask | undefined> {
    return this.#tx('claimRepairTask', async (c) => {
      // SKIP LOCKED: a task another manager is claiming right now is not waited for, nor taken twice.
      const r = (
        miners === null
          ? await c.query(
              "SELECT * FROM repair_tasks WHERE kind = $1 AND state = 'queued' ORDER BY created_at, miner, number, piece LIMIT 1 FOR UPDATE SKIP LOCKED",
              [kind],
            )
          : await c.query(
              "SELECT * FROM repair_tasks WHERE kind = $1 AND state = 'queued' AND miner = ANY($2::bigint[]) ORDER BY created_at, miner, number, piece LIMIT 1 FOR UPDATE SKIP LOCKED",
              [kind, [...miners]],
            )
      ).rows[0] as RepairRow | undefined
      if (r === undefined) return undefined
      const taken: RepairTask = { ...repairFromRow(r), state: 'running', worker, updatedAt: now }
      await c.query(UPSERT_REPAIR, repairRow(taken))
      return taken
    })
  }

  updateRepairTask(key: RepairTaskKey, mutate: RepairMutator): Promise<RepairTask> {
    return this.#tx('updateRepairTask', async (c) => {
      const cur = await this.#lockRepair(c, key)
      if (cur === undefined) throw repairNotFound(key)
      const next = mutate(cur)
      if (next === undefined) return cur
      checkRepairKey(key, next)
      await c.query(UPSERT_REPAIR, repairRow(next))
      return next
    })
  }

  async getRepairTask(key: RepairTaskKey): Promise<RepairTask | undefined> {
    const rows = await this.#q<RepairRow>(
      'getRepairTask',
      'SELECT * FROM repair_tasks WHERE kind = $1 AND miner = $2 AND number = $3 AND piece = $4',
      [key.kind, key.id.miner, key.id.number, key.piece],
    )
    return rows[0] === undefined ? undefined : repairFromRow(rows[0])
  }

  async listRepairTasks(kind?: RepairKind): Promise<RepairTask[]> {
    const rows =
      kind === undefined
        ? await this.#q<RepairRow>(
            'listRepairTasks',
            'SELECT * FROM repair_tasks ORDER BY created_at, kind, miner, number, piece',
          )
        : await this.#q<RepairRow>(
            'listRepairTasks',
            'SELECT * FROM repair_tasks WHERE kind = $1 ORDER BY created_at, miner, number, piece',
            [kind],
          )
    return rows.map(repairFromRow)
  }

  async listRecentRepairTasks(page: { limit: number; offset?: number | undefined }): Promise<RepairTask[]> {
    const rows = await this.#q<RepairRow>(
      'listRecentRepairTasks',
      'SELECT * FROM repair_tasks ORDER BY updated_at DESC, created_at DESC, kind, miner, number, piece LIMIT $1 OFFSET $2',
      [page.limit, page.offset ?? 0],
    )
    return rows.map(repairFromRow)
  }

  putSectorProblem(p: SectorProblem, max: number): Promise<void> {
    return pgProblems((op, sql, params) => this.#q(op, sql, params)).put(p, max)
  }

  removeSectorProblem(id: SectorId): Promise<void> {
    return pgProblems((op, sql, params) => this.#q(op, sql, params)).remove(id)
  }

  listSectorProblems(limit: number): Promise<SectorProblem[]> {
    return pgProblems((op, sql, params) => this.#q(op, sql, params)).list(limit)
  }

  async setPieceCopy(p: PieceCopy): Promise<void> {
    await this.#q(
      'setPieceCopy',
      'INSERT INTO piece_copies (piece, miner, number, instance, size) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (piece, miner, number) DO UPDATE SET instance = excluded.instance, size = excluded.size',
      [p.piece, p.id.miner, p.id.number, p.instance, p.size],
    )
  }

  async findPieceCopies(piece: string): Promise<PieceCopy[]> {
    const rows = await this.#q<PieceCopyRow>(
      'findPieceCopies',
      'SELECT * FROM piece_copies WHERE piece = $1 ORDER BY miner, number',
      [piece],
    )
    return rows.map(pieceCopyFromRow)
  }

  async removePieceCopy(piece: string, id: SectorId): Promise<void> {
    await this.#q(
      'removePieceCopy',
      'DELETE FROM piece_copies WHERE piece = $1 AND miner = $2 AND number = $3',
      [piece, id.miner, id.number],
    )
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}
