export { openPostgresStore, type PostgresStoreOptions } from './postgres.js'
export { MIGRATIONS, type Migration, SCHEMA_VERSION } from './schema.js'
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js'
export type * from './types.js'
