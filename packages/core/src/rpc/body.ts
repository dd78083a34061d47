/**
 * Reading a JSON-RPC request body under two bounds: its own size, and the bytes all requests of
 * one server hold in memory at once. The second keeps many concurrent large bodies (each
 * allowed on its own) from adding up: past it a request is answered 503 and retried later, as
 * a worker retries any failed call. Small bodies — what sealing workers send all day — are
 * always let in, so large ones can never starve them.
 */
import type { IncomingMessage } from 'node:http'

/** Bodies up to this size are read even when the budget is spent (they still count in it). */
export const ALWAYS_ADMITTED_BODY_BYTES = 64 * 1024

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

  /** Takes `n` bytes when they fit, or always with `force`; false otherwise (nothing taken). */
  take(n: number, force = false): boolean {
    if (!force && this.limit > 0 && this.#used + n > this.limit) return false
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
  | { ok: true; text: string; bytes: number; release(): void }
  | { ok: false; reason: 'too-large' | 'busy' | 'aborted' }

/**
 * Reads the body of `req` as UTF-8: `too-large` past `maxBytes` (checked against
 * `Content-Length` before reading), `busy` when the shared `budget` cannot hold it, `aborted`
 * when the client went away. A body read whole keeps its bytes in the budget until its
 * `release()` is called, which the caller does once the call it carries is answered.
 *
 * @example
 * ```ts
 * const body = await readBody(req, 1 << 20, budget)
 * if (!body.ok) return refuse(body.reason)
 * try { handle(body.text) } finally { body.release() }
 * ```
 */
export function readBody(req: IncomingMessage, maxBytes: number, budget: ByteBudget): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) return Promise.resolve({ ok: false, reason: 'too-large' })
  let held = 0
  if (declared > 0) {
    if (!budget.take(declared, declared <= ALWAYS_ADMITTED_BODY_BYTES))
      return Promise.resolve({ ok: false, reason: 'busy' })
    held = declared
  }
  return new Promise<BodyResult>((resolve) => {
    let chunks: Buffer[] = []
    let size = 0
    const finish = (r: BodyResult) => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onAbort)
      req.off('close', onClose)
      chunks = []
      if (!r.ok) {
        // Stop reading without destroying the socket, so a 413/503 can still be written.
        req.pause()
        budget.give(held)
        held = 0
      }
      resolve(r)
    }
    const onData = (b: Buffer) => {
      size += b.length
      if (size > maxBytes) return finish({ ok: false, reason: 'too-large' })
      if (size > held) {
        if (!budget.take(size - held, size <= ALWAYS_ADMITTED_BODY_BYTES))
          return finish({ ok: false, reason: 'busy' })
        held = size
      }
      chunks.push(b)
    }
    const onEnd = () => {
      const whole = Buffer.concat(chunks, size)
      chunks = []
      const text = whole.toString('utf8')
      let released = false
      const release = () => {
        if (released) return
        released = true
        budget.give(held)
        held = 0
      }
      finish({ ok: true, text, bytes: size, release })
    }
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
