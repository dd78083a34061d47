/**
 * Preparing and checking the directories a worker seals into and persists to (docs/worker.md).
 *
 * A sealing store is `<dir>/` with `data/`, `meta/` and an empty marker file `.holder`. A file
 * (persist) store is `<dir>/` with `.holder` — the marker keeps a worker from writing into the
 * empty mount point when the real mount is missing. `.holder` is created exclusively, so
 * preparing twice changes nothing and says so.
 */
import { constants } from 'node:fs'
import { access, open, readdir, realpath, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { VenusError } from '../errors/index.js'
import { makeDirs } from './make-dirs.js'

/** The marker file of a prepared store. */
export const STORE_HOLDER_FILE = '.holder'

/** What {@link prepareSealingStore} and {@link prepareFileStore} did. */
export interface StorePrepareResult {
  /** Absolute path of the store. */
  location: string
  /** True when the directory was prepared already and nothing was changed. */
  alreadyPrepared: boolean
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK)
    return true
  } catch {
    return false
  }
}

function ioError(location: string, what: string, err: unknown): VenusError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error'
  return new VenusError('STORE_IO', `${location}: cannot ${what} (${code})`, {
    details: { location },
    cause: err,
  })
}

async function prepare(dir: string, subdirs: string[]): Promise<StorePrepareResult> {
  const location = resolve(dir)
  if (await exists(join(location, STORE_HOLDER_FILE))) return { location, alreadyPrepared: true }
  try {
    await makeDirs(location)
  } catch (err) {
    throw ioError(location, 'create the directory', err)
  }
  for (const sub of subdirs) {
    try {
      await makeDirs(join(location, sub))
    } catch (err) {
      throw ioError(join(location, sub), 'create the directory', err)
    }
  }
  try {
    const fh = await open(join(location, STORE_HOLDER_FILE), 'wx')
    await fh.close()
  } catch (err) {
    // Another process prepared it between our check and now: same outcome.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { location, alreadyPrepared: true }
    throw ioError(location, `create ${STORE_HOLDER_FILE}`, err)
  }
  return { location, alreadyPrepared: false }
}

/**
 * Prepares a sealing store: `<dir>/data/`, `<dir>/meta/` and the `.holder` marker.
 * Running it on a prepared directory changes nothing and returns `alreadyPrepared: true`.
 *
 * @example
 * ```ts
 * const { location, alreadyPrepared } = await prepareSealingStore('/data/local-1')
 * ```
 */
export function prepareSealingStore(dir: string): Promise<StorePrepareResult> {
  return prepare(dir, ['data', 'meta'])
}

/**
 * Prepares a file (persist) store: the directory and its `.holder` marker.
 *
 * @example
 * ```ts
 * await prepareFileStore('/mnt/persist-1')
 * ```
 */
export function prepareFileStore(dir: string): Promise<StorePrepareResult> {
  return prepare(dir, [])
}

async function assertDir(path: string, location: string, hint: string): Promise<void> {
  let ok = false
  try {
    ok = (await stat(path)).isDirectory()
  } catch {}
  if (!ok) {
    throw new VenusError(
      'STORE_NOT_INITIALIZED',
      `${location}: not a prepared store (${path} is missing); ${hint}`,
      {
        details: { location, missing: path },
      },
    )
  }
}

async function assertHolder(
  location: string,
  hint: string | ((holder: string) => Promise<string>),
): Promise<void> {
  const holder = join(location, STORE_HOLDER_FILE)
  try {
    await access(holder, constants.R_OK)
  } catch {
    const text = typeof hint === 'string' ? hint : await hint(holder)
    throw new VenusError(
      'STORE_NOT_INITIALIZED',
      `${location}: not a prepared store (${holder} is missing); ${text}`,
      {
        details: { location, missing: holder },
      },
    )
  }
}

/** The absolute path with symlinks resolved, as the original worker names its stores. */
async function canonical(location: string): Promise<string> {
  try {
    return await realpath(location)
  } catch {
    return location
  }
}

/**
 * Throws STORE_NOT_INITIALIZED unless `dir` is a prepared sealing store.
 *
 * @example
 * ```ts
 * await assertSealingStore(thread.location)
 * ```
 */
export async function assertSealingStore(dir: string): Promise<string> {
  const location = resolve(dir)
  const hint = `run \`venus-worker store seal-init -l ${location}\``
  await assertDir(location, location, hint)
  await assertHolder(location, hint)
  await assertDir(join(location, 'data'), location, hint)
  await assertDir(join(location, 'meta'), location, hint)
  return canonical(location)
}

/**
 * Throws STORE_NOT_INITIALIZED unless `dir` is a prepared file (persist) store — e.g. when
 * the mount is missing and only the empty mount point is there.
 *
 * @example
 * ```ts
 * await assertFileStore('/mnt/persist-1')
 * ```
 */
export async function assertFileStore(dir: string): Promise<string> {
  const location = resolve(dir)
  const hint = `mount it, then run \`venus-worker store file-init -l ${location}\``
  await assertDir(location, location, hint)
  await assertHolder(location, async () => {
    // The original worker's `store file-init` (v0.1.1+) only creates the directory: its persist
    // stores have sector files but no marker.
    const names = await readdir(location).catch(() => [] as string[])
    if (!names.includes('sealed') && !names.includes('cache')) return hint
    return (
      'it holds sealed/ and cache/ like a persist store of the original venus-worker, whose ' +
      '`store file-init` writes no marker: if this is the mounted store, adopt it with ' +
      `\`venus-worker store file-init -l ${location}\` (its files are kept; only ${STORE_HOLDER_FILE} is added)`
    )
  })
  return canonical(location)
}
