/**
 * Failure levels of a sealing step (spec §2.5): Temporary (retried), Permanent and Critical (the
 * thread pauses), Abort (the sector is given up).
 */
import { isVenusError, VenusError } from '@venus-cluster/core'

/** The wire names of `ReportState.Failure.Level`. */
export type FailureLevel = 'Temporary' | 'Permanent' | 'Critical' | 'Abort'

/** A failed step with its level; `cause` keeps the underlying error. */
export class SealingFailure extends Error {
  readonly level: FailureLevel
  /** Set for the pause/shutdown interrupt: it pauses the thread without recording `last_error`. */
  readonly interrupt: boolean

  constructor(level: FailureLevel, message: string, options: { cause?: unknown; interrupt?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SealingFailure'
    this.level = level
    this.interrupt = options.interrupt ?? false
  }

  /** The error chain as one line, as `Failure.Desc` and `last_error` carry it. */
  describe(): string {
    const parts = [this.message]
    let c: unknown = this.cause
    for (let i = 0; c !== undefined && i < 5; i++) {
      parts.push(c instanceof Error ? c.message : String(c))
      c = c instanceof Error ? c.cause : undefined
    }
    return parts.join(': ')
  }
}

const mk =
  (level: FailureLevel) =>
  (message: string, cause?: unknown): SealingFailure =>
    new SealingFailure(level, message, { cause })

/** A Temporary failure: retried after `recover_interval` within the step's budget. */
export const temporary = mk('Temporary')
/** A Permanent failure: the thread pauses. */
export const permanent = mk('Permanent')
/** A Critical failure (local environment): the thread pauses. */
export const critical = mk('Critical')
/** An Abort: the sector is given up and its store wiped. */
export const abort = mk('Abort')

/**
 * Classifies an error thrown while calling the manager: code 11001 / `SECTOR_NOT_FOUND`
 * ("sector state not found") aborts the sector, everything else is Temporary (spec §1.2).
 *
 * @example
 * ```ts
 * throw rpcFailure('AssignTicket', err)
 * ```
 */
export function rpcFailure(method: string, err: unknown): SealingFailure {
  if (err instanceof SealingFailure) return err
  if (isVenusError(err)) {
    const rpcCode = (err.details as { rpcCode?: unknown } | undefined)?.rpcCode
    if (err.code === 'SECTOR_NOT_FOUND' || rpcCode === 11001 || /error code 11001/.test(err.message)) {
      return abort(`${method}: sector state not found`, err)
    }
    if (err.code === 'ABORTED') return interrupted(err)
  }
  return temporary(`${method} failed`, err)
}

/** The interrupt failure raised when a pause or shutdown is noticed. */
export function interrupted(cause?: unknown): SealingFailure {
  return new SealingFailure('Permanent', 'interrupted', { cause, interrupt: true })
}

/**
 * Wraps an unknown error as a failure of `level` unless it already is one.
 *
 * @example
 * ```ts
 * catch (err) { throw asFailure('Critical', 'create cache dir', err) }
 * ```
 */
export function asFailure(level: FailureLevel, message: string, err: unknown): SealingFailure {
  if (err instanceof SealingFailure) return err
  if (isVenusError(err) && err.code === 'ABORTED') return interrupted(err)
  return new SealingFailure(level, message, { cause: err })
}

/** Turns a failure into a `VenusError` for callers outside the sealer. */
export function failureToVenusError(f: SealingFailure): VenusError {
  return new VenusError('WORKER_STATE_INVALID', f.describe(), { details: { level: f.level }, cause: f })
}
