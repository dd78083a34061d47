/**
 * Gas model of the devnet: a per-method cost calibrated to the FIP-0100 measurements
 * and Lotus' base-fee update rule.
 */
import { METHOD_SEND, MinerMethod, PowerMethod } from '@venus-cluster/core'

/** What a message did, as far as its gas cost depends on it. */
export interface GasShape {
  method: number
  /** Actor kind of the receiver. */
  to: 'account' | 'power' | 'miner' | 'market' | 'verifreg' | 'datacap' | 'other'
  /** Sectors touched (pre-commit, prove-commit, replica updates, terminations, declarations), or allocations and claims. */
  sectors?: number
  /** Partitions proven by a WindowPoSt. */
  partitions?: number
  /** Whether a ProveCommitSectors3 carried one aggregate proof. */
  aggregate?: boolean
}

/*
 * FIP-0100 figures: PreCommitSectorBatch2 16.7 M gas for 1 sector, 4.6 M/sector for 4;
 * ProveCommitSectors3 267.5 M single, 145 M/sector batched (4 proofs), 129.3 M/sector with a
 * 4-proof aggregate. A linear `base + n * perSector` through those points gives the constants
 * below (base shared between the batched and aggregated forms).
 */
const PRECOMMIT_PER_SECTOR = (18_400_000 - 16_700_000) / 3
const PRECOMMIT_BASE = 16_700_000 - PRECOMMIT_PER_SECTOR
const PROVE_PER_SECTOR = (580_000_000 - 267_500_000) / 3
const PROVE_BASE = 267_500_000 - PROVE_PER_SECTOR
const PROVE_AGG_PER_SECTOR = (517_200_000 - PROVE_BASE) / 4
/*
 * ProveReplicaUpdates3: no published per-batch measurements, so an estimate — the FVM charges
 * 36.3 M gas per `verify_replica_update` syscall; a sector info rewrite, a partition update and
 * the data activation add about 10 M per sector; loading the miner, its deadlines and the power
 * and pledge updates about 60 M per message.
 */
const UPDATE_BASE = 60_000_000
const UPDATE_PER_SECTOR = 46_300_000

/**
 * Gas used by one message, from its method and size.
 *
 * @example
 * ```ts
 * gasForMessage({ method: 28, to: 'miner', sectors: 4 }) // 18_400_000
 * ```
 */
export function gasForMessage(shape: GasShape): number {
  const n = Math.max(1, shape.sectors ?? 1)
  if (shape.to === 'account' || shape.method === METHOD_SEND) return 489_000
  if (shape.to === 'power' && shape.method === PowerMethod.CreateMiner) return 41_000_000
  if (shape.to === 'market') return 30_000_000 + 8_000_000 * n
  // An estimate: a HAMT write per allocation or claim, and for DataCap the receiver hook.
  if (shape.to === 'verifreg') return 15_000_000 + 5_000_000 * n
  if (shape.to === 'datacap') return 25_000_000 + 8_000_000 * n
  if (shape.to !== 'miner') return 1_000_000
  switch (shape.method) {
    case MinerMethod.PreCommitSectorBatch2:
      return Math.round(PRECOMMIT_BASE + PRECOMMIT_PER_SECTOR * n)
    case MinerMethod.ProveCommitSectors3:
      return Math.round(PROVE_BASE + (shape.aggregate ? PROVE_AGG_PER_SECTOR : PROVE_PER_SECTOR) * n)
    case MinerMethod.ProveReplicaUpdates3:
      return UPDATE_BASE + UPDATE_PER_SECTOR * n
    case MinerMethod.SubmitWindowedPoSt:
      // Observed mainnet WindowPoSt messages use ~50–60 M gas for one partition.
      return 45_000_000 + 12_000_000 * Math.max(1, shape.partitions ?? 1)
    case MinerMethod.DeclareFaults:
    case MinerMethod.DeclareFaultsRecovered:
      return 20_000_000 + 500_000 * n
    case MinerMethod.TerminateSectors:
      return 30_000_000 + 2_000_000 * n
    case MinerMethod.ExtendSectorExpiration2:
      // An estimate: a sector info rewritten per sector, a partition update per declaration.
      return 30_000_000 + 1_500_000 * n
    default:
      return 10_000_000
  }
}

/** Lotus `BaseFeeMaxChangeDenom`. */
const BASE_FEE_MAX_CHANGE_DENOM = 8n

/**
 * Next base fee from the parent's base fee and the gas limits of the messages it included,
 * as Lotus' `ComputeNextBaseFee` does for one block per tipset: move by at most 1/8 towards
 * the target of half the block gas limit, never below the minimum.
 *
 * @example
 * ```ts
 * nextBaseFee(100n, 10_000_000_000, 10_000_000_000, 100n) // 112n
 * ```
 */
export function nextBaseFee(
  baseFee: bigint,
  gasLimitUsed: number,
  blockGasLimit: number,
  minimumBaseFee: bigint,
): bigint {
  const target = BigInt(Math.floor(blockGasLimit / 2))
  let delta = BigInt(gasLimitUsed) - target
  if (delta > target) delta = target
  if (delta < -target) delta = -target
  const change = (baseFee * delta) / target / BASE_FEE_MAX_CHANGE_DENOM
  const next = baseFee + change
  return next < minimumBaseFee ? minimumBaseFee : next
}
