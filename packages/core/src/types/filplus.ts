/**
 * Fil+ policy of the builtin actors (v18) and the miner actor's quality-adjusted power: a
 * verified piece counts ten times for the sector's power, weighted by the space-time it is
 * claimed for.
 */

const EPOCHS_PER_DAY = 2880
const EPOCHS_PER_YEAR = 1_051_920

/**
 * Verified registry and market policy (same on every network except the minimum allocation
 * size, 1 MiB on mainnet and calibnet, 256 bytes where actors are built with `small-deals`).
 *
 * @example
 * ```ts
 * VERIFIED_POLICY.minimumAllocationTerm // 518400 (180 days)
 * ```
 */
export const VERIFIED_POLICY = {
  /** Smallest allocation on mainnet and calibnet (bytes). */
  minimumAllocationSize: 1 << 20,
  /** Smallest allocation on networks built with small deals (devnets, 2k). */
  minimumAllocationSizeSmallDeals: 256,
  /** Shortest `termMin` of a new allocation: 180 days. */
  minimumAllocationTerm: 180 * EPOCHS_PER_DAY,
  /** Longest `termMax` of an allocation or claim: 5 years. */
  maximumAllocationTerm: 5 * EPOCHS_PER_YEAR,
  /** Longest an allocation may wait to be claimed: 60 days. */
  maximumAllocationExpiration: 60 * EPOCHS_PER_DAY,
  /** Claims may be dropped on extension only in a sector's last 30 days. */
  endOfLifeClaimDropPeriod: 30 * EPOCHS_PER_DAY,
  /** What the market adds to a verified deal's term for its allocation's `termMax`: 90 days. */
  marketAllocationTermBuffer: 90 * EPOCHS_PER_DAY,
} as const

const QUALITY_BASE_MULTIPLIER = 10n
const VERIFIED_DEAL_WEIGHT_MULTIPLIER = 100n
const SECTOR_QUALITY_PRECISION = 20n

/**
 * The quality of a sector, fixed point with 20 fractional bits (`1 << 20` = 1×, ten times that
 * for a sector full of verified data), as the miner actor computes it.
 *
 * @example
 * ```ts
 * qualityForWeight(2048, 1000, 2048n * 1000n) // 10485760n (10 << 20)
 * ```
 */
export function qualityForWeight(sectorSize: number, duration: number, verifiedWeight: bigint): bigint {
  const spaceTime = BigInt(sectorSize) * BigInt(duration)
  if (spaceTime <= 0n) return 1n << SECTOR_QUALITY_PRECISION
  const weightedBase = (spaceTime - verifiedWeight) * QUALITY_BASE_MULTIPLIER
  const weightedVerified = verifiedWeight * VERIFIED_DEAL_WEIGHT_MULTIPLIER
  const sum = (weightedBase + weightedVerified) << SECTOR_QUALITY_PRECISION
  return sum / spaceTime / QUALITY_BASE_MULTIPLIER
}

/**
 * A sector's quality-adjusted power from its size, the epochs its weights cover
 * (`expiration − powerBaseEpoch`) and its verified deal weight (verified bytes × epochs).
 *
 * @example
 * ```ts
 * qaPowerForWeight(2048, 1000, 0n) // 2048n
 * qaPowerForWeight(2048, 1000, 2048n * 1000n) // 20480n: verified data counts ten times
 * ```
 */
export function qaPowerForWeight(sectorSize: number, duration: number, verifiedWeight: bigint): bigint {
  return (
    (BigInt(sectorSize) * qualityForWeight(sectorSize, duration, verifiedWeight)) >> SECTOR_QUALITY_PRECISION
  )
}

/**
 * The quality-adjusted power of a sector holding `verifiedSize` bytes of claimed verified data
 * for its whole remaining life: `size + 9 × verifiedSize` (floored as the actor floors).
 *
 * @example
 * ```ts
 * qaPowerOfSector(2048, 2048) // 20480n
 * qaPowerOfSector(2048, 1024) // 11264n
 * ```
 */
export function qaPowerOfSector(sectorSize: number, verifiedSize: number, duration = 1_000_000): bigint {
  return qaPowerForWeight(sectorSize, duration, BigInt(verifiedSize) * BigInt(duration))
}
