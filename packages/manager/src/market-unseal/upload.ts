/**
 * Sends an unsealed piece to a resolved destination: an HTTP PUT of the file (redirects refused,
 * so a credential never follows one elsewhere; anything but 2xx is a failure), or a copy to a
 * local file, written under a temporary name and renamed so a reader never sees a torn copy.
 */
import { createReadStream } from 'node:fs'
import { copyFile, realpath, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, sep } from 'node:path'
import { Readable } from 'node:stream'
import { VenusError } from '@venus-cluster/core'
import type { UnsealDestTarget } from './dests.js'

/** Options of {@link uploadPiece}. */
export interface UploadOptions {
  /** Time limit of one upload in ms (default 10 min). */
  timeoutMs?: number | undefined
  signal?: AbortSignal | undefined
  /** Directories a file target must stay inside once links are resolved (the allowed ones). */
  fileRoots?: readonly string[] | undefined
}

/** Where the parent of `path` really is, refusing one that leaves every root through a link. */
async function checkedParent(path: string, roots: readonly string[]): Promise<string> {
  const dir = dirname(path)
  // Not created: a directory made here could be made through a link, outside every root.
  const real = await realpath(dir).catch((cause) => {
    throw new VenusError('INVALID_ARGUMENT', `${path}: its directory does not exist`, { cause })
  })
  if (roots.length > 0) {
    const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)))
    if (!realRoots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep)))
      throw new VenusError('INVALID_ARGUMENT', `${path}: its directory leads outside the allowed directories`)
  }
  return real
}

/**
 * Uploads the file at `source` to `target`.
 *
 * @throws VenusError `MARKET_FAILED` (HTTP status, network error, time limit) or the file error.
 * @example
 * ```ts
 * await uploadPiece('/data/ps1/piece/baga…', { kind: 'http', url: 'http://10.0.0.7:8080/up', headers: {} })
 * ```
 */
export async function uploadPiece(
  source: string,
  target: UnsealDestTarget,
  opts: UploadOptions = {},
): Promise<void> {
  if (target.kind === 'file') {
    const dir = await checkedParent(target.path, opts.fileRoots ?? [])
    const tmp = join(dir, `.${basename(target.path)}.${process.pid}.${Date.now()}.tmp`)
    try {
      await copyFile(source, tmp)
      await rename(tmp, join(dir, basename(target.path)))
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {})
      throw err
    }
    return
  }
  const size = (await stat(source)).size
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 600_000)
  const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout])
  const shown = new URL(target.url)
  shown.search = ''
  let res: Response
  try {
    res = await fetch(target.url, {
      method: 'PUT',
      headers: {
        ...target.headers,
        'content-type': 'application/octet-stream',
        'content-length': String(size),
      },
      body: Readable.toWeb(createReadStream(source)) as ReadableStream,
      duplex: 'half',
      redirect: 'error',
      signal,
    } as RequestInit)
  } catch (cause) {
    throw new VenusError('MARKET_FAILED', `PUT ${shown.href}: ${(cause as Error).message}`, { cause })
  }
  const body = (await res.text().catch(() => '')).slice(0, 200)
  if (res.status < 200 || res.status > 299)
    throw new VenusError(
      'MARKET_FAILED',
      `PUT ${shown.href} answered ${res.status}${body ? `: ${body}` : ''}`,
      {
        details: { status: res.status },
      },
    )
}
