/**
 * The proof-id facts the actors need, from the core proofs registry: WindowPoSt type → sector
 * size and partition size, seal proof → sector size. Unknown ids give `undefined` so the actor
 * can abort with exit 16 instead of throwing.
 */
import { postProofFacts, sealProofFacts } from '@venus-cluster/core'

/** Sector size and partition size for a V1_1 WindowPoSt proof id (10–14), or undefined. */
export function windowPoStInfo(
  postProof: number,
): { sectorSize: number; partitionSectors: number } | undefined {
  if (!Number.isInteger(postProof) || postProof < 10 || postProof > 14) return undefined
  const f = postProofFacts(postProof)
  return { sectorSize: f.sectorSize, partitionSectors: f.sectorsPerPartition }
}

/** The sector size of an interactive seal proof id (V1 0–4, V1_1 5–9, synthetic 10–14). */
export function sealProofSectorSize(sealProof: number): number | undefined {
  if (!Number.isInteger(sealProof) || sealProof < 0 || sealProof > 14) return undefined
  return sealProofFacts(sealProof).sectorSize
}
