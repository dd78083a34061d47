/**
 * The worker's home (`$VENUS_WORKER_HOME`, default `~/.venus-worker`): where it keeps its local
 * control token (`control.token`, mode 0600) and the manager's cached control key. The token
 * opens the control API to whoever can read the file — the worker host's own CLI
 * (`venus-worker worker list|pause|resume` reads it by itself) — whether or not the manager is
 * reachable, and whatever manager the worker talks to (the original one mints no tokens).
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { VenusError } from '@venus-cluster/core'

/** Environment variable naming the worker home. */
export const WORKER_HOME_ENV = 'VENUS_WORKER_HOME'

/** Environment variable that overrides the token the worker CLI sends to a control API. */
export const WORKER_CONTROL_TOKEN_ENV = 'VENUS_WORKER_CONTROL_TOKEN'

/** File name of the local control token inside the worker home. */
export const LOCAL_CONTROL_TOKEN_FILE = 'control.token'

const TOKEN = /^[0-9a-f]{64}$/

/**
 * The worker home: `$VENUS_WORKER_HOME`, else `~/.venus-worker`.
 *
 * @example
 * ```ts
 * defaultWorkerHome({}) // '/home/me/.venus-worker'
 * ```
 */
export function defaultWorkerHome(env: NodeJS.ProcessEnv = process.env): string {
  const v = env[WORKER_HOME_ENV]
  return v !== undefined && v !== '' ? v : join(homedir(), '.venus-worker')
}

/** A new local control token (32 random bytes, hex). */
export function newLocalControlToken(): string {
  return randomBytes(32).toString('hex')
}

/**
 * Reads `<home>/control.token`, creating it (0600, the home 0700) when missing; a token file
 * readable by group or others is tightened to 0600.
 *
 * @example
 * ```ts
 * const token = await loadOrCreateLocalControlToken(defaultWorkerHome())
 * ```
 */
export async function loadOrCreateLocalControlToken(home: string): Promise<string> {
  const path = join(home, LOCAL_CONTROL_TOKEN_FILE)
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (text === undefined) {
    const token = newLocalControlToken()
    await mkdir(home, { recursive: true, mode: 0o700 })
    try {
      await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' })
      return token
    } catch (err) {
      // Another worker of this home created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      text = await readFile(path, 'utf8')
    }
  }
  const token = text.trim()
  if (!TOKEN.test(token)) {
    throw new VenusError(
      'CONFIG_INVALID_VALUE',
      `${path} must hold a control token of 64 hex digits; delete it and restart the worker to get a new one`,
      { details: { file: path } },
    )
  }
  await chmod(path, 0o600)
  return token
}

/**
 * The local control token of `home` for the worker CLI, or undefined when there is none.
 *
 * @example
 * ```ts
 * const token = await readLocalControlToken(defaultWorkerHome())
 * ```
 */
export async function readLocalControlToken(home: string): Promise<string | undefined> {
  try {
    const t = (await readFile(join(home, LOCAL_CONTROL_TOKEN_FILE), 'utf8')).trim()
    return t === '' ? undefined : t
  } catch {
    return undefined
  }
}
