/** Per-sector paths inside a sealing store's `data/` directory (spec §2.2). */
import { join } from 'node:path'
import type { WireSectorId } from './wire.js'

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

/**
 * The prover id of an actor: the ID-address payload (uvarint of the actor id) in 32 zero bytes.
 *
 * @example
 * ```ts
 * proverIdOf(1000).subarray(0, 2) // Uint8Array [0xe8, 0x07]
 * ```
 */
export function proverIdOf(actorId: number): Uint8Array {
  const out = new Uint8Array(32)
  let v = actorId
  let i = 0
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80
    v = Math.floor(v / 0x80)
  }
  out[i] = v
  return out
}
