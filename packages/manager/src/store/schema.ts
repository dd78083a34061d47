/**
 * The one SQL schema of the manager store, as ordered migrations. Each migration is written
 * once per dialect only where the two differ (integer widths, booleans); table and column
 * names are shared so both engines answer the same queries.
 */
export interface Migration {
  version: number
  name: string
  sqlite: string[]
  postgres: string[]
}

const tables = (big: string): string[] => [
  `CREATE TABLE sector_numbers (
     miner ${big} PRIMARY KEY,
     last ${big} NOT NULL
   )`,
  // online = 1 for sealing jobs in progress, 0 for finalized/aborted ones. One row per sector:
  // moving between online and offline is an UPDATE, so a record can never exist twice.
  `CREATE TABLE sectors (
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     online INTEGER NOT NULL,
     state TEXT NOT NULL,
     updated_at ${big} NOT NULL,
     PRIMARY KEY (miner, number)
   )`,
  'CREATE INDEX sectors_online ON sectors (online, miner, number)',
  `CREATE TABLE sector_index (
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     kind TEXT NOT NULL,
     sealed TEXT NOT NULL,
     cache TEXT NOT NULL,
     PRIMARY KEY (miner, number, kind)
   )`,
  `CREATE TABLE commit_queue (
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     kind TEXT NOT NULL,
     enqueued_at ${big} NOT NULL,
     PRIMARY KEY (miner, number, kind)
   )`,
  `CREATE TABLE messages (
     uid TEXT PRIMARY KEY,
     miner ${big} NOT NULL,
     kind TEXT NOT NULL,
     sectors TEXT NOT NULL,
     body TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at ${big} NOT NULL
   )`,
  'CREATE INDEX messages_state ON messages (state)',
]

/**
 * Version 2: persist stores attached through the API, space reserved in them for sectors on
 * their way there, and the dashboard's time series (bounded by a retention).
 */
const operatorTables = (big: string): string[] => [
  `CREATE TABLE persist_stores (
     name TEXT PRIMARY KEY,
     path TEXT NOT NULL,
     read_only INTEGER NOT NULL,
     strict INTEGER NOT NULL,
     weight DOUBLE PRECISION NOT NULL,
     allow_miners TEXT NOT NULL,
     deny_miners TEXT NOT NULL,
     attached_at ${big} NOT NULL
   )`,
  `CREATE TABLE store_reservations (
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     store TEXT NOT NULL,
     size ${big} NOT NULL,
     at ${big} NOT NULL,
     PRIMARY KEY (miner, number)
   )`,
  'CREATE INDEX store_reservations_store ON store_reservations (store)',
  'CREATE INDEX sector_index_sealed ON sector_index (sealed)',
  'CREATE INDEX sector_index_cache ON sector_index (cache)',
  `CREATE TABLE telemetry (
     series TEXT NOT NULL,
     at ${big} NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (series, at)
   )`,
  'CREATE INDEX telemetry_at ON telemetry (at)',
]

/**
 * Version 3: WindowPoSt across managers: deadline leases (the token fences a holder that lost
 * the lease), the submissions recorded under them before a message is pushed, and PoSt workers' jobs.
 */
const postTables = (big: string): string[] => [
  `CREATE TABLE post_leases (
     miner ${big} NOT NULL,
     deadline INTEGER NOT NULL,
     open ${big} NOT NULL,
     holder TEXT NOT NULL,
     token ${big} NOT NULL,
     acquired_at ${big} NOT NULL,
     renewed_at ${big} NOT NULL,
     expires_at ${big} NOT NULL,
     released INTEGER NOT NULL,
     takeovers INTEGER NOT NULL,
     PRIMARY KEY (miner, deadline, open)
   )`,
  'CREATE INDEX post_leases_expiry ON post_leases (expires_at)',
  `CREATE TABLE post_submissions (
     id TEXT PRIMARY KEY,
     miner ${big} NOT NULL,
     deadline INTEGER NOT NULL,
     open ${big} NOT NULL,
     parts TEXT NOT NULL,
     seq INTEGER NOT NULL,
     holder TEXT NOT NULL,
     token ${big} NOT NULL,
     state TEXT NOT NULL,
     created_at ${big} NOT NULL
   )`,
  'CREATE INDEX post_submissions_key ON post_submissions (miner, open, parts, seq)',
  `CREATE TABLE wdpost_jobs (
     id TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     miner ${big} NOT NULL,
     deadline INTEGER NOT NULL,
     open ${big} NOT NULL,
     proof_type TEXT NOT NULL,
     partitions TEXT NOT NULL,
     input TEXT NOT NULL,
     output TEXT,
     try_num INTEGER NOT NULL,
     error TEXT NOT NULL,
     worker TEXT NOT NULL,
     started_at ${big} NOT NULL,
     heartbeat_at ${big} NOT NULL,
     finished_at ${big} NOT NULL,
     created_at ${big} NOT NULL,
     updated_at ${big} NOT NULL
   )`,
  'CREATE INDEX wdpost_jobs_state ON wdpost_jobs (state, created_at)',
]

/**
 * Version 4: what lets the manager answer at a million records without reading them all. Each
 * record carries its display state (`sectorDisplayState`: the last reported state while online,
 * `Finalized` or `Aborted` offline) and the worker of its last report as columns, indexed, so
 * counts per state and per worker and pages filtered by state come from indexes; offline records
 * (which grow with history) are counted in `sector_counts`, kept in the same transaction as
 * every move offline or back; the newest records and messages page from their own indexes.
 * Existing records get both columns from their stored JSON.
 */
const scale = (big: string, json: (path: string) => string): string[] => [
  "ALTER TABLE sectors ADD COLUMN display TEXT NOT NULL DEFAULT ''",
  'ALTER TABLE sectors ADD COLUMN worker TEXT',
  `UPDATE sectors SET
     display = CASE
       WHEN online = 1 THEN COALESCE(NULLIF(${json('LatestState,StateChange,Next')}, ''), 'Allocated')
       WHEN COALESCE(${json('AbortReason')}, '') <> '' THEN 'Aborted'
       ELSE 'Finalized' END,
     worker = ${json('LatestState,Worker,Instance')}`,
  'CREATE INDEX sectors_state ON sectors (online, display, miner, number)',
  'CREATE INDEX sectors_worker ON sectors (online, worker)',
  // Covering for the newest-first lists: their columns come from the index, not the records.
  'CREATE INDEX sectors_recent ON sectors (number DESC, miner, online, display, worker)',
  `CREATE TABLE sector_counts (
     miner ${big} NOT NULL,
     display TEXT NOT NULL,
     n ${big} NOT NULL,
     PRIMARY KEY (miner, display)
   )`,
  'INSERT INTO sector_counts (miner, display, n) SELECT miner, display, COUNT(*) FROM sectors WHERE online = 0 GROUP BY miner, display',
  'CREATE INDEX messages_recent ON messages (created_at DESC, uid DESC)',
]

/**
 * Version 6: rebuild and unseal tasks (one row per kind, sector and piece; `detail` is the
 * kind's JSON), and the index of unsealed piece copies in the persist stores.
 */
const repair = (big: string): string[] => [
  `CREATE TABLE repair_tasks (
     kind TEXT NOT NULL,
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     piece TEXT NOT NULL,
     state TEXT NOT NULL,
     worker TEXT NOT NULL,
     detail TEXT NOT NULL,
     error TEXT NOT NULL,
     created_at ${big} NOT NULL,
     updated_at ${big} NOT NULL,
     PRIMARY KEY (kind, miner, number, piece)
   )`,
  'CREATE INDEX repair_tasks_state ON repair_tasks (kind, state, created_at)',
  `CREATE TABLE piece_copies (
     piece TEXT NOT NULL,
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     instance TEXT NOT NULL,
     size ${big} NOT NULL,
     PRIMARY KEY (piece, miner, number)
   )`,
]

const sqliteJson = (path: string) => `json_extract(state, '$.${path.split(',').join('.')}')`
const postgresJson = (path: string) => `(state::jsonb #>> '{${path}}')`

/**
 * Version 5: pieces given to sealing that are not market deals (direct data onboarding), queued
 * per miner. One allocation may be queued once (failed entries aside): it can be claimed only once.
 */
const directPieces = (id: string, big: string): string[] => [
  `CREATE TABLE direct_pieces (
     id ${id},
     miner ${big} NOT NULL,
     piece_cid TEXT NOT NULL,
     piece_size ${big} NOT NULL,
     payload_size ${big} NOT NULL,
     client ${big},
     allocation_id ${big},
     state TEXT NOT NULL,
     sector ${big},
     reason TEXT NOT NULL,
     created_at ${big} NOT NULL,
     updated_at ${big} NOT NULL
   )`,
  'CREATE INDEX direct_pieces_queue ON direct_pieces (miner, state, id)',
  "CREATE UNIQUE INDEX direct_pieces_allocation ON direct_pieces (client, allocation_id) WHERE allocation_id IS NOT NULL AND state <> 'failed'",
]

/**
 * Version 7: the snap-up candidate pool (CC sectors `util sealer snap fetch` found), per miner,
 * so a restarted manager hands out what the operator fetched. A row leaves the pool when a
 * snap-up takes it (one delete: two managers never take the same one).
 */
const snapCandidates = (big: string): string[] => [
  `CREATE TABLE snap_candidates (
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     sealed_cid TEXT NOT NULL,
     activation ${big} NOT NULL,
     expiration ${big} NOT NULL,
     deadline ${big} NOT NULL,
     part ${big} NOT NULL,
     added_at ${big} NOT NULL,
     PRIMARY KEY (miner, number)
   )`,
]

/**
 * Version 8: the bad sectors the poster's checks found, kept across restarts, and a recency index
 * of repair tasks (the dashboard's page of them). Independent of version 7's tables: a database may get 7 before or after this one.
 */
const sectorProblems = (big: string): string[] => [
  `CREATE TABLE sector_problems (
     miner ${big} NOT NULL,
     number ${big} NOT NULL,
     reason TEXT NOT NULL,
     action TEXT NOT NULL,
     seen_at ${big} NOT NULL,
     policy TEXT,
     PRIMARY KEY (miner, number)
   )`,
  'CREATE INDEX sector_problems_seen ON sector_problems (seen_at)',
  // The dashboard reads the most recently changed repair tasks a page at a time.
  'CREATE INDEX repair_tasks_recent ON repair_tasks (updated_at)',
]

/** All migrations, oldest first. Never edit a released one; append a new version. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sqlite: tables('INTEGER'), postgres: tables('BIGINT') },
  {
    version: 2,
    name: 'persist stores, reservations, telemetry',
    sqlite: operatorTables('INTEGER'),
    postgres: operatorTables('BIGINT'),
  },
  { version: 3, name: 'post-ha', sqlite: postTables('INTEGER'), postgres: postTables('BIGINT') },
  {
    version: 4,
    name: 'state and worker columns, offline counts, recency indexes',
    sqlite: scale('INTEGER', sqliteJson),
    postgres: scale('BIGINT', postgresJson),
  },
  {
    version: 5,
    name: 'direct pieces',
    sqlite: directPieces('INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER'),
    postgres: directPieces('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
  { version: 6, name: 'repair tasks', sqlite: repair('INTEGER'), postgres: repair('BIGINT') },
  {
    version: 7,
    name: 'snap-up candidates',
    sqlite: snapCandidates('INTEGER'),
    postgres: snapCandidates('BIGINT'),
  },
  {
    version: 8,
    name: 'sector problems, recent repair tasks',
    sqlite: sectorProblems('INTEGER'),
    postgres: sectorProblems('BIGINT'),
  },
]

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0
