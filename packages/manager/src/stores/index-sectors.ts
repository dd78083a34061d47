/**
 * Indexing the sectors already in a persist store (`util storage attach`): every
 * `sealed/s-t0<miner>-<number>` (and with `allowSplitted`, every `cache/s-t0…` directory
 * separately) is written into the sector index under the store's name.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { SectorId } from '@venus-cluster/core'
import type { ManagerStore } from '../store/types.js'

const SECTOR_FILE = /^s-t0(\d+)-(\d+)$/

/** What {@link indexStoreSectors} found and wrote. */
export interface IndexedSectors {
  sealed: SectorId[]
  cache: SectorId[]
}

async function scan(dir: string): Promise<SectorId[]> {
  try {
    return (await readdir(dir)).flatMap((f) => {
      const m = SECTOR_FILE.exec(f)
      return m ? [{ miner: Number(m[1]), number: Number(m[2]) }] : []
    })
  } catch {
    return []
  }
}

/**
 * Writes the sectors found under `root` into the sector index as held by the store `name`.
 * Without `allowSplitted` a sector's cache is taken to be in the same store; with it, `cache/`
 * is scanned too and each part recorded where it is found.
 *
 * @example
 * ```ts
 * const { sealed } = await indexStoreSectors(store, 'ps1', '/mnt/ps1', { allowSplitted: false })
 * ```
 */
export async function indexStoreSectors(
  store: ManagerStore,
  name: string,
  root: string,
  opts: { allowSplitted: boolean },
): Promise<IndexedSectors> {
  const sealed = await scan(join(root, 'sealed'))
  const cache = opts.allowSplitted ? await scan(join(root, 'cache')) : []
  for (const id of sealed) {
    const old = await store.findLocation(id, 'normal')
    await store.setLocation(id, 'normal', {
      sealed: name,
      cache: opts.allowSplitted ? (old?.cache ?? name) : name,
    })
  }
  for (const id of cache) {
    const old = await store.findLocation(id, 'normal')
    await store.setLocation(id, 'normal', { sealed: old?.sealed ?? name, cache: name })
  }
  return { sealed, cache }
}
