/**
 * Checks of a sector's persisted files: the sealed file of the sector's size and the cache files
 * a proof reads (`p_aux` and the tree-r-last layers), in a persist store of the config.
 */
import { access, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { type SectorId, VenusError } from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import { sectorKey } from '../sector.js'

/** File names of the tree-r-last layers for a sector size. */
function treeRLast(sectorSize: number): string[] {
  if (sectorSize === 34359738368)
    return Array.from({ length: 8 }, (_, i) => `sc-02-data-tree-r-last-${i}.dat`)
  if (sectorSize === 68719476736)
    return Array.from({ length: 16 }, (_, i) => `sc-02-data-tree-r-last-${i}.dat`)
  return ['sc-02-data-tree-r-last.dat']
}

/**
 * Checks a sector's sealed file under `root` (`sealed/s-t0…`, the sector's size); null when
 * fine, else what is wrong.
 *
 * @example
 * ```ts
 * await checkSealedFile('/data/ps1', { miner: 1000, number: 1 }, 2048) // null, or 'sealed file missing'
 * ```
 */
export async function checkSealedFile(
  root: string,
  id: SectorId,
  sectorSize: number,
): Promise<string | null> {
  try {
    const st = await stat(join(root, 'sealed', `s-t0${id.miner}-${id.number}`))
    if (st.size !== sectorSize) return `sealed file is ${st.size} bytes, expected ${sectorSize}`
  } catch {
    return 'sealed file missing'
  }
  return null
}

/**
 * Checks the cache files a proof reads (`p_aux` and the tree-r-last layers) under
 * `root/cache/s-t0…`; null when fine, else what is wrong.
 *
 * @example
 * ```ts
 * await checkCacheFiles('/data/ps1', { miner: 1000, number: 1 }, 2048) // null, or 'cache file p_aux missing'
 * ```
 */
export async function checkCacheFiles(
  root: string,
  id: SectorId,
  sectorSize: number,
): Promise<string | null> {
  const name = `s-t0${id.miner}-${id.number}`
  for (const f of ['p_aux', ...treeRLast(sectorSize)]) {
    try {
      await access(join(root, 'cache', name, f))
    } catch {
      return `cache file ${f} missing`
    }
  }
  return null
}

/**
 * Checks a sector's persisted files under `root`; null when fine, else what is wrong.
 *
 * @example
 * ```ts
 * await checkSectorFiles('/data/ps1', { miner: 1000, number: 1 }, 2048) // null, or 'sealed file missing'
 * ```
 */
export async function checkSectorFiles(
  root: string,
  id: SectorId,
  sectorSize: number,
): Promise<string | null> {
  return (await checkSealedFile(root, id, sectorSize)) ?? (await checkCacheFiles(root, id, sectorSize))
}

/**
 * Where sectors' files are and whether they are whole: `SubmitPersisted` (a worker says where it
 * put a sector) and `CheckProvable` (an operator or the poster asks which sectors can be proven).
 *
 * @example
 * ```ts
 * const files = new SectorFileChecks(ctx)
 * await files.checkProvable(1000, [{ sectorNumber: 1, sealProof: 5 }]) // {} when all are fine
 * ```
 */
export class SectorFileChecks {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** The path of a persist store (the config's or one attached through the API), by name. */
  persistStorePath(name: string): string | undefined {
    return this.#ctx.persistStore(name)?.path
  }

  /**
   * Checks the sector's files in the named persist store and records it in the sector index.
   * Resolves false (nothing recorded) when a file is missing or has the wrong size.
   */
  async persisted(id: SectorId, instance: string): Promise<boolean> {
    const ctx = this.#ctx
    const got = await ctx.store.getSector(id)
    if (got === undefined) {
      throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`)
    }
    const root = this.persistStorePath(instance)
    if (root === undefined) {
      throw new VenusError(
        'PERSIST_STORE_UNKNOWN',
        `persist store ${JSON.stringify(instance)} is not attached`,
        {
          details: { instance },
        },
      )
    }
    const size = await ctx.sectorSize(id.miner, got.state.proofType)
    const problem = await checkSectorFiles(root, id, size)
    if (problem !== null) return false
    await ctx.store.setLocation(id, 'normal', { sealed: instance, cache: instance })
    return true
  }

  /** Checks sectors' files in their indexed stores; returns problems by sector number. */
  async checkProvable(
    miner: number,
    sectors: readonly { sectorNumber: number; sealProof: number }[],
  ): Promise<Record<string, string>> {
    const ctx = this.#ctx
    const bad: Record<string, string> = {}
    for (const s of sectors) {
      const id = { miner, number: s.sectorNumber }
      const loc = await ctx.store.findLocation(id, 'normal')
      if (!loc) {
        bad[String(s.sectorNumber)] = 'sector not found in the sector index'
        continue
      }
      const root = this.persistStorePath(loc.sealed)
      if (root === undefined) {
        bad[String(s.sectorNumber)] = `persist store ${loc.sealed} not attached`
        continue
      }
      const size = await ctx.sectorSize(miner, s.sealProof)
      const problem = await checkSectorFiles(root, id, size)
      if (problem !== null) bad[String(s.sectorNumber)] = problem
    }
    return bad
  }
}
