/** Per-sector paths inside a sealing store's `data/` directory. */
import { join } from 'node:path'
import type { WireSectorId } from '@venus-cluster/core'

/** The paths of one sector in a sealing store. */
export interface SectorPaths {
  /** `s-t0<miner>-<number>`, the basename of every sector file. */
  name: string
  dataDir: string
  staged: string
  prepared: string
  cache: string
  sealed: string
}

/**
 * Paths of sector `id` under `<location>/data`.
 *
 * @example
 * ```ts
 * sectorPaths('/store1', { Miner: 1000, Number: 3 }).sealed // '/store1/data/sealed/s-t01000-3'
 * ```
 */
export function sectorPaths(location: string, id: WireSectorId): SectorPaths {
  const name = `s-t0${id.Miner}-${id.Number}`
  const dataDir = join(location, 'data')
  return {
    name,
    dataDir,
    staged: join(dataDir, 'unsealed', name),
    prepared: join(dataDir, 'prepared', name),
    cache: join(dataDir, 'cache', name),
    sealed: join(dataDir, 'sealed', name),
  }
}
