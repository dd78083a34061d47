/**
 * Attached (persist) stores: the worker copies a finished sector's replica and the
 * cache files PoSt needs to a store picked at random, weighted by free space.
 */
import { copyFile, readdir, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { assertFileStore, makeDirs } from '@venus-cluster/core'
import { critical, permanent } from './failure.js'

/** One attached store as the worker uses it. */
export interface AttachedStore {
  /** The instance name shared with the manager. */
  name: string
  location: string
  readonly: boolean
}

/** Free bytes of a directory; replaceable to simulate a full disk. */
export type FreeSpaceFn = (location: string) => Promise<number>

/** `statvfs` free bytes for unprivileged users. */
export const statfsFreeSpace: FreeSpaceFn = async (location) => {
  const s = await statfs(location)
  return Number(s.bavail) * Number(s.bsize)
}

/**
 * Checks every attached store is prepared; at least one must be writable.
 *
 * @example
 * ```ts
 * await openAttachedStores(cfg.attached)
 * ```
 */
export async function openAttachedStores(stores: readonly AttachedStore[]): Promise<AttachedStore[]> {
  const out: AttachedStore[] = []
  for (const s of stores) out.push({ ...s, location: await assertFileStore(s.location) })
  if (!out.some((s) => !s.readonly)) {
    throw critical('no writable attached store is configured ([[attached]] with readonly = false)')
  }
  return out
}

/**
 * The writable stores with more free space than `needBytes`, with their free bytes (a store whose
 * space cannot be read is left out).
 *
 * @example
 * ```ts
 * const room = await storesWithRoom(stores, 2048)
 * ```
 */
export async function storesWithRoom(
  stores: readonly AttachedStore[],
  needBytes: number,
  freeSpace: FreeSpaceFn = statfsFreeSpace,
): Promise<{ s: AttachedStore; free: number }[]> {
  const out: { s: AttachedStore; free: number }[] = []
  for (const s of stores) {
    if (s.readonly) continue
    let free = 0
    try {
      free = await freeSpace(s.location)
    } catch {
      continue
    }
    if (free > needBytes) out.push({ s, free })
  }
  return out
}

/**
 * Picks a writable store with more free space than `needBytes`, at random weighted by free bytes.
 *
 * @throws SealingFailure Permanent when none has room.
 * @example
 * ```ts
 * const store = await pickPersistStore(stores, 2048)
 * ```
 */
export async function pickPersistStore(
  stores: readonly AttachedStore[],
  needBytes: number,
  freeSpace: FreeSpaceFn = statfsFreeSpace,
  random: () => number = Math.random,
): Promise<AttachedStore> {
  const candidates = await storesWithRoom(stores, needBytes, freeSpace)
  if (candidates.length === 0) {
    throw permanent(
      `no attached store has more than ${needBytes} bytes free (stores: ${stores.map((s) => s.name).join(', ')})`,
    )
  }
  const total = candidates.reduce((a, c) => a + c.free, 0)
  let r = random() * total
  for (const c of candidates) {
    r -= c.free
    if (r < 0) return c.s
  }
  return (candidates[candidates.length - 1] as { s: AttachedStore }).s
}

/** Cache files a persist store keeps: `p_aux`, `t_aux` and the tree-r-last files. */
export function isPersistedCacheFile(name: string): boolean {
  return name === 'p_aux' || name === 't_aux' || /tree-r-last/.test(name)
}

/**
 * Copies `sealed/<name>` and the persisted cache files to the store at the same relative paths.
 *
 * @throws SealingFailure Critical on any open/write failure.
 * @example
 * ```ts
 * await persistSectorFiles('/store1/data', store, 's-t01000-1')
 * ```
 */
export async function persistSectorFiles(dataDir: string, store: AttachedStore, name: string): Promise<void> {
  try {
    const cacheSrc = join(dataDir, 'cache', name)
    const cacheDst = join(store.location, 'cache', name)
    await makeDirs(join(store.location, 'sealed'))
    await makeDirs(cacheDst)
    for (const f of await readdir(cacheSrc)) {
      if (isPersistedCacheFile(f)) await copyFile(join(cacheSrc, f), join(cacheDst, f))
    }
    // The replica goes last: its presence marks a complete copy.
    await copyFile(join(dataDir, 'sealed', name), join(store.location, 'sealed', name))
  } catch (err) {
    throw critical(`copying ${name} to attached store ${store.name} failed`, err)
  }
}
