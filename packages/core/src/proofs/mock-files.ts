// File work of the mock backend: Fr32-padding pieces into files and sparse sector files.
import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { constants, type FileHandle, open, readFile, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isVenusError, throwIfAborted } from '../errors/index.js'
import { CommPHasher } from '../piece/commp.js'
import { fr32PadInto, fr32UnpadInto } from '../piece/fr32.js'
import type { PieceSource } from './backend.js'
import { failed, invalid } from './mock-input.js'

const MiB = 1024 * 1024
const execFileP = promisify(execFile)
/** Unpadded bytes Fr32-padded per write: 8192 quads = 1 MiB padded. */
const PAD_CHUNK_QUADS = 8192
const PAD_CHUNK_IN = PAD_CHUNK_QUADS * 127

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw failed('cannot stat file', { path }, err)
  }
}

export async function openRw(path: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_RDWR | constants.O_CREAT, 0o644)
  } catch (err) {
    throw failed('cannot open file for writing', { path }, err)
  }
}

/** Creates (or resizes) a sparse file of `size` bytes, optionally with `tail` as its last bytes. */
export async function sparseFile(path: string, size: number, tail?: Uint8Array): Promise<void> {
  const fh = await openRw(path)
  try {
    await fh.truncate(size)
    if (tail !== undefined && size >= tail.length) await fh.write(tail, 0, tail.length, size - tail.length)
  } finally {
    await fh.close()
  }
}

/**
 * Copies the staged file to the sealed path, padded to `size`, keeping holes: the library copies
 * and extends the file the same way, but a mock must not write 32 GiB of zeros. GNU `cp
 * --sparse=always` skips holes with SEEK_HOLE; without it, zero chunks are skipped while reading.
 */
export async function sparseCopy(from: string, to: string, size: number): Promise<void> {
  try {
    await execFileP('cp', ['--sparse=always', from, to])
  } catch {
    try {
      const src = await open(from, 'r')
      const dst = await open(to, 'w')
      try {
        const buf = new Uint8Array(4 * MiB)
        for (let pos = 0; ; pos += buf.length) {
          const { bytesRead } = await src.read(buf, 0, buf.length, pos)
          if (bytesRead === 0) break
          const part = buf.subarray(0, bytesRead)
          if (part.some((b) => b !== 0)) await dst.write(part, 0, bytesRead, pos)
        }
      } finally {
        await src.close()
        await dst.close()
      }
    } catch (err) {
      throw failed(
        'cannot copy the staged file to the sealed file',
        { stagedPath: from, sealedPath: to },
        err,
      )
    }
  }
  await truncate(to, size)
}

export async function* chunksOf(source: PieceSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source
  } else if (
    typeof source === 'object' &&
    source !== null &&
    'path' in source &&
    typeof source.path === 'string'
  ) {
    for await (const c of createReadStream(source.path)) yield c as Buffer
  } else if (typeof source === 'object' && source !== null && Symbol.asyncIterator in source) {
    for await (const c of source) {
      if (!(c instanceof Uint8Array))
        throw invalid('piece source yielded a chunk that is not a Uint8Array', { field: 'source' })
      yield c
    }
  } else {
    throw invalid('piece source must be bytes, an async iterable of bytes, or { path }', { field: 'source' })
  }
}

/**
 * Streams `source` through Fr32 padding into `fh` at `paddedOffset` while hashing its CommP.
 * A short source is zero-filled; zeros past the end of the file are left sparse.
 */
export async function padIntoFile(
  fh: FileHandle | undefined,
  source: PieceSource,
  unpaddedSize: number,
  paddedOffset: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const paddedSize = (unpaddedSize / 127) * 128
  const hasher = new CommPHasher({ minPaddedSize: paddedSize })
  const staging = new Uint8Array(Math.min(PAD_CHUNK_IN, unpaddedSize))
  const out = new Uint8Array((staging.length / 127) * 128)
  let staged = 0
  let total = 0
  let pos = paddedOffset
  const flush = async (n: number) => {
    const quads = Math.ceil(n / 127)
    staging.fill(0, n, quads * 127)
    if (fh !== undefined) {
      fr32PadInto(staging, 0, out, 0, quads)
      await fh.write(out, 0, quads * 128, pos)
    }
    pos += quads * 128
    staged = 0
  }
  try {
    for await (const c of chunksOf(source)) {
      if (total + c.length > unpaddedSize) {
        throw invalid('piece source is longer than unpaddedSize', { field: 'source', unpaddedSize })
      }
      hasher.update(c)
      total += c.length
      for (let off = 0; off < c.length; ) {
        const n = Math.min(staging.length - staged, c.length - off)
        staging.set(c.subarray(off, off + n), staged)
        staged += n
        off += n
        if (staged === staging.length) await flush(staged)
      }
      throwIfAborted(signal)
    }
  } catch (err) {
    if (isVenusError(err)) throw err
    throw failed('reading the piece source failed', {}, err)
  }
  if (staged > 0) await flush(staged)
  const end = paddedOffset + paddedSize
  if (fh !== undefined && pos < end) {
    // The rest of the piece is zeros: extend the file sparsely, or overwrite old bytes.
    const size = (await fh.stat()).size
    if (size < end) await fh.truncate(end)
    const zeros = new Uint8Array(Math.min(MiB, end - pos))
    for (let p = pos; p < Math.min(size, end); p += zeros.length) {
      await fh.write(zeros, 0, Math.min(zeros.length, Math.min(size, end) - p), p)
    }
  }
  const result = hasher.digest()
  return result.commP
}

/** The tree roots stored in a cache directory's `p_aux` (comm_c ‖ comm_r_last), if readable. */
export async function readPAux(
  cacheDir: string,
): Promise<{ commC: Uint8Array; commRLast: Uint8Array } | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(join(cacheDir, 'p_aux'))
  } catch {
    return undefined
  }
  if (bytes.length !== 64) return undefined
  return { commC: bytes.slice(0, 32), commRLast: bytes.slice(32, 64) }
}

/** Reads `length` unpadded bytes' worth of Fr32 data at `paddedOffset` and writes them unpadded to `outPath`. */
export async function unpadFromFile(
  fromPath: string,
  outPath: string,
  paddedOffset: number,
  length: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const src = await open(fromPath, 'r')
  const dst = await open(outPath, 'w')
  try {
    const inBuf = new Uint8Array(PAD_CHUNK_QUADS * 128)
    const outBuf = new Uint8Array(PAD_CHUNK_IN)
    for (let done = 0; done < length; ) {
      throwIfAborted(signal)
      const quads = Math.min(PAD_CHUNK_QUADS, (length - done) / 127)
      inBuf.fill(0, 0, quads * 128)
      await src.read(inBuf, 0, quads * 128, paddedOffset + (done / 127) * 128)
      fr32UnpadInto(inBuf, 0, outBuf, 0, quads)
      await dst.write(outBuf, 0, quads * 127, done)
      done += quads * 127
    }
  } finally {
    await src.close()
    await dst.close()
  }
}
