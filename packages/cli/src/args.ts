/** Checks of command-line values shared by the command files; errors name the flag. */
import { parseAddress, VenusError } from '@venus-cluster/core'

/**
 * The actor id of `1000`, `t01000` or `f01000`; undefined for anything else.
 *
 * @example
 * ```ts
 * parseActorId('t01000') // 1000
 * ```
 */
export function parseActorId(text: string): number | undefined {
  const digits = /^(?:[ft]0)?(\d+)$/.exec(text)?.[1]
  const n = Number(digits)
  return digits !== undefined && Number.isSafeInteger(n) ? n : undefined
}

/**
 * A flag in whole milliseconds, at least `min` (a smaller interval would spin).
 *
 * @example
 * ```ts
 * millisecondsArg('--poll', '500') // 500
 * ```
 */
export function millisecondsArg(flag: string, text: string, min = 10): number {
  const ms = Number(text)
  if (!/^\d+$/.test(text) || ms < min)
    throw new VenusError(
      'CLI_USAGE',
      `${flag} must be a whole number of milliseconds ≥ ${min}, got ${JSON.stringify(text)}`,
    )
  return ms
}

/**
 * A non-negative whole number (sector numbers, epochs, counts); `what` names the flag or
 * argument in the error.
 *
 * @example
 * ```ts
 * uintArg('42', '--cutoff') // 42
 * ```
 */
export function uintArg(text: string, what: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new VenusError('CLI_USAGE', `${what} must be a non-negative integer, got ${JSON.stringify(text)}`)
  return n
}

/**
 * A miner actor id given as `1000`, `t01000` or `f01000`; `what` names the argument.
 *
 * @example
 * ```ts
 * minerArg('f01000', '<miner>') // 1000
 * ```
 */
export function minerArg(text: string, what: string): number {
  return parseActorId(text) ?? uintArg(text, what)
}

/**
 * `text` when it is a Filecoin address, else a usage error naming the argument.
 *
 * @example
 * ```ts
 * addressArg('t01000', '<sender>') // 't01000'
 * ```
 */
export function addressArg(text: string, what: string): string {
  try {
    parseAddress(text)
  } catch (err) {
    throw new VenusError('CLI_USAGE', `${what}: ${JSON.stringify(text)} is not a Filecoin address`, {
      cause: err,
    })
  }
  return text
}
