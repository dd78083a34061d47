// Input checks of the mock backend: each names the offending field in a PROOFS_INVALID_INPUT error.
import { isFieldElement } from '../codecs/cid.js'
import { isVenusError, VenusError } from '../errors/index.js'
import { commD as pieceCommD } from '../piece/index.js'
import type { PrivateReplicaInfo, ProofsPieceInfo } from './backend.js'
import { type PoStProofFacts, postProofFacts } from './registry.js'

export function invalid(message: string, details: Record<string, unknown>): VenusError {
  return new VenusError('PROOFS_INVALID_INPUT', message, { details })
}

export function failed(message: string, details: Record<string, unknown> = {}, cause?: unknown): VenusError {
  return new VenusError('PROOFS_FAILED', message, { details, cause })
}

export function bytes32(field: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== 32) {
    throw invalid(`${field} must be 32 bytes`, {
      field,
      length: v instanceof Uint8Array ? v.length : null,
    })
  }
  return v
}

/**
 * A commitment (CommR, CommD) as the library checks it (`as_safe_commitment`): a field element
 * below the BLS12-381 modulus. Not the Fr32 top-two-bits test: a real CommR is a Poseidon output
 * over the whole field, so about half of them have bit 6 of byte 31 set.
 */
export function commitmentValue(field: string, v: unknown): Uint8Array {
  const b = bytes32(field, v)
  if (!isFieldElement(b)) {
    throw invalid(`${field} is not a BLS12-381 field element (at or above the modulus)`, { field })
  }
  return b
}

/** PoSt randomness: callers (Lotus, the poster) clear the top two bits before proving. */
export function fr32Value(field: string, v: unknown): Uint8Array {
  const b = bytes32(field, v)
  if (((b[31] as number) & 0xc0) !== 0) {
    throw invalid(`${field} is not a canonical field element (top two bits of byte 31 must be zero)`, {
      field,
    })
  }
  return b
}

export function sectorNum(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw invalid(`${field} must be a non-negative integer`, { field, value: String(v) })
  }
  return v
}

export function paddedOf(field: string, unpadded: unknown): number {
  const n = typeof unpadded === 'number' ? unpadded : Number.NaN
  const q = n / 127
  if (!Number.isSafeInteger(n) || n < 127 || !Number.isInteger(q) || (q & (q - 1)) !== 0) {
    throw invalid(`${field} must be an unpadded piece size 127·2^k`, { field, value: String(unpadded) })
  }
  return q * 128
}

/** An unpadded range (offset, length: multiples of 127) inside a sector of `sectorSize`. */
export function unpaddedRange(what: string, offset: unknown, length: unknown, sectorSize: number) {
  const o = sectorNum('unpaddedOffset', offset)
  const l = sectorNum('unpaddedLength', length)
  if (o % 127 !== 0 || l % 127 !== 0 || ((o + l) / 127) * 128 > sectorSize) {
    throw invalid(`${what} range must be multiples of 127 inside the sector`, {
      unpaddedOffset: o,
      unpaddedLength: l,
    })
  }
  return { offset: o, length: l }
}

export function nonEmptyPath(field: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${field} must be a non-empty path`, { field })
  return v
}

export function piecesOf(pieces: unknown): ProofsPieceInfo[] {
  if (!Array.isArray(pieces)) throw invalid('pieces must be an array', { field: 'pieces' })
  return pieces.map((p: ProofsPieceInfo, i) => {
    bytes32(`pieces[${i}].commP`, p?.commP)
    const s = p.paddedSize
    if (!Number.isSafeInteger(s) || s < 128 || (s & (s - 1)) !== 0) {
      throw invalid('piece paddedSize must be a power of two ≥ 128', {
        field: `pieces[${i}].paddedSize`,
        value: s,
      })
    }
    return p
  })
}

/** CommD of pieces for a proof type, with piece-module errors reported as invalid proofs input. */
export function commDOf(pieces: readonly ProofsPieceInfo[], sectorSize: number): Uint8Array {
  try {
    return pieceCommD(pieces, sectorSize)
  } catch (err) {
    if (isVenusError(err))
      throw new VenusError('PROOFS_INVALID_INPUT', err.message, { details: err.details, cause: err })
    throw err
  }
}

export function sortedReplicas<T extends { sectorNumber: number; commR: Uint8Array }>(
  replicas: readonly T[],
): T[] {
  if (!Array.isArray(replicas) || replicas.length === 0) {
    throw invalid('replicas must be a non-empty array', { field: 'replicas' })
  }
  const seen = new Set<number>()
  replicas.forEach((r, i) => {
    sectorNum(`replicas[${i}].sectorNumber`, r?.sectorNumber)
    commitmentValue(`replicas[${i}].commR`, r.commR)
    if (seen.has(r.sectorNumber))
      throw invalid('duplicate sector in replicas', { sectorNumber: r.sectorNumber })
    seen.add(r.sectorNumber)
  })
  return [...replicas].sort((a, b) => a.sectorNumber - b.sectorNumber)
}

export function replicasPoStType(
  replicas: readonly PrivateReplicaInfo[],
  kind: 'window' | 'winning',
): PoStProofFacts {
  const facts = postProofFacts((replicas[0] as PrivateReplicaInfo).postProofType)
  if (facts.kind !== kind) {
    throw invalid(`postProofType ${facts.postProofType} is not a ${kind} PoSt type`, {
      postProofType: facts.postProofType,
    })
  }
  for (const r of replicas) {
    if (r.postProofType !== facts.postProofType) {
      throw invalid('all replicas must share one postProofType', { sectorNumber: r.sectorNumber })
    }
  }
  return facts
}

export function aggregationType(t: unknown): number {
  if (t !== 0 && t !== 1)
    throw new VenusError('PROOF_TYPE_INVALID', 'unknown aggregation proof type', {
      details: { aggregateType: t },
    })
  return t
}
