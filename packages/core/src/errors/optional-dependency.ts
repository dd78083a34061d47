import { VenusError } from './base.js'
import type { ErrorCode } from './codes.js'

/** Options of {@link importOptional}. */
export interface ImportOptionalOptions {
  /** What needs the package, for the message: `'the SQLite store'`. */
  feature: string
  /** Code of the error when the package is missing (default `DEPENDENCY_MISSING`). */
  code?: ErrorCode
  /** Extra advice appended to the message, e.g. another way to go without the package. */
  hint?: string
}

/**
 * Loads an optional package (an optional peer dependency) on first use, and turns "not
 * installed" into a typed error that names the package to install. Other load failures (the
 * package is there but broken) are rethrown unchanged.
 *
 * `load` must be written in the package that declares the dependency (`() => import('pg')`), so
 * that Node resolves the name from that package's folder, not from core's.
 *
 * @example
 * ```ts
 * const pg = await importOptional('pg', () => import('pg'), { feature: 'the PostgreSQL store' })
 * // without pg installed: VenusError DEPENDENCY_MISSING
 * //   "the PostgreSQL store needs the package pg, which is not installed: npm install pg"
 * ```
 */
export async function importOptional<T>(
  packageName: string,
  load: () => Promise<T>,
  options: ImportOptionalOptions,
): Promise<T> {
  try {
    return await load()
  } catch (cause) {
    if (!isPackageMissing(cause, packageName)) throw cause
    const hint = options.hint === undefined ? '' : `; ${options.hint}`
    throw new VenusError(
      options.code ?? 'DEPENDENCY_MISSING',
      `${options.feature} needs the package ${packageName}, which is not installed: npm install ${packageName}${hint}`,
      { cause, details: { package: packageName } },
    )
  }
}

/** Whether `err` says that `packageName` itself (not one of its own imports) cannot be found. */
function isPackageMissing(err: unknown, packageName: string): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { code, message } = err as { code?: unknown; message?: unknown }
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  if (typeof message !== 'string') return false
  // ESM: "Cannot find package 'pg' imported from …"; CommonJS: "Cannot find module 'pg'".
  return message.includes(`'${packageName}'`)
}
