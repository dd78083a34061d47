/**
 * `@venus-cluster/manager/postgres`: the PostgreSQL store of the sector manager (shared by
 * several managers) on its own entry point. It needs the optional peer dependency `pg` (`npm
 * install pg`), loaded when a store is opened; without it `openPostgresStore` rejects with
 * `DEPENDENCY_MISSING` naming the package.
 *
 * @example
 * ```ts
 * import { openPostgresStore } from '@venus-cluster/manager/postgres'
 * const store = await openPostgresStore({ connectionString: 'postgres://vsm@127.0.0.1/vsm' })
 * ```
 *
 * @packageDocumentation
 */
export { openPostgresStore, type PostgresStoreOptions } from './store/postgres.js'
export type { ManagerStore } from './store/types.js'
