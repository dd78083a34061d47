/**
 * `@venus-cluster/manager/sqlite`: the embedded SQLite store of the sector manager on its own
 * entry point. It needs the optional peer dependency `better-sqlite3` (`npm install
 * better-sqlite3`), loaded when a store is opened; without it `openSqliteStore` rejects with
 * `DEPENDENCY_MISSING` naming the package.
 *
 * @example
 * ```ts
 * import { openSqliteStore } from '@venus-cluster/manager/sqlite'
 * const store = await openSqliteStore({ path: '/var/lib/vsm/manager.db' })
 * ```
 *
 * @packageDocumentation
 */
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite.js'
export type { ManagerStore } from './store/types.js'
