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

/** All migrations, oldest first. Never edit a released one; append a new version. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sqlite: tables('INTEGER'), postgres: tables('BIGINT') },
  {
    version: 2,
    name: 'persist stores, reservations, telemetry',
    sqlite: operatorTables('INTEGER'),
    postgres: operatorTables('BIGINT'),
  },
]

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0
