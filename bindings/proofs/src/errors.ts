import { VenusError } from '@venus-cluster/core'

/**
 * Turns an error thrown by the addon into a typed `VenusError`: argument errors become
 * `PROOFS_INVALID_INPUT`, caught Rust panics `PROOFS_PANIC`, missing parameter files
 * `PROOFS_PARAMS_MISSING`, everything else `PROOFS_FAILED`.
 *
 * @example
 * ```ts
 * try { await addon.sealCommitPhase2(c1, prover, 1) } catch (e) { throw toVenusError(e, 'c2') }
 * ```
 */
export function toVenusError(err: unknown, call: string): VenusError {
  if (err instanceof VenusError) return err
  const message = err instanceof Error ? err.message : String(err)
  const code = (err as { code?: unknown } | null)?.code
  const details = { call, reason: message }
  if (message.startsWith('panic in proofs:')) {
    return new VenusError('PROOFS_PANIC', `${call}: ${message}`, { details, cause: err })
  }
  if (code === 'InvalidArg') {
    return new VenusError('PROOFS_INVALID_INPUT', `${call}: ${message}`, { details, cause: err })
  }
  if (/No cached (parameters|srs key|verifying key)|failure finding/i.test(message)) {
    return new VenusError(
      'PROOFS_PARAMS_MISSING',
      `${call}: parameters missing; generate them with \`venus-cluster util params --sector-size <size>\` (${message})`,
      { details, cause: err },
    )
  }
  return new VenusError('PROOFS_FAILED', `${call}: ${message}`, { details, cause: err })
}
