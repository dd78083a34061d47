/**
 * Sealing stores taken over from the original (Rust) venus-worker. It kept a thread's in-flight
 * sector in a RocksDB at `<store>/meta/`; this worker keeps it in `meta/info.json`, so on such a
 * store it would see no sector and start a new one, silently abandoning the sector the original
 * was sealing. A store whose `meta/` holds RocksDB files is therefore refused until the operator
 * decides: finish that sector with the original worker, import it with
 * `venus-worker store import-original` (the sector goes on here), or acknowledge abandoning it
 * with `venus-worker store abandon-original`. Both write a marker next to the RocksDB files and
 * keep them.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { VenusError } from '../errors/index.js'

/** Marker in `meta/` saying the operator gave up the original worker's in-flight sector. */
export const ORIGINAL_META_ABANDONED_FILE = 'original-meta-abandoned.json'

/** Marker in `meta/` saying the original worker's in-flight sector was imported into `info.json`. */
export const ORIGINAL_META_IMPORTED_FILE = 'original-meta-imported.json'

/** RocksDB's own files: how the original worker's metadata is recognised. */
function isRocksDbFile(name: string): boolean {
  return (
    name === 'CURRENT' ||
    name === 'IDENTITY' ||
    name === 'LOCK' ||
    name === 'LOG' ||
    name.startsWith('LOG.old.') ||
    name.startsWith('MANIFEST-') ||
    name.startsWith('OPTIONS-') ||
    /^\d+\.(sst|log)$/.test(name)
  )
}

/**
 * The RocksDB files of the original worker in `<location>/meta`, sorted; empty when there are
 * none (or no `meta/` at all).
 *
 * @example
 * ```ts
 * await originalWorkerMetaFiles('/data/store1') // ['000009.sst', 'CURRENT', 'MANIFEST-000005', …]
 * ```
 */
export async function originalWorkerMetaFiles(location: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(join(location, 'meta'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new VenusError(
      'STORE_IO',
      `${location}: cannot list meta/ (${(err as NodeJS.ErrnoException).code})`,
      {
        details: { location },
        cause: err,
      },
    )
  }
  return names.filter(isRocksDbFile).sort()
}

async function abandonedMarker(location: string): Promise<boolean> {
  for (const marker of [ORIGINAL_META_ABANDONED_FILE, ORIGINAL_META_IMPORTED_FILE]) {
    try {
      await readFile(join(location, 'meta', marker))
      return true
    } catch {}
  }
  return false
}

/**
 * Throws `STORE_ORIGINAL_META` when the sealing store holds the original worker's metadata and
 * the operator has not acknowledged abandoning it; the message says both ways out.
 *
 * @example
 * ```ts
 * await assertNoOriginalWorkerMeta('/data/store1')
 * ```
 */
export async function assertNoOriginalWorkerMeta(location: string): Promise<void> {
  const files = await originalWorkerMetaFiles(location)
  if (files.length === 0 || (await abandonedMarker(location))) return
  const shown = files.length > 4 ? [...files.slice(0, 4), '…'] : files
  throw new VenusError(
    'STORE_ORIGINAL_META',
    `${location} holds the original venus-worker's metadata (RocksDB in meta/: ${shown.join(', ')}); ` +
      'a sector it was sealing would be abandoned. Finish that sector with the original worker, run ' +
      `\`venus-worker store import-original -l ${location}\` to go on with it here, or ` +
      `\`venus-worker store abandon-original -l ${location}\` to give it up (the RocksDB files are kept); ` +
      'the thread starts once that is done',
    { details: { location, files } },
  )
}

/** What {@link abandonOriginalWorkerMeta} did. */
export interface AbandonOriginalResult {
  location: string
  /** The RocksDB files found (kept in place). */
  files: string[]
  /** True when the store had been acknowledged before (nothing changed). */
  alreadyAbandoned: boolean
}

/**
 * Records that the original worker's in-flight sector in this sealing store is given up, so the
 * store can be used. The RocksDB files stay where they are. Fails when there are none.
 *
 * @example
 * ```ts
 * await abandonOriginalWorkerMeta('/data/store1')
 * ```
 */
export async function abandonOriginalWorkerMeta(dir: string): Promise<AbandonOriginalResult> {
  const location = resolve(dir)
  const files = await originalWorkerMetaFiles(location)
  if (files.length === 0) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      `${location}: no metadata of the original venus-worker in meta/; nothing to abandon`,
      { details: { location } },
    )
  }
  if (await abandonedMarker(location)) return { location, files, alreadyAbandoned: true }
  const marker = join(location, 'meta', ORIGINAL_META_ABANDONED_FILE)
  try {
    await writeFile(
      marker,
      `${JSON.stringify({ abandonedAt: new Date().toISOString(), files }, null, 2)}\n`,
      {
        flag: 'wx',
      },
    )
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return { location, files, alreadyAbandoned: true }
    throw new VenusError('STORE_IO', `${location}: cannot write ${marker} (${code ?? 'error'})`, {
      details: { location },
      cause: err,
    })
  }
  return { location, files, alreadyAbandoned: false }
}
