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

// Rebuild and unseal tasks (one row per kind, sector and piece; `detail` is the kind's JSON), and
// the index of unsealed piece copies in the persist stores.
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

/** All migrations, oldest first. Never edit a released one; append a new version. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sqlite: tables('INTEGER'), postgres: tables('BIGINT') },
  { version: 2, name: 'repair tasks', sqlite: repair('INTEGER'), postgres: repair('BIGINT') },
]

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0
