/** Why a SQLite database does not open, in the words of the file system rather than SQLite's. */
import { closeSync, constants, existsSync, openSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { VenusError } from '@venus-cluster/core'

/**
 * The error of a database that does not open, with the real cause: SQLite says only "unable to
 * open database file" (or "attempt to write a readonly database"), so the file and its directory
 * are tried directly for the errno (EACCES, EROFS, ENOSPC, ENOTDIR …). SQLite in WAL mode also
 * creates `-wal` and `-shm` files beside the database, so the directory must be writable too.
 */
export function openError(path: string, cause: unknown, mkdirFailed = false): VenusError {
  const dir = dirname(path)
  const errno = (err: unknown) => (err as NodeJS.ErrnoException).code
  const text = (err: unknown) => (err as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')
  let why: string | undefined
  if (mkdirFailed)
    why =
      errno(cause) === 'EEXIST'
        ? `${dir}: exists and is not a directory`
        : `${dir}: ${errno(cause) ?? 'error'} (${text(cause)})`
  // Opened, never created: a probe must not leave files behind.
  const rw = (file: string) => () => {
    if (existsSync(file)) closeSync(openSync(file, constants.O_RDWR))
  }
  const probes: [string, () => void][] = [
    // access(2) says yes to root on a read-only mount's directories: create and remove a file.
    [
      dir,
      () => {
        const probe = join(dir, `.manager-db-probe-${process.pid}`)
        closeSync(openSync(probe, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600))
        unlinkSync(probe)
      },
    ],
    [path, rw(path)],
    [`${path}-wal`, rw(`${path}-wal`)],
    [`${path}-shm`, rw(`${path}-shm`)],
  ]
  for (const [what, probe] of why === undefined ? probes : []) {
    try {
      probe()
    } catch (err) {
      why = `${what}: ${errno(err) ?? 'error'} (${text(err)})`
      break
    }
  }
  if (why === undefined && errno(cause) !== undefined)
    why = `${path}: ${errno(cause)} (${(cause as Error).message})`
  const detail = why ?? (cause as Error)?.message ?? String(cause)
  const hint = /EROFS|EACCES|EPERM/.test(detail)
    ? `; the manager needs write access to ${dir} for the database and its -wal and -shm files`
    : ''
  return new VenusError('STORE_DB', `manager database ${path} cannot be opened: ${detail}${hint}`, {
    details: { op: 'open', path, ...(why ? { cause: detail } : {}) },
    cause,
  })
}
