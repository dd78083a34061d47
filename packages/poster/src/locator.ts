import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { sectorName } from '@venus-cluster/core'

/** Where a sector's sealed file and cache directory live. */
export interface SectorFiles {
  sealedPath: string
  cacheDir: string
}

/** What the chain says about the replica to find. */
export interface ReplicaKind {
  /**
   * The sector was updated with data (SnapDeals: its `SectorKeyCID` is set): PoSt proves the new
   * replica, `update/<name>` with its cache `update-cache/<name>`, not the CC `sealed/<name>`.
   */
  updated: boolean
}

/** Finds a sector's files (the manager's sector index, or a fixed layout). */
export type SectorLocator = (
  minerId: number,
  sectorNumber: number,
  replica?: ReplicaKind,
) => Promise<SectorFiles | undefined>

/**
 * A locator for the persist-store layout `<root>/sealed/s-t0<miner>-<n>` and
 * `<root>/cache/s-t0<miner>-<n>` (the first root holding the sealed file wins is not checked:
 * the first root is used); for an updated sector `<root>/update/…` and `<root>/update-cache/…`.
 *
 * @example
 * ```ts
 * const locate = dirLocator('/mnt/store1')
 * await locate(1000, 7) // { sealedPath: '/mnt/store1/sealed/s-t01000-7', cacheDir: ... }
 * ```
 */
export function dirLocator(root: string): SectorLocator {
  return async (miner, number, replica) => {
    const name = sectorName({ miner, number })
    return replica?.updated
      ? { sealedPath: join(root, 'update', name), cacheDir: join(root, 'update-cache', name) }
      : { sealedPath: join(root, 'sealed', name), cacheDir: join(root, 'cache', name) }
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
  return async (miner, number, replica) => {
    let first: SectorFiles | undefined
    for (const l of locators) {
      const f = await l(miner, number, replica)
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
