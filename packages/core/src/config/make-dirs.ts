/**
 * `mkdir -p` that reports the real reason it failed. Node's recursive `mkdir` answers ENOENT when
 * a directory cannot be created on a read-only file system or without write permission (it gives
 * up walking back down the path and reports the missing parent), which sends an operator looking
 * for a missing directory instead of a read-only mount. This retries the first missing component
 * on its own, so the error carries EROFS, EACCES or ENOTDIR as the kernel said it.
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code

/**
 * Creates `path` and its missing parents; on failure throws the error of the first component that
 * could not be created (EROFS, EACCES, ENOTDIR, ENOSPC …), never a misleading ENOENT.
 *
 * @example
 * ```ts
 * await makeDirs('/mnt/store1/data/cache/s-t01000-1') // EROFS when /mnt/store1 is mounted read-only
 * ```
 */
export async function makeDirs(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true })
  } catch (err) {
    if (codeOf(err) !== 'ENOENT') throw err
    const cause = await realCause(resolve(path), err)
    if (cause !== undefined) throw cause
  }
}

/**
 * The error behind a recursive mkdir's ENOENT, found by creating the first missing component;
 * undefined when the path could be created after all (another process made a parent meanwhile).
 */
async function realCause(path: string, fallback: unknown): Promise<unknown> {
  let first = path
  for (let dir = path; ; ) {
    try {
      await stat(dir)
      break
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') return err
    }
    first = dir
    const up = dirname(dir)
    if (up === dir) return fallback
    dir = up
  }
  try {
    await mkdir(first)
  } catch (err) {
    if (codeOf(err) !== 'EEXIST') return err
  }
  try {
    await mkdir(path, { recursive: true })
  } catch (err) {
    return err
  }
  return undefined
}
