/**
 * A read-only directory for tests of "the store cannot be written" paths. `chmod` does not stop
 * root, and tests often run as root (containers, CI), so as root the directory is bind-mounted
 * read-only onto itself instead; only when that is not permitted either is it unavailable.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A directory that refuses writes, or the reason none could be made. */
export type ReadOnlyDirectory =
  | {
      dir: string
      /** The errno a write gets: EROFS (read-only mount, as root) or EACCES (mode bits). */
      code: 'EROFS' | 'EACCES'
      cleanup(): void
    }
  | { dir?: undefined; unavailable: string }

function chmodTree(path: string, dirMode: number, fileMode: number): void {
  const st = statSync(path)
  if (st.isDirectory()) {
    if (dirMode & 0o200) chmodSync(path, dirMode)
    for (const name of readdirSync(path)) chmodTree(join(path, name), dirMode, fileMode)
    if (!(dirMode & 0o200)) chmodSync(path, dirMode)
  } else {
    chmodSync(path, fileMode)
  }
}

/**
 * Makes a temp directory, lets `fill` write into it, then makes it read-only.
 *
 * @example
 * ```ts
 * const ro = await readOnlyDirectory(async (dir) => { await prepareSealingStore(join(dir, 's1')) })
 * if (ro.dir === undefined) return console.warn(ro.unavailable)
 * try { ... } finally { ro.cleanup() }
 * ```
 */
export async function readOnlyDirectory(fill?: (dir: string) => Promise<void>): Promise<ReadOnlyDirectory> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-ro-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    await fill?.(dir)
  } catch (err) {
    remove()
    throw err
  }
  if (process.getuid?.() !== 0) {
    chmodTree(dir, 0o555, 0o444)
    return {
      dir,
      code: 'EACCES',
      cleanup() {
        chmodTree(dir, 0o755, 0o644)
        remove()
      },
    }
  }
  try {
    execFileSync('mount', ['--bind', dir, dir], { stdio: 'ignore' })
  } catch {
    remove()
    return { unavailable: 'running as root without the right to mount: no read-only directory can be made' }
  }
  try {
    execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'ignore' })
  } catch {
    execFileSync('umount', [dir], { stdio: 'ignore' })
    remove()
    return { unavailable: 'running as root, and the bind mount could not be made read-only' }
  }
  return {
    dir,
    code: 'EROFS',
    cleanup() {
      try {
        execFileSync('umount', [dir], { stdio: 'ignore' })
      } finally {
        remove()
      }
    },
  }
}
