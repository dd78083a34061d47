import { join } from 'node:path'
import { openPostgresStore } from './postgres.js'
import { openSqliteStore } from './sqlite.js'
import type { ManagerStore } from './types.js'

/**
 * Opens the store named by `db`: a `postgres://` URL, a SQLite file path, or undefined for
 * `<home>/manager.db`. The database driver is loaded only then.
 *
 * @example
 * ```ts
 * const store = await openManagerStore('postgres://vsm@db/vsm', home)
 * ```
 */
export async function openManagerStore(
  db: string | undefined,
  home: string,
  synchronous: 'full' | 'normal' = 'full',
): Promise<ManagerStore> {
  if (db?.startsWith('postgres://') || db?.startsWith('postgresql://'))
    return openPostgresStore({ connectionString: db })
  return openSqliteStore({ path: db ?? join(home, 'manager.db'), synchronous })
}
