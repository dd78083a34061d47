import { basename } from 'node:path'
// Helpers shared by the native backend's sealing, PoSt and update calls.
import type { ProofsPieceInfo } from '@venus-cluster/core'
import { fillSectorPieces, VenusError } from '@venus-cluster/core'
import type { AddonPiece } from './addon.js'

/**
 * Verifiers answer `false` for anything that does not verify. The library reports some of those
 * as errors (a proof whose curve points do not decode, a commitment that is not a field element,
 * a sector set that does not match the proof); only malformed inputs (wrong lengths, unknown
 * types) and panics stay errors.
 */
export async function falseOnFailure(p: Promise<boolean>): Promise<boolean> {
  try {
    return await p
  } catch (err) {
    if (err instanceof VenusError && err.code === 'PROOFS_FAILED') return false
    throw err
  }
}

export function checkProofId(id: number, max: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id > max) {
    throw new VenusError('PROOF_TYPE_INVALID', `unknown ${what} proof type`, { details: { proofType: id } })
  }
}

export function abortCheck(signal: AbortSignal | undefined, call: string): void {
  if (signal?.aborted) {
    throw new VenusError('ABORTED', `${call} aborted`, { cause: signal.reason, details: { call } })
  }
}

/**
 * Rejects as soon as `signal` aborts. The native work itself can not be interrupted; it runs to
 * its end in the background (and keeps its queue slot until then).
 */
export function abortableCall<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  call: string,
): Promise<T> {
  if (!signal) return work
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {})
      reject(new VenusError('ABORTED', `${call} aborted`, { cause: signal.reason, details: { call } }))
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

export function u8(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/**
 * The piece list handed to the library, filled with zero pieces up to the sector size: the
 * library's `compute_comm_d` (behind computeCommD, PC1, C1 and the SnapDeals encoder) does not
 * pad after the last piece, so a list that does not fill the sector would get another CommD than
 * the chain computes (lotus pads the same way before calling it).
 */
export function pieces(list: readonly ProofsPieceInfo[], sectorSize: number): AddonPiece[] {
  let filled: readonly ProofsPieceInfo[]
  try {
    filled = fillSectorPieces(list, sectorSize)
  } catch (err) {
    if (err instanceof VenusError)
      throw new VenusError('PROOFS_INVALID_INPUT', `pieces: ${err.message}`, {
        details: err.details,
        cause: err,
      })
    throw err
  }
  return filled.map((p) => ({ commP: p.commP, paddedSize: p.paddedSize }))
}

/** Checks the unpadded offset and length of an unseal or decode range (multiples of 127). */
export function checkUnpaddedRange(r: { unpaddedOffset: number; unpaddedLength: number }): void {
  for (const [k, v] of [
    ['unpaddedOffset', r.unpaddedOffset],
    ['unpaddedLength', r.unpaddedLength],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v % 127 !== 0) {
      throw new VenusError('PROOFS_INVALID_INPUT', `${k} must be a non-negative multiple of 127`, {
        details: { [k]: v },
      })
    }
  }
}

/**
 * The registry facts of a sealing or update circuit as the backend reports them: the addon's
 * answer with the proof length worked out and the parameter files named without their folder.
 */
export function circuitInfo(i: {
  sectorSize: number
  apiVersion: string
  partitions: number
  singlePartitionProofLen: number
  circuitIdentifier: string
  paramsPath: string
  verifyingKeyPath: string
}) {
  return {
    sectorSize: i.sectorSize,
    apiVersion: i.apiVersion,
    partitions: i.partitions,
    proofLength: i.partitions * i.singlePartitionProofLen,
    circuitIdentifier: i.circuitIdentifier,
    paramsFile: basename(i.paramsPath),
    verifyingKeyFile: basename(i.verifyingKeyPath),
  }
}
