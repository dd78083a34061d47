/**
 * The proof-id facts the actors need (spec §5): WindowPoSt type → sector size and partition
 * size, seal proof → WindowPoSt type, seal proof size.
 */

const SIZES = [2048, 8 << 20, 512 << 20, 32 * 2 ** 30, 64 * 2 ** 30]
const PARTITION_SECTORS = [2, 2, 2, 2349, 2300]

/** Sector size and partition size for a V1_1 WindowPoSt proof id (10–14), or undefined. */
export function windowPoStInfo(
  postProof: number,
): { sectorSize: number; partitionSectors: number } | undefined {
  const i = postProof - 10
  const sectorSize = SIZES[i]
  const partitionSectors = PARTITION_SECTORS[i]
  if (sectorSize === undefined || partitionSectors === undefined) return undefined
  return { sectorSize, partitionSectors }
}

/** The sector size of an interactive seal proof id (V1 0–4, V1_1 5–9, synthetic 10–14). */
export function sealProofSectorSize(sealProof: number): number | undefined {
  if (!Number.isInteger(sealProof) || sealProof < 0 || sealProof > 14) return undefined
  return SIZES[sealProof % 5]
}

/** Max bytes of one seal proof for the seal proof's sector size. */
export function sealProofBytes(sealProof: number): number {
  const size = sealProofSectorSize(sealProof) ?? 0
  return size >= 32 * 2 ** 30 ? 1920 : 192
}
