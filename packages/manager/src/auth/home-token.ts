/** The manager home's token files: `token.secret` (the JWT key) and `token` (an admin token). */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  createTokenAuthority,
  loadOrCreateTokenSecret,
  SECTOR_MANAGER_TOKEN_ENV,
  TOKEN_SECRET_FILE,
  type TokenAuthority,
} from '@venus-cluster/core/auth'

/** File in the manager home holding an admin token for local CLIs (like `~/.lotus/token`). */
export const MANAGER_TOKEN_FILE = 'token'

/**
 * The home's token authority, creating `token.secret` (0600) and the admin `token` file on
 * first use.
 *
 * @example
 * ```ts
 * const auth = await managerTokenAuthority(home)
 * console.log(await auth.issue('sign'))
 * ```
 */
export async function managerTokenAuthority(home: string): Promise<TokenAuthority> {
  const auth = createTokenAuthority(await loadOrCreateTokenSecret(join(home, TOKEN_SECRET_FILE)))
  const file = join(home, MANAGER_TOKEN_FILE)
  let current: string | undefined
  try {
    current = (await readFile(file, 'utf8')).trim()
  } catch {}
  const valid =
    current !== undefined &&
    (await auth.verify(current).then(
      () => true,
      () => false,
    ))
  if (!valid) await writeFile(file, `${await auth.issue('admin')}\n`, { mode: 0o600 })
  return auth
}

/**
 * The token a client of the manager sends: `VENUS_SECTOR_MANAGER_TOKEN`, else the home's
 * `token` file, else undefined.
 *
 * @example
 * ```ts
 * const token = await managerClientToken(home)
 * ```
 */
export async function managerClientToken(
  home: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const fromEnv = env[SECTOR_MANAGER_TOKEN_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (home === undefined) return undefined
  try {
    const t = (await readFile(join(home, MANAGER_TOKEN_FILE), 'utf8')).trim()
    return t === '' ? undefined : t
  } catch {
    return undefined
  }
}
