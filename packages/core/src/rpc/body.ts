/**
 * Reading a JSON-RPC request body under two bounds: its own size, and the bytes all requests of
 * one server hold in memory at once. The second keeps many concurrent large bodies (each
 * allowed on its own) from adding up: past it a request is answered 503 and retried later, as
 * a worker retries any failed call.
 */
import type { IncomingMessage } from 'node:http'

/** Bytes held by requests being read, shared by the requests of one server. */
export class ByteBudget {
  #used = 0
  readonly limit: number

  constructor(limit: number) {
    this.limit = limit
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used
  }

  /** Takes `n` bytes when they fit; false otherwise (nothing taken). */
  take(n: number): boolean {
    if (this.limit > 0 && this.#used + n > this.limit) return false
    this.#used += n
    return true
  }

  /** Gives back `n` bytes. */
  give(n: number): void {
    this.#used = Math.max(0, this.#used - n)
  }
}

/** What {@link readBody} ended with. */
export type BodyResult =
  | { ok: true; text: string; bytes: number }
  | { ok: false; reason: 'too-large' | 'busy' | 'aborted' }

/**
 * Reads the body of `req` as UTF-8: `too-large` past `maxBytes` (checked against
 * `Content-Length` before reading), `busy` when the shared `budget` cannot hold it, `aborted`
 * when the client went away. The budget is held only while reading; the caller parses after.
 *
 * @example
 * ```ts
 * const body = await readBody(req, 1 << 20, budget)
 * if (!body.ok) return refuse(body.reason)
 * ```
 */
export function readBody(req: IncomingMessage, maxBytes: number, budget: ByteBudget): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) return Promise.resolve({ ok: false, reason: 'too-large' })
  let held = 0
  if (declared > 0) {
    if (!budget.take(declared)) return Promise.resolve({ ok: false, reason: 'busy' })
    held = declared
  }
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (r: BodyResult) => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onAbort)
      req.off('close', onClose)
      // Stop reading without destroying the socket, so a 413/503 can still be written.
      if (!r.ok) req.pause()
      budget.give(held)
      held = 0
      chunks.length = r.ok ? chunks.length : 0
      resolve(r)
    }
    const onData = (b: Buffer) => {
      size += b.length
      if (size > maxBytes) return finish({ ok: false, reason: 'too-large' })
      if (size > held) {
        if (!budget.take(size - held)) return finish({ ok: false, reason: 'busy' })
        held = size
      }
      chunks.push(b)
    }
    const onEnd = () => finish({ ok: true, text: Buffer.concat(chunks, size).toString('utf8'), bytes: size })
    const onAbort = () => finish({ ok: false, reason: 'aborted' })
    const onClose = () => {
      if (!req.complete) onAbort()
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onAbort)
    req.on('close', onClose)
  })
}
