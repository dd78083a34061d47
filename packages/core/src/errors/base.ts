import { type ErrorCode, isErrorCode } from './codes.js'

/** Options accepted by {@link VenusError}. */
export interface VenusErrorOptions {
  /** Structured facts about the failure (file, line, key, method, field, …). Must be JSON-safe. */
  details?: Record<string, unknown> | undefined
  /** The lower-level error that caused this one. */
  cause?: unknown
}

/** The JSON form of a {@link VenusError}, as it travels over RPC and in `--json` output. */
export interface VenusErrorJSON {
  name: string
  code: ErrorCode
  message: string
  details?: Record<string, unknown>
  cause?: VenusErrorJSON | { name: string; message: string }
}

/**
 * The one base class of every error venus-cluster throws on purpose.
 *
 * It carries a stable string `code` (see `ErrorCodes`), a short message, JSON-safe `details`,
 * an optional `cause`, and survives a round trip through JSON with {@link VenusError.toJSON}
 * and {@link VenusError.fromJSON}.
 *
 * @example
 * ```ts
 * throw new VenusError('CONFIG_INVALID_VALUE', 'Sealing.MaxWait must be a duration', {
 *   details: { file: 'sector-manager.cfg', line: 12, key: 'Sealing.MaxWait' },
 * })
 * ```
 */
export class VenusError extends Error {
  override name = 'VenusError'
  readonly code: ErrorCode
  readonly details: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: VenusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? {}
  }

  /** Serialises the error, its details and its cause chain into plain JSON. */
  toJSON(): VenusErrorJSON {
    const json: VenusErrorJSON = { name: this.name, code: this.code, message: this.message }
    if (Object.keys(this.details).length > 0) json.details = this.details
    const cause = this.cause
    if (cause instanceof VenusError) json.cause = cause.toJSON()
    else if (cause instanceof Error) json.cause = { name: cause.name, message: cause.message }
    else if (cause !== undefined) json.cause = { name: 'Error', message: String(cause) }
    return json
  }

  /**
   * Rebuilds an error from {@link VenusError.toJSON} output. Unknown codes become `INTERNAL`
   * with the original code kept in `details.originalCode`, so a newer peer never crashes an
   * older one.
   */
  static fromJSON(json: unknown): VenusError {
    const obj = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
    const message = typeof obj.message === 'string' ? obj.message : 'unknown error'
    const details =
      typeof obj.details === 'object' && obj.details !== null
        ? { ...(obj.details as Record<string, unknown>) }
        : {}
    let code: ErrorCode = 'INTERNAL'
    if (isErrorCode(obj.code)) code = obj.code
    else if (obj.code !== undefined) details.originalCode = obj.code
    let cause: unknown
    if (typeof obj.cause === 'object' && obj.cause !== null) {
      const c = obj.cause as Record<string, unknown>
      if ('code' in c) cause = VenusError.fromJSON(c)
      else {
        const e = new Error(typeof c.message === 'string' ? c.message : 'unknown cause')
        if (typeof c.name === 'string') e.name = c.name
        cause = e
      }
    }
    const err = new VenusError(code, message, { details, cause })
    if (typeof obj.name === 'string') err.name = obj.name
    return err
  }
}

/** Whether `err` is a {@link VenusError}, optionally with the given code. */
export function isVenusError(err: unknown, code?: ErrorCode): err is VenusError {
  return err instanceof VenusError && (code === undefined || err.code === code)
}

/** Throws a `ABORTED` error when `signal` is aborted. Use between steps of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new VenusError('ABORTED', 'operation aborted', { cause: signal.reason })
  }
}
