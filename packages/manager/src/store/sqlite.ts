import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { importOptional, type SectorId, VenusError } from '@venus-cluster/core'
import type Database from 'better-sqlite3'
import type { SectorProblem } from '../repair/problems.js'
import { type ManagedSector, newSector, sectorDisplayState } from '../sector.js'
import type { SnapCandidate } from '../snapup/types.js'
import { type Checkpointer, startCheckpointer } from './checkpointer.js'
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
import { sqliteDirectPieces } from './direct-sqlite.js'
import { SqlitePostStore } from './post-sqlite.js'
import type { PostStore } from './post-types.js'
import { sqliteProblems } from './problems-sql.js'
import { MIGRATIONS } from './schema.js'
import { sqliteSnapCandidates } from './snap-candidates.js'
import { openError } from './sqlite-open-error.js'
import { sqliteOperatorTables } from './sqlite-operator.js'
import { WalSyncer } from './sqlite-wal.js'
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

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; `:memory:` for tests. Its directory is created. */
  path: string
  /**
   * `full` (default): every commit fsyncs the WAL before the caller's promise resolves, so an
   * acknowledged write survives power loss. `normal`: survives a process crash (kill -9) but
   * the last commits may roll back on power loss. Writes issued in the same event-loop turn
   * share one transaction and one fsync (group commit) in both modes.
   */
  synchronous?: 'full' | 'normal'
}

interface PendingWrite {
  fn: () => unknown
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

/**
 * Opens (and migrates) the embedded SQLite store in WAL mode.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ path: `${home}/manager.db` })
 * const sector = await store.allocateSector(1000, { initNumber: 0 }, 5)
 * ```
 */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<ManagerStore> {
  // The driver is an optional peer dependency, loaded on first use: importing the manager
  // must not need it (or pg) installed.
  const { default: Driver } = await importOptional('better-sqlite3', () => import('better-sqlite3'), {
    feature: 'the SQLite store of the sector manager',
  })
  if (opts.path !== ':memory:') {
    try {
      mkdirSync(dirname(opts.path), { recursive: true })
    } catch (cause) {
      throw openError(opts.path, cause, true)
    }
  }
  let db: Database.Database | undefined
  try {
    db = new Driver(opts.path)
    db.pragma('journal_mode = WAL')
    // `full` on a file: SQLite commits as NORMAL (no fsync on the event loop) and the store
    // fdatasyncs the WAL on libuv's thread pool before acknowledging (see WalSyncer).
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    // Checkpoints run in a worker thread (see checkpointer.ts) so their fsyncs do not stall
    // the event loop; in-memory databases have no WAL.
    if (opts.path !== ':memory:') db.pragma('wal_autocheckpoint = 0')
    db.pragma('foreign_keys = ON')
    migrate(db)
  } catch (cause) {
    db?.close()
    throw openError(opts.path, cause)
  }
  const cp = opts.path === ':memory:' ? undefined : startCheckpointer(opts.path, 1000)
  const full = opts.synchronous !== 'normal' && opts.path !== ':memory:'
  return new SqliteStore(db, cp, full ? new WalSyncer(`${opts.path}-wal`) : undefined)
}

function migrate(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  )
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  )
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue
    db.transaction(() => {
      for (const sql of m.sqlite) db.exec(sql)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      )
    }).immediate()
  }
}

type Statements = ReturnType<typeof prepare>

/** A {@link SectorSummary} from the columns and four fields of the record (parsed by SQLite). */
const SUMMARY = `SELECT miner, number, online, display, worker,
  json_extract(state, '$.LatestState.StateChange.Event') AS event,
  json_extract(state, '$.LatestState.Failure.Level') AS failure_level,
  json_extract(state, '$.LatestState.Failure.Desc') AS failure_desc,
  json_extract(state, '$.AbortReason') AS abort_reason
  FROM sectors`

function prepare(db: Database.Database) {
  return {
    lastNumber: db.prepare('SELECT last FROM sector_numbers WHERE miner = ?'),
    setNumber: db.prepare(
      'INSERT INTO sector_numbers (miner, last) VALUES (?, ?) ON CONFLICT (miner) DO UPDATE SET last = excluded.last',
    ),
    sectorExists: db.prepare('SELECT 1 FROM sectors WHERE miner = ? AND number = ?'),
    insertSector: db.prepare(
      'INSERT INTO sectors (miner, number, online, state, updated_at, display, worker) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    raiseNumber: db.prepare(
      'INSERT INTO sector_numbers (miner, last) VALUES (?, ?) ON CONFLICT (miner) DO UPDATE SET last = MAX(last, excluded.last)',
    ),
    getSector: db.prepare('SELECT state, online FROM sectors WHERE miner = ? AND number = ?'),
    getOnline: db.prepare('SELECT state FROM sectors WHERE miner = ? AND number = ? AND online = ?'),
    setState: db.prepare(
      'UPDATE sectors SET state = ?, online = ?, updated_at = ?, display = ?, worker = ? WHERE miner = ? AND number = ?',
    ),
    list: db.prepare('SELECT state FROM sectors WHERE online = ? ORDER BY miner, number'),
    // Pages: (online, miner, number) and (online, display, miner, number) are indexes.
    pageFirst: db.prepare('SELECT state FROM sectors WHERE online = ? ORDER BY miner, number LIMIT ?'),
    pageAfter: db.prepare(
      'SELECT state FROM sectors WHERE online = ? AND (miner, number) > (?, ?) ORDER BY miner, number LIMIT ?',
    ),
    pageStateFirst: db.prepare(
      'SELECT state FROM sectors WHERE online = ? AND display = ? ORDER BY miner, number LIMIT ?',
    ),
    pageStateAfter: db.prepare(
      'SELECT state FROM sectors WHERE online = ? AND display = ? AND (miner, number) > (?, ?) ORDER BY miner, number LIMIT ?',
    ),
    recent: db.prepare(`${SUMMARY} ORDER BY number DESC, miner LIMIT ? OFFSET ?`),
    recentBefore: db.prepare(
      `${SUMMARY} WHERE number < ? OR (number = ? AND miner > ?) ORDER BY number DESC, miner LIMIT ? OFFSET ?`,
    ),
    countOnline: db.prepare(
      'SELECT miner, display, COUNT(*) AS n FROM sectors WHERE online = 1 GROUP BY display, miner',
    ),
    countOffline: db.prepare('SELECT miner, display, n FROM sector_counts WHERE n > 0'),
    addCount: db.prepare(
      'INSERT INTO sector_counts (miner, display, n) VALUES (?, ?, ?) ON CONFLICT (miner, display) DO UPDATE SET n = n + excluded.n',
    ),
    countWorkers: db.prepare(
      'SELECT worker, COUNT(*) AS n FROM sectors WHERE online = 1 AND worker IS NOT NULL GROUP BY worker',
    ),
    enqueue: db.prepare(
      'INSERT INTO commit_queue (miner, number, kind, enqueued_at) VALUES (?, ?, ?, ?) ON CONFLICT (miner, number, kind) DO UPDATE SET enqueued_at = excluded.enqueued_at',
    ),
    dequeueAll: db.prepare('DELETE FROM commit_queue WHERE miner = ? AND number = ?'),
    dequeueOne: db.prepare('DELETE FROM commit_queue WHERE miner = ? AND number = ? AND kind = ?'),
    queueAll: db.prepare(
      'SELECT miner, number, kind, enqueued_at FROM commit_queue WHERE kind = ? ORDER BY enqueued_at, miner, number LIMIT ?',
    ),
    queueMiner: db.prepare(
      'SELECT miner, number, kind, enqueued_at FROM commit_queue WHERE kind = ? AND miner = ? ORDER BY enqueued_at, number LIMIT ?',
    ),
    queueCount: db.prepare('SELECT COUNT(*) AS n FROM commit_queue WHERE kind = ?'),
    setLoc: db.prepare(
      'INSERT INTO sector_index (miner, number, kind, sealed, cache) VALUES (?, ?, ?, ?, ?) ON CONFLICT (miner, number, kind) DO UPDATE SET sealed = excluded.sealed, cache = excluded.cache',
    ),
    getLoc: db.prepare('SELECT sealed, cache FROM sector_index WHERE miner = ? AND number = ? AND kind = ?'),
    delLoc: db.prepare('DELETE FROM sector_index WHERE miner = ? AND number = ? AND kind = ?'),
    msgExists: db.prepare('SELECT 1 FROM messages WHERE uid = ?'),
    insertMsg: db.prepare(
      'INSERT INTO messages (uid, miner, kind, sectors, body, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    pushed: db.prepare("UPDATE messages SET state = 'pushed' WHERE uid = ?"),
    msgsAll: db.prepare('SELECT * FROM messages ORDER BY created_at, uid'),
    msgsState: db.prepare('SELECT * FROM messages WHERE state = ? ORDER BY created_at, uid'),
    msgsRecent: db.prepare('SELECT * FROM messages ORDER BY created_at DESC, uid DESC LIMIT ?'),
    msg: db.prepare('SELECT * FROM messages WHERE uid = ?'),
    version: db.prepare('SELECT MAX(version) AS v FROM schema_migrations'),
    getRepair: db.prepare(
      'SELECT * FROM repair_tasks WHERE kind = ? AND miner = ? AND number = ? AND piece = ?',
    ),
    putRepair: db.prepare(
      'INSERT OR REPLACE INTO repair_tasks (kind, miner, number, piece, state, worker, detail, error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    queuedRepairs: db.prepare(
      "SELECT * FROM repair_tasks WHERE kind = ? AND state = 'queued' ORDER BY created_at, miner, number, piece",
    ),
    repairsAll: db.prepare('SELECT * FROM repair_tasks ORDER BY created_at, kind, miner, number, piece'),
    repairsRecent: db.prepare(
      'SELECT * FROM repair_tasks ORDER BY updated_at DESC, created_at DESC, kind, miner, number, piece LIMIT ? OFFSET ?',
    ),
    repairsKind: db.prepare(
      'SELECT * FROM repair_tasks WHERE kind = ? ORDER BY created_at, miner, number, piece',
    ),
    setCopy: db.prepare(
      'INSERT OR REPLACE INTO piece_copies (piece, miner, number, instance, size) VALUES (?, ?, ?, ?, ?)',
    ),
    copies: db.prepare('SELECT * FROM piece_copies WHERE piece = ? ORDER BY miner, number'),
    delCopy: db.prepare('DELETE FROM piece_copies WHERE piece = ? AND miner = ? AND number = ?'),
  }
}

class SqliteStore implements ManagerStore {
  readonly engine = 'sqlite' as const
  #db: Database.Database
  #pending: PendingWrite[] = []
  #scheduled = false
  #closed = false
  #st: Statements
  #direct: ReturnType<typeof sqliteDirectPieces>
  #snap: ReturnType<typeof sqliteSnapCandidates>
  #problems: ReturnType<typeof sqliteProblems>
  /** Leases, submissions and PoSt jobs (see `post-sqlite.ts`). */
  readonly post: PostStore
  #ops: ReturnType<typeof sqliteOperatorTables>

  #checkpointer: Checkpointer | undefined

  #wal: WalSyncer | undefined
  #syncing = 0

  constructor(db: Database.Database, checkpointer?: Checkpointer, wal?: WalSyncer) {
    this.#db = db
    this.#checkpointer = checkpointer
    this.#wal = wal
    this.#st = prepare(db)
    this.#direct = sqliteDirectPieces(db)
    this.#snap = sqliteSnapCandidates(db)
    this.#problems = sqliteProblems(db)
    this.post = new SqlitePostStore(
      db,
      (fn) => this.#write(fn),
      (op, fn) => this.#read(op, fn),
    )
    this.#ops = sqliteOperatorTables(db)
  }

  /**
   * Group commit: writes queued in one event-loop turn run in one IMMEDIATE transaction, each
   * inside its own savepoint so one failing write does not undo the others. Promises settle
   * only after COMMIT returned, i.e. after the fsync that `synchronous` asks for.
   */
  #write<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new VenusError('STORE_DB', 'manager database is closed'))
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, resolve: resolve as (v: unknown) => void, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    const batch = this.#pending
    this.#pending = []
    this.#scheduled = false
    const outcomes: ({ ok: true; v: unknown } | { ok: false; e: unknown })[] = []
    try {
      this.#db
        .transaction(() => {
          for (const w of batch) {
            try {
              outcomes.push({ ok: true, v: this.#db.transaction(w.fn)() })
            } catch (e) {
              outcomes.push({ ok: false, e })
            }
          }
        })
        .immediate()
    } catch (cause) {
      for (const w of batch) w.reject(dbError('commit', cause))
      return
    }
    const settle = () =>
      batch.forEach((w, i) => {
        const o = outcomes[i]
        if (o === undefined) w.reject(new VenusError('INTERNAL', 'lost a write outcome'))
        else if (o.ok) w.resolve(o.v)
        else w.reject(dbError('write', o.e))
      })
    if (this.#wal === undefined) {
      settle()
      return
    }
    // Acknowledge only once the committed WAL frames are on disk; the fsync runs off the loop.
    this.#syncing++
    this.#wal
      .sync()
      .then(settle, (cause) => {
        for (const w of batch) w.reject(dbError('fsync of the WAL', cause))
      })
      .finally(() => this.#syncing--)
  }

  #read<T>(op: string, fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new VenusError('STORE_DB', 'manager database is closed'))
    try {
      return Promise.resolve(fn())
    } catch (cause) {
      return Promise.reject(dbError(op, cause))
    }
  }

  async schemaVersion(): Promise<number> {
    return this.#read('schemaVersion', () => (this.#st.version.get() as { v: number }).v)
  }

  allocateSector(miner: number, opts: AllocateOptions, proofType: number): Promise<ManagedSector | null> {
    return this.#write(() => {
      const row = this.#st.lastNumber.get(miner) as { last: number } | undefined
      let next = (row?.last ?? opts.initNumber) + 1
      for (let i = 0; i < MAX_ALLOCATION_SKIPS; i++, next++) {
        if (opts.maxNumber !== undefined && next > opts.maxNumber) {
          if (i > 0) this.#st.setNumber.run(miner, next - 1)
          return null
        }
        if (this.#st.sectorExists.get(miner, next) !== undefined) continue
        this.#st.setNumber.run(miner, next)
        const state = newSector({ miner, number: next }, proofType, opts.allocatedAt)
        this.#st.insertSector.run(miner, next, 1, stateText(state), Date.now(), 'Allocated', null)
        return state
      }
      throw new VenusError(
        'ALLOCATION_EXHAUSTED',
        `miner ${miner}: ${MAX_ALLOCATION_SKIPS} numbers in a row already have records`,
      )
    })
  }

  createSector(sector: ManagedSector, opts: CreateSectorOptions = {}): Promise<ManagedSector> {
    return this.#write(() => {
      const { miner, number } = sector.id
      if (this.#st.sectorExists.get(miner, number) !== undefined) throw alreadyExists(sector.id)
      const online = opts.offline !== true
      const display = sectorDisplayState(sector, online)
      this.#st.insertSector.run(
        miner,
        number,
        online ? 1 : 0,
        stateText(sector),
        Date.now(),
        display,
        workerOf(sector),
      )
      // Offline records are counted as they arrive, like every move offline.
      if (!online) this.#st.addCount.run(miner, display, 1)
      return sector
    })
  }

  raiseLastNumber(miner: number, number: number): Promise<number> {
    return this.#write(() => {
      this.#st.raiseNumber.run(miner, number)
      return (this.#st.lastNumber.get(miner) as { last: number }).last
    })
  }

  lastNumber(miner: number): Promise<number | undefined> {
    return this.#read(
      'lastNumber',
      () => (this.#st.lastNumber.get(miner) as { last: number } | undefined)?.last,
    )
  }

  getSector(id: SectorId): Promise<{ state: ManagedSector; online: boolean } | undefined> {
    return this.#read('getSector', () => {
      const r = this.#st.getSector.get(id.miner, id.number) as { state: string; online: number } | undefined
      return r === undefined ? undefined : { state: parseState(r.state), online: r.online === 1 }
    })
  }

  listSectors(online: boolean): Promise<ManagedSector[]> {
    return this.#read('listSectors', () =>
      (this.#st.list.all(online ? 1 : 0) as { state: string }[]).map((r) => parseState(r.state)),
    )
  }

  listSectorsPage(online: boolean, page: SectorPage): Promise<ManagedSector[]> {
    return this.#read('listSectorsPage', () => {
      const { after, limit, state } = checkSectorPage(page)
      const on = online ? 1 : 0
      const rows = (
        state === undefined
          ? after === undefined
            ? this.#st.pageFirst.all(on, limit)
            : this.#st.pageAfter.all(on, after.miner, after.number, limit)
          : after === undefined
            ? this.#st.pageStateFirst.all(on, state, limit)
            : this.#st.pageStateAfter.all(on, state, after.miner, after.number, limit)
      ) as { state: string }[]
      return rows.map((r) => parseState(r.state))
    })
  }

  listRecentSectors(page: RecentSectorsPage): Promise<SectorSummary[]> {
    return this.#read('listRecentSectors', () => {
      const limit = checkLimit(page.limit, 'limit')
      const offset =
        page.offset === undefined ? 0 : checkLimit(page.offset, 'offset', 0, Number.MAX_SAFE_INTEGER)
      const b = page.before
      const rows = (
        b === undefined
          ? this.#st.recent.all(limit, offset)
          : this.#st.recentBefore.all(b.number, b.number, b.miner, limit, offset)
      ) as SummaryRow[]
      return rows.map(summaryFromRow)
    })
  }

  countSectors(): Promise<SectorStateCount[]> {
    return this.#read('countSectors', () => {
      type Row = { miner: number; display: string; n: number }
      const out: SectorStateCount[] = []
      for (const r of this.#st.countOnline.all() as Row[])
        out.push({ miner: r.miner, online: true, state: r.display, count: r.n })
      for (const r of this.#st.countOffline.all() as Row[])
        out.push({ miner: r.miner, online: false, state: r.display, count: r.n })
      return out
    })
  }

  countSectorsByWorker(): Promise<Map<string, number>> {
    return this.#read('countSectorsByWorker', () => {
      const rows = this.#st.countWorkers.all() as { worker: string; n: number }[]
      return new Map(rows.map((r) => [r.worker, r.n]))
    })
  }

  #mutate(
    id: SectorId,
    fromOnline: 0 | 1,
    toOnline: 0 | 1,
    mutate: SectorMutator,
    where: string,
  ): ManagedSector {
    const r = this.#st.getOnline.get(id.miner, id.number, fromOnline) as { state: string } | undefined
    if (r === undefined) throw notFound(id, where)
    const cur = parseState(r.state)
    const next = mutate(cur)
    if (next === undefined && fromOnline === toOnline) return cur
    const out = next ?? cur
    checkStateId(id, out)
    const display = sectorDisplayState(out, toOnline === 1)
    this.#st.setState.run(stateText(out), toOnline, Date.now(), display, workerOf(out), id.miner, id.number)
    // Offline records are counted as they move (they grow with history; online ones do not).
    if (fromOnline === 0) this.#st.addCount.run(id.miner, sectorDisplayState(cur, false), -1)
    if (toOnline === 0) this.#st.addCount.run(id.miner, display, 1)
    return out
  }

  updateSector(id: SectorId, mutate: SectorMutator, effects: UpdateEffects = {}): Promise<ManagedSector> {
    return this.#write(() => {
      const out = this.#mutate(id, 1, 1, mutate, 'online')
      if (effects.dequeue) this.#st.dequeueAll.run(id.miner, id.number)
      if (effects.enqueue !== undefined)
        this.#st.enqueue.run(id.miner, id.number, effects.enqueue, Date.now())
      return out
    })
  }

  finalizeSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector> {
    return this.#write(() => {
      const out = this.#mutate(id, 1, 0, mutate, 'online')
      this.#st.dequeueAll.run(id.miner, id.number)
      return out
    })
  }

  restoreSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector> {
    return this.#write(() => this.#mutate(id, 0, 1, mutate, 'offline'))
  }

  updateOfflineSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector> {
    return this.#write(() => this.#mutate(id, 0, 0, mutate, 'offline'))
  }

  setLocation(id: SectorId, kind: IndexKind, loc: SectorLocation): Promise<void> {
    return this.#write(() => {
      this.#st.setLoc.run(id.miner, id.number, kind, loc.sealed, loc.cache)
    })
  }

  removeLocation(id: SectorId, kind: IndexKind): Promise<void> {
    return this.#write(() => {
      this.#st.delLoc.run(id.miner, id.number, kind)
    })
  }

  findLocation(id: SectorId, kind: IndexKind): Promise<SectorLocation | undefined> {
    return this.#read(
      'findLocation',
      () => this.#st.getLoc.get(id.miner, id.number, kind) as SectorLocation | undefined,
    )
  }

  listQueue(kind: CommitKind, miner?: number, limit?: number): Promise<QueuedCommit[]> {
    return this.#read('listQueue', () => {
      // SQLite reads LIMIT -1 as no limit.
      const n = limit === undefined ? -1 : checkLimit(limit, 'limit', 0)
      const rows = (
        miner === undefined ? this.#st.queueAll.all(kind, n) : this.#st.queueMiner.all(kind, miner, n)
      ) as {
        miner: number
        number: number
        kind: CommitKind
        enqueued_at: number
      }[]
      return rows.map((r) => ({ miner: r.miner, number: r.number, kind: r.kind, enqueuedAt: r.enqueued_at }))
    })
  }

  countQueue(kind: CommitKind): Promise<number> {
    return this.#read('countQueue', () => (this.#st.queueCount.get(kind) as { n: number }).n)
  }

  claimMessage(msg: Omit<StoredMessage, 'state' | 'createdAt'>, mark: SectorMutator): Promise<StoredMessage> {
    return this.#write(() => {
      if (this.#st.msgExists.get(msg.uid) !== undefined) {
        throw new VenusError('ALREADY_EXISTS', `message ${msg.uid} exists already`, {
          details: { uid: msg.uid },
        })
      }
      for (const n of msg.sectors) {
        const res = this.#st.dequeueOne.run(msg.miner, n, msg.kind)
        if (res.changes !== 1) {
          throw new VenusError(
            'ALREADY_EXISTS',
            `sector m-${msg.miner}-n-${n} is not queued for ${msg.kind} any more`,
            {
              details: { miner: msg.miner, number: n, kind: msg.kind },
            },
          )
        }
        this.#mutate({ miner: msg.miner, number: n }, 1, 1, mark, 'online')
      }
      const createdAt = Date.now()
      this.#st.insertMsg.run(
        msg.uid,
        msg.miner,
        msg.kind,
        JSON.stringify(msg.sectors),
        JSON.stringify(msg.body),
        'created',
        createdAt,
      )
      return { ...msg, state: 'created' as const, createdAt }
    })
  }

  markMessagePushed(uid: string): Promise<void> {
    return this.#write(() => {
      this.#st.pushed.run(uid)
    })
  }

  listMessages(state?: StoredMessage['state']): Promise<StoredMessage[]> {
    return this.#read('listMessages', () =>
      ((state === undefined ? this.#st.msgsAll.all() : this.#st.msgsState.all(state)) as MessageRow[]).map(
        messageFromRow,
      ),
    )
  }

  listRecentMessages(limit: number): Promise<StoredMessage[]> {
    return this.#read('listRecentMessages', () =>
      (this.#st.msgsRecent.all(checkLimit(limit, 'limit', 0)) as MessageRow[]).map(messageFromRow),
    )
  }

  getMessage(uid: string): Promise<StoredMessage | undefined> {
    return this.#read('getMessage', () => {
      const r = this.#st.msg.get(uid) as MessageRow | undefined
      return r === undefined ? undefined : messageFromRow(r)
    })
  }

  addDirectPiece(piece: NewDirectPiece): Promise<DirectPieceRecord> {
    return this.#write(() => this.#direct.add(piece))
  }

  listDirectPieces(filter?: DirectPieceFilter): Promise<DirectPieceRecord[]> {
    return this.#read('listDirectPieces', () => this.#direct.list(filter))
  }

  assignDirectPieces(miner: number, sector: number, ids: readonly number[]): Promise<DirectPieceRecord[]> {
    return this.#write(() => this.#direct.assign(miner, sector, ids))
  }

  setDirectPieceState(
    ids: readonly number[],
    to: { state: DirectPieceState; reason?: string | undefined },
    from: readonly DirectPieceState[],
  ): Promise<number> {
    return this.#write(() => this.#direct.setState(ids, to, from))
  }

  removeDirectPiece(id: number): Promise<boolean> {
    return this.#write(() => this.#direct.remove(id))
  }

  listSnapCandidates(miner?: number): Promise<SnapCandidate[]> {
    return this.#read('listSnapCandidates', () => this.#snap.list(miner))
  }

  putSnapCandidates(
    candidates: readonly SnapCandidate[],
    opts: { replaceMiner?: number } = {},
  ): Promise<void> {
    return this.#write(() => this.#snap.put(candidates, opts.replaceMiner))
  }

  removeSnapCandidate(miner: number, number: number): Promise<boolean> {
    return this.#write(() => this.#snap.remove(miner, number))
  }

  #repair(key: RepairTaskKey): RepairTask | undefined {
    const r = this.#st.getRepair.get(key.kind, key.id.miner, key.id.number, key.piece) as
      | RepairRow
      | undefined
    return r === undefined ? undefined : repairFromRow(r)
  }

  putRepairTask(task: RepairTask): Promise<{ task: RepairTask; created: boolean }> {
    return this.#write(() => {
      const cur = this.#repair(task)
      if (cur !== undefined && (cur.state === 'queued' || cur.state === 'running'))
        return { task: cur, created: false }
      this.#st.putRepair.run(...repairRow(task))
      return { task, created: true }
    })
  }

  claimRepairTask(
    kind: RepairKind,
    miners: readonly number[] | null,
    worker: string,
    now: number,
  ): Promise<RepairTask | undefined> {
    return this.#write(() => {
      for (const r of this.#st.queuedRepairs.all(kind) as RepairRow[]) {
        const t = repairFromRow(r)
        if (miners !== null && !miners.includes(t.id.miner)) continue
        const taken: RepairTask = { ...t, state: 'running', worker, updatedAt: now }
        this.#st.putRepair.run(...repairRow(taken))
        return taken
      }
      return undefined
    })
  }

  updateRepairTask(key: RepairTaskKey, mutate: RepairMutator): Promise<RepairTask> {
    return this.#write(() => {
      const cur = this.#repair(key)
      if (cur === undefined) throw repairNotFound(key)
      const next = mutate(cur)
      if (next === undefined) return cur
      checkRepairKey(key, next)
      this.#st.putRepair.run(...repairRow(next))
      return next
    })
  }

  getRepairTask(key: RepairTaskKey): Promise<RepairTask | undefined> {
    return this.#read('getRepairTask', () => this.#repair(key))
  }

  listRepairTasks(kind?: RepairKind): Promise<RepairTask[]> {
    return this.#read('listRepairTasks', () =>
      ((kind === undefined ? this.#st.repairsAll.all() : this.#st.repairsKind.all(kind)) as RepairRow[]).map(
        repairFromRow,
      ),
    )
  }

  listRecentRepairTasks(page: { limit: number; offset?: number | undefined }): Promise<RepairTask[]> {
    return this.#read('listRecentRepairTasks', () =>
      (this.#st.repairsRecent.all(page.limit, page.offset ?? 0) as RepairRow[]).map(repairFromRow),
    )
  }

  putSectorProblem(p: SectorProblem, max: number): Promise<void> {
    return this.#write(() => this.#problems.put(p, max))
  }

  removeSectorProblem(id: SectorId): Promise<void> {
    return this.#write(() => this.#problems.remove(id))
  }

  listSectorProblems(limit: number): Promise<SectorProblem[]> {
    return this.#read('listSectorProblems', () => this.#problems.list(limit))
  }

  setPieceCopy(c: PieceCopy): Promise<void> {
    return this.#write(() => {
      this.#st.setCopy.run(c.piece, c.id.miner, c.id.number, c.instance, c.size)
    })
  }

  findPieceCopies(piece: string): Promise<PieceCopy[]> {
    return this.#read('findPieceCopies', () =>
      (this.#st.copies.all(piece) as PieceCopyRow[]).map(pieceCopyFromRow),
    )
  }

  removePieceCopy(piece: string, id: SectorId): Promise<void> {
    return this.#write(() => {
      this.#st.delCopy.run(piece, id.miner, id.number)
    })
  }

  listPersistStores(): Promise<PersistStoreRecord[]> {
    return this.#read('listPersistStores', () => this.#ops.listPersistStores())
  }

  putPersistStore(store: PersistStoreRecord): Promise<void> {
    return this.#write(() => this.#ops.putPersistStore(store))
  }

  deletePersistStore(name: string): Promise<boolean> {
    return this.#write(() => this.#ops.deletePersistStore(name))
  }

  listLocationsIn(store: string): Promise<{ id: SectorId; kind: IndexKind }[]> {
    return this.#read('listLocationsIn', () => this.#ops.listLocationsIn(store))
  }

  listReservations(store?: string): Promise<StoreReservation[]> {
    return this.#read('listReservations', () => this.#ops.listReservations(store))
  }

  reserveSpace(r: StoreReservation, capacity: number): Promise<StoreReservation | undefined> {
    return this.#write(() => this.#ops.reserveSpace(r, capacity))
  }

  releaseReservation(id: SectorId): Promise<StoreReservation | undefined> {
    return this.#write(() => this.#ops.releaseReservation(id))
  }

  appendSamples(samples: readonly TelemetrySample[], keepSince: number): Promise<void> {
    return this.#write(() => this.#ops.appendSamples(samples, keepSince))
  }

  listSamples(series: string, since: number, limit?: number): Promise<TelemetrySample[]> {
    return this.#read('listSamples', () => this.#ops.listSamples(series, since, limit))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    // Let writes already queued commit before closing.
    while (this.#scheduled || this.#pending.length > 0 || this.#syncing > 0)
      await new Promise((r) => setImmediate(r))
    this.#closed = true
    await this.#wal?.close()
    await this.#checkpointer?.stop()
    this.#db.close()
  }
}
