import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { type ProofsBackend, sealProofInfo, sectorCacheFiles } from '@venus-cluster/core'
import type { SectorLocator } from './locator.js'

/** A sector to check: what the chain says about it. */
export interface CheckSector {
  sectorNumber: number
  sealProof: number
  commR: Uint8Array
  /** Updated with data (SnapDeals): the new replica's files are checked. */
  updated?: boolean | undefined
}

/** Options of {@link checkSectors}. */
export interface CheckSectorsOptions {
  minerId: number
  locate: SectorLocator
  /** Needed for strict checks (a vanilla proof per sector). */
  proofs?: ProofsBackend
  /** Randomness and prover id of the strict check's challenges. */
  randomness?: Uint8Array
  proverId?: Uint8Array
  strict?: boolean
  parallel?: number
  singleTimeoutMs?: number
  /** All checks of this call must end by then; unchecked sectors count as bad. */
  totalTimeoutMs?: number
  signal?: AbortSignal
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch {
    return undefined
  }
}

/** Names in a cache directory, links told apart (empty when it cannot be read). */
async function cacheEntries(dir: string): Promise<Map<string, 'file' | 'link'>> {
  try {
    const out = new Map<string, 'file' | 'link'>()
    for (const e of await readdir(dir, { withFileTypes: true }))
      out.set(e.name, e.isSymbolicLink() ? 'link' : 'file')
    return out
  } catch {
    return new Map()
  }
}

async function checkOne(s: CheckSector, o: CheckSectorsOptions): Promise<string | null> {
  const files = await o.locate(o.minerId, s.sectorNumber, { updated: s.updated === true })
  if (files === undefined) return 'sector not found in the sector index'
  const info = sealProofInfo(s.sealProof)
  const size = await sizeOf(files.sealedPath)
  if (size === undefined) return `sealed file ${files.sealedPath} missing`
  if (size !== info.sectorSize) return `sealed file is ${size} bytes, expected ${info.sectorSize}`
  // One directory read instead of a stat per file: a deadline checks thousands of sectors. A
  // listed link is followed (a dangling one is missing, as a stat would find it).
  const listed = await cacheEntries(files.cacheDir)
  for (const f of sectorCacheFiles(info.sectorSize)) {
    if (!f.keptByClearCache || f.name === 't_aux') continue
    const kind = listed.get(f.name)
    if (kind === undefined || (kind === 'link' && (await sizeOf(join(files.cacheDir, f.name))) === undefined))
      return `cache file ${f.name} missing`
  }
  if (o.strict && o.proofs && o.randomness && o.proverId) {
    const postProofType = info.windowPoStProof
    const [ch] = await o.proofs.generateFallbackSectorChallenges({
      postProofType,
      randomness: o.randomness,
      proverId: o.proverId,
      sectorNumbers: [s.sectorNumber],
    })
    await o.proofs.generateSingleVanillaProof({
      replica: { postProofType, sectorNumber: s.sectorNumber, commR: s.commR, ...files },
      challenges: ch?.challenges ?? [],
    })
  }
  return null
}

/** The reason of a sector the proofs library reported faulty while proving (its files do not read right). */
export const PROVER_FAULTY = 'prover reported faulty'

/** What to do about a sector a check found bad. */
export type SectorRepairAction = 'rebuild' | 'rebuild-cache' | 'reindex' | 'check-storage'

/**
 * The suggested action for a reason {@link checkSectors} gave: the sealed file missing, of the
 * wrong size or unreadable (a vanilla proof failed) → `rebuild`; only cache files missing →
 * `rebuild-cache` (the replica stays); not in the sector index → `reindex` (the files may be
 * there: `util storage attach`); a timeout or an aborted check → `check-storage`.
 *
 * @example
 * ```ts
 * sectorRepairAction('cache file p_aux missing') // { action: 'rebuild-cache', advice: '…' }
 * ```
 */
export function sectorRepairAction(reason: string): { action: SectorRepairAction; advice: string } {
  if (/^cache file .* missing$/.test(reason))
    return {
      action: 'rebuild-cache',
      advice: 'rebuild the cache beside the sealed file: util sealer sectors rebuild <miner> <number>',
    }
  if (
    reason === PROVER_FAULTY ||
    /^sealed file .*missing$|^sealed file is \d+ bytes|^check failed: /.test(reason)
  )
    return {
      action: 'rebuild',
      advice:
        'rebuild the sector from its ticket and pieces: util sealer sectors rebuild <miner> <number> --full --force',
    }
  if (reason === 'sector not found in the sector index')
    return {
      action: 'reindex',
      advice:
        'index the persist store that holds its files (util storage attach), or rebuild it if they are lost',
    }
  return { action: 'check-storage', advice: 'the storage is slow or hung: check the mount, then check again' }
}

function withTimeout<T>(p: Promise<T>, ms: number | undefined, onTimeout: T): Promise<T> {
  if (ms === undefined || !Number.isFinite(ms)) return p
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms)
    timer.unref?.()
  })
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

/**
 * Checks that sectors can be proven: the sealed file exists with the sector size, the cache keeps
 * `p_aux` and the `tree-r-last` files, and (strict) a vanilla proof can be generated. At most
 * `parallel` checks run at once. Returns the bad sectors with the reason.
 *
 * @example
 * ```ts
 * const bad = await checkSectors(sectors, { minerId: 1000, locate: dirLocator('/store') })
 * for (const [n, why] of bad) console.log(`sector ${n}: ${why}`)
 * ```
 */
export async function checkSectors(
  sectors: readonly CheckSector[],
  o: CheckSectorsOptions,
): Promise<Map<number, string>> {
  const bad = new Map<number, string>()
  const done = new Set<number>()
  let next = 0
  const worker = async () => {
    while (next < sectors.length) {
      if (o.signal?.aborted) return
      const s = sectors[next++]!
      const r = await withTimeout(
        checkOne(s, o).catch((e: unknown) => `check failed: ${e instanceof Error ? e.message : String(e)}`),
        o.singleTimeoutMs,
        'sector check timed out',
      )
      if (r !== null) bad.set(s.sectorNumber, r)
      done.add(s.sectorNumber)
    }
  }
  const n = Math.max(1, Math.min(o.parallel ?? 128, sectors.length))
  await withTimeout(
    Promise.all(Array.from({ length: n }, worker)).then(() => undefined),
    o.totalTimeoutMs,
    undefined,
  )
  for (const s of sectors) {
    if (!done.has(s.sectorNumber) && !bad.has(s.sectorNumber))
      bad.set(s.sectorNumber, o.signal?.aborted ? 'check aborted' : 'partition check timed out')
  }
  return bad
}
