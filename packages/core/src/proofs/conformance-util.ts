// Small helpers of the conformance suites (core needs no test framework at run time).
import { stat } from 'node:fs/promises'
import { isVenusError } from '../errors/index.js'

export function flipBit(bytes: Uint8Array, index = 0): Uint8Array {
  const out = bytes.slice()
  out[index] = (out[index] as number) ^ 1
  return out
}

/**
 * Whether a verifier rejected: answered `false`, or threw a `VenusError` (a real backend may fail
 * to deserialise tampered proof bytes instead of answering false).
 */
export async function verifierRejected(p: Promise<boolean>): Promise<boolean> {
  return p.then(
    (ok) => !ok,
    (err) => isVenusError(err),
  )
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return isVenusError(err) ? err.code : `non-VenusError: ${String(err)}`
  }
}
