/**
 * Failure levels of a sealing step: Temporary (retried), Permanent and Critical (the
 * thread pauses), Abort (the sector is given up).
 */
import { isVenusError, OnChainState, SubmitResult, VenusError } from '@venus-cluster/core'

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
    return describeError(this)
  }
}

/**
 * An error and up to five of its causes as one line (`"AllocateSector failed: fetch failed:
 * connect ECONNREFUSED 127.0.0.1:1789"`), for logs and the texts sent to the manager.
 *
 * @example
 * ```ts
 * log.warn({ err: describeError(err) }, 'AllocateSector failed; retrying')
 * ```
 */
export function describeError(err: unknown): string {
  const parts: string[] = []
  let c: unknown = err
  for (let i = 0; c !== undefined && c !== null && i < 6; i++) {
    const text = c instanceof Error ? c.message : String(c)
    // A wrapper that repeats its cause's text adds nothing.
    if (text !== '' && parts.at(-1) !== text) parts.push(text)
    c = c instanceof Error ? c.cause : undefined
  }
  return parts.join(': ')
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
 * ("sector state not found") aborts the sector, everything else is Temporary.
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

const withDesc = (text: string, desc: string | null | undefined) =>
  desc === null || desc === undefined || desc === '' ? text : `${text}: ${desc}`

/**
 * The failure for a `SubmitPreCommit` / `SubmitProof` answer that is not accepted, in the
 * operator's words (the original's texts name the result, e.g. "Rejected: …"); undefined when the
 * submission was accepted. Rejected aborts the sector; the others pause the thread.
 *
 * @example
 * ```ts
 * const f = submitFailure('pre commit', await sealer.submitPreCommit(...)); if (f) throw f
 * ```
 */
export function submitFailure(
  what: 'pre commit' | 'proof',
  r: { result: number; desc: string | null },
): SealingFailure | undefined {
  switch (r.result) {
    case SubmitResult.Accepted:
    case SubmitResult.DuplicateSubmit:
      return undefined
    case SubmitResult.MismatchedSubmission:
      return permanent(
        withDesc(`${what} submission differs from the one submitted before (MismatchedSubmission)`, r.desc),
      )
    case SubmitResult.Rejected:
      return abort(withDesc(`${what} submission rejected by the manager (Rejected)`, r.desc))
    case SubmitResult.FilesMissed:
      return permanent(
        withDesc(
          `${what} submission: the manager cannot find the sector's persisted files (FilesMissed)`,
          r.desc,
        ),
      )
    default:
      return permanent(withDesc(`${what} submission: unknown result ${r.result} from the manager`, r.desc))
  }
}

/**
 * The failure for a `PollPreCommitState` / `PollProofState` answer that ends the polling, in the
 * operator's words ("pre commit on-chain info not found", as the original says). NotFound,
 * PermFailed and unknown states pause the thread; ShouldAbort aborts the sector.
 *
 * @example
 * ```ts
 * if (r.state === OnChainState.NotFound) throw onChainFailure('pre commit', r)
 * ```
 */
export function onChainFailure(
  what: 'pre commit' | 'proof',
  r: { state: number; desc: string | null },
): SealingFailure {
  switch (r.state) {
    case OnChainState.NotFound:
      return permanent(withDesc(`${what} on-chain info not found`, r.desc))
    case OnChainState.PermFailed:
      return permanent(withDesc(`${what} on-chain info permanent failed`, r.desc))
    case OnChainState.ShouldAbort:
      return abort(withDesc(`${what}: the manager says to abort the sector`, r.desc))
    default:
      return permanent(withDesc(`${what}: unknown on-chain state ${r.state} from the manager`, r.desc))
  }
}
