import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { sectorName } from '@venus-cluster/core'

/** Where a sector's sealed file and cache directory live. */
export interface SectorFiles {
  sealedPath: string
  cacheDir: string
}

/** Finds a sector's files (the manager's sector index, or a fixed layout). */
export type SectorLocator = (minerId: number, sectorNumber: number) => Promise<SectorFiles | undefined>

/**
 * A locator for the persist-store layout `<root>/sealed/s-t0<miner>-<n>` and
 * `<root>/cache/s-t0<miner>-<n>` (the first root holding the sealed file wins is not checked:
 * the first root is used).
 *
 * @example
 * ```ts
 * const locate = dirLocator('/mnt/store1')
 * await locate(1000, 7) // { sealedPath: '/mnt/store1/sealed/s-t01000-7', cacheDir: ... }
 * ```
 */
export function dirLocator(root: string): SectorLocator {
  return async (miner, number) => {
    const name = sectorName({ miner, number })
    return { sealedPath: join(root, 'sealed', name), cacheDir: join(root, 'cache', name) }
  }
}

/**
 * A locator over several persist stores: the first store holding the sector's sealed file wins;
 * when none has it, the first store's paths are returned (the check then reports it missing).
 *
 * @example
 * ```ts
 * const locate = storesLocator(['/mnt/a', '/mnt/b'])
 * ```
 */
export function storesLocator(roots: readonly string[]): SectorLocator {
  const locators = roots.map(dirLocator)
  return async (miner, number) => {
    let first: SectorFiles | undefined
    for (const l of locators) {
      const f = await l(miner, number)
      if (!f) continue
      first ??= f
      try {
        await access(f.sealedPath)
        return f
      } catch {
        // try the next store
      }
    }
    return first
  }
}
