/**
 * What `util storage attach` does to one store: scan `sealed/` (and `cache/`) for sector files,
 * record them in the sector index; read a lotus storage path's `sectorstore.json`; expand
 * `--pattern` globs.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import { LOTUS_STORAGE_META_FILE, type LotusLocalStorageMeta, VenusError } from '@venus-cluster/core'
import type { ManagerStore } from '@venus-cluster/manager'

const SECTOR_FILE = /^s-t0(\d+)-(\d+)$/

/** Directories that `pattern` matches (`*` and `?` within one path segment), sorted. */
export async function expandPattern(pattern: string): Promise<string[]> {
  const abs = resolve(pattern)
  const parts = abs.split(sep).filter((p) => p !== '')
  let found: string[] = [sep]
  for (const part of parts) {
    const next: string[] = []
    if (!/[*?[]/.test(part)) {
      for (const dir of found) next.push(join(dir, part))
    } else {
      const re = new RegExp(
        `^${part
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}$`,
      )
      for (const dir of found) {
        let names: string[]
        try {
          names = await readdir(dir)
        } catch {
          continue
        }
        for (const n of names.sort()) if (re.test(n) && !n.startsWith('.')) next.push(join(dir, n))
      }
    }
    found = next
    if (found.length > 100_000)
      throw new VenusError('CLI_USAGE', `--pattern ${pattern} matches too many paths`)
  }
  const dirs: string[] = []
  for (const f of found) {
    try {
      if ((await stat(f)).isDirectory()) dirs.push(f)
    } catch {}
  }
  return dirs
}

/** A lotus storage path's `sectorstore.json`, or undefined when the directory has none. */
export async function lotusStorageMeta(root: string): Promise<LotusLocalStorageMeta | undefined> {
  const file = join(root, LOTUS_STORAGE_META_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  let meta: LotusLocalStorageMeta
  try {
    meta = JSON.parse(text) as LotusLocalStorageMeta
  } catch (err) {
    throw new VenusError('CONFIG_INVALID_VALUE', `${file}: not valid JSON (${(err as Error).message})`, {
      details: { file },
    })
  }
  if (typeof meta.ID !== 'string' || meta.ID === '')
    throw new VenusError('CONFIG_INVALID_VALUE', `${file}: key ID: not a storage id`, {
      details: { file, key: 'ID' },
    })
  return meta
}

async function scan(root: string, sub: string): Promise<{ miner: number; number: number }[]> {
  try {
    return (await readdir(join(root, sub))).flatMap((f) => {
      const m = SECTOR_FILE.exec(f)
      return m ? [{ miner: Number(m[1]), number: Number(m[2]) }] : []
    })
  } catch {
    return []
  }
}

/**
 * Indexes the sectors of one store under `name`: each sealed file (its cache in the same store,
 * or with `splitted` wherever `cache/` holds it).
 */
export async function attachStore(
  store: ManagerStore,
  root: string,
  name: string,
  splitted: boolean,
  each: (line: string) => void,
): Promise<{ sealed: number; cache: number }> {
  const sealed = await scan(root, 'sealed')
  const cache = splitted ? await scan(root, 'cache') : []
  for (const id of sealed) {
    const old = await store.findLocation(id, 'normal')
    await store.setLocation(id, 'normal', { sealed: name, cache: splitted ? (old?.cache ?? name) : name })
    each(`sealed m-${id.miner}-n-${id.number}`)
  }
  for (const id of cache) {
    const old = await store.findLocation(id, 'normal')
    await store.setLocation(id, 'normal', { sealed: old?.sealed ?? name, cache: name })
    each(`cache m-${id.miner}-n-${id.number}`)
  }
  return { sealed: sealed.length, cache: cache.length }
}
