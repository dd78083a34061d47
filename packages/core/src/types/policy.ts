/**
 * Miner actor policy constants (go-state-types `builtin` and `miner` policy). They are the same
 * on every Filecoin network and are counted in epochs of 30 s; what differs per network (the
 * challenge delay, sector sizes) is in {@link NETWORK_PARAMS}.
 */

/** Epochs in a day (30 s each). */
export const EPOCHS_PER_DAY = 2880

/**
 * The sealing and proving bounds of the miner actor, in epochs.
 *
 * @example
 * ```ts
 * const latest = head + MINER_POLICY.maxSectorExpirationExtension
 * ```
 */
export const MINER_POLICY = {
  /** Epochs per day. */
  epochsPerDay: EPOCHS_PER_DAY,
  /** `ChainFinality`: how far behind the head a precommit's ticket is drawn. */
  chainFinality: 900,
  /** Oldest ticket a precommit may use: one day plus finality. */
  maxPreCommitRandomnessLookback: EPOCHS_PER_DAY + 900,
  /** `MaxProveCommitDuration` without the network's `PreCommitChallengeDelay` (30 days). */
  maxProveCommitDurationBase: 30 * EPOCHS_PER_DAY,
  /** Shortest sector lifetime after its prove-commit deadline (180 days). */
  minSectorExpiration: 180 * EPOCHS_PER_DAY,
  /** Latest expiration of a sector, counted from the current epoch (1278 days). */
  maxSectorExpirationExtension: 1278 * EPOCHS_PER_DAY,
  /** Longest a sector may live from activation, extensions included (five years of 365 days). */
  sectorMaxLifetime: 5 * 365 * EPOCHS_PER_DAY,
  /** `WPoStProvingPeriod`: one day. */
  wpostProvingPeriod: EPOCHS_PER_DAY,
} as const
