/** The token secret file of a daemon home (`<home>/token.secret`, mode 0600). */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { VenusError } from '../errors/index.js'

/** File name of the token secret inside a daemon home. */
export const TOKEN_SECRET_FILE = 'token.secret'

/**
 * Reads the hex secret at `path`, creating a random one (mode 0600) when the file is missing.
 * A secret file readable by group or others is tightened to 0600.
 *
 * @example
 * ```ts
 * const secret = await loadOrCreateTokenSecret(join(home, TOKEN_SECRET_FILE))
 * ```
 */
export async function loadOrCreateTokenSecret(path: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const secret = randomBytes(32)
    await mkdir(dirname(path), { recursive: true })
    try {
      await writeFile(path, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
      return new Uint8Array(secret)
    } catch (e) {
      // Another process created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      text = await readFile(path, 'utf8')
    }
  }
  const hex = text.trim()
  if (!/^(?:[0-9a-f]{2}){16,}$/i.test(hex)) {
    throw new VenusError('CONFIG_INVALID_VALUE', `${path} must hold a hex secret of at least 16 bytes`)
  }
  await chmod(path, 0o600)
  return new Uint8Array(Buffer.from(hex, 'hex'))
}
