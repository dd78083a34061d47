/**
 * The paths `util storage attach` takes: `--pattern` globs expanded, and a lotus storage path's
 * `sectorstore.json` (its ID names the store, its Weight 0 makes it read-only). The manager's
 * `indexStoreSectors` indexes what each holds.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import { LOTUS_STORAGE_META_FILE, type LotusLocalStorageMeta, VenusError } from '@venus-cluster/core'

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
