/**
 * The manager's runtime configuration, in TypeScript form. `sector-manager.cfg` (TOML, read
 * by `loadManagerConfig` in core) is mapped onto this; tests build it directly with
 * {@link defaultMinerConfig}.
 */

/** Batching of one commit kind. */
export interface CommitBatchConfig {
  enabled: boolean
  /** Send as soon as this many sectors wait. */
  threshold: number
  /** Longest a sector waits in the queue before its batch is sent anyway (ms). */
  maxWaitMs: number
  /** How often waiting queues are checked (ms). */
  checkIntervalMs: number
  gasOverEstimation: number
  /** Per-gas fee cap, attoFIL. */
  maxFeeCap: bigint
}

/** Settings of one commit kind (`Pre` or `Prove`). */
export interface CommitKindConfig {
  /** Sender address (`f0…`/`t0…`/`f3…`). Empty = this miner cannot send. */
  sender: string
  gasOverEstimation: number
  /** Per-gas fee cap, attoFIL. */
  maxFeeCap: bigint
  /** Fee limit per sector in a message, attoFIL (precommit 0.02 FIL, commit 0.03 FIL). */
  perSectorMaxFee: bigint
  batch: CommitBatchConfig
}

/** One `[[Miners]]` block. */
export interface MinerConfig {
  actor: number
  sector: { initNumber: number; maxNumber?: number | undefined; enabled: boolean; lifetimeDays: number }
  commitment: { confidence: number; pre: CommitKindConfig; prove: CommitKindConfig }
}

/** One `[[Common.PersistStores]]` block. */
export interface PersistStoreConfig {
  name: string
  path: string
  readOnly?: boolean | undefined
}

/** The live configuration of a manager. */
export interface ManagerConfig {
  miners: MinerConfig[]
  persistStores: PersistStoreConfig[]
}

const NANO = 1_000_000_000n
const FIL = 1_000_000_000_000_000_000n

/**
 * A miner block with the original's defaults (batching off, threshold 16, MaxWait 1h,
 * CheckInterval 1m, GasOverEstimation 1.2, MaxFeeCap 5 nanoFIL, Confidence 10).
 *
 * @example
 * ```ts
 * const m = defaultMinerConfig(1000, 't01000')
 * m.commitment.pre.batch.enabled = true
 * ```
 */
export function defaultMinerConfig(actor: number, sender: string): MinerConfig {
  const batch = (): CommitBatchConfig => ({
    enabled: false,
    threshold: 16,
    maxWaitMs: 3_600_000,
    checkIntervalMs: 60_000,
    gasOverEstimation: 1.2,
    maxFeeCap: 5n * NANO,
  })
  return {
    actor,
    sector: { initNumber: 0, enabled: true, lifetimeDays: 540 },
    commitment: {
      confidence: 10,
      pre: {
        sender,
        gasOverEstimation: 1.2,
        maxFeeCap: 5n * NANO,
        perSectorMaxFee: FIL / 50n,
        batch: batch(),
      },
      prove: {
        sender,
        gasOverEstimation: 1.2,
        maxFeeCap: 5n * NANO,
        perSectorMaxFee: (3n * FIL) / 100n,
        batch: batch(),
      },
    },
  }
}

/** The parts of core's `SectorManagerConfig` (from `loadManagerConfig`) the manager reads. */
export interface LoadedManagerConfigLike {
  persistStores: { name: string; path: string; readOnly: boolean }[]
  miners: {
    actor: number
    sector: { initNumber: number; maxNumber: number | undefined; enabled: boolean; lifetimeDays: number }
    commitment: {
      confidence: number
      pre: LoadedKindLike
      prove: LoadedKindLike
    }
  }[]
}

interface LoadedKindLike {
  sender: string | undefined
  gasOverEstimation: number
  maxFeeCap: bigint | undefined
  batch: {
    enabled: boolean
    threshold: number
    maxWaitMs: number
    checkIntervalMs: number
    gasOverEstimation: number
    maxFeeCap: bigint | undefined
  }
}

/**
 * Maps a parsed `sector-manager.cfg` (core `loadManagerConfig`) onto the manager's runtime
 * config. An unset fee cap becomes 0 (= let the messager decide).
 *
 * @example
 * ```ts
 * const cfg = managerConfigFromFile(await loadManagerConfig(`${home}/sector-manager.cfg`))
 * ```
 */
export function managerConfigFromFile(file: LoadedManagerConfigLike): ManagerConfig {
  const kind = (k: LoadedKindLike, perSector: bigint): CommitKindConfig => ({
    sender: k.sender ?? '',
    gasOverEstimation: k.gasOverEstimation,
    maxFeeCap: k.maxFeeCap ?? 0n,
    perSectorMaxFee: perSector,
    batch: { ...k.batch, maxFeeCap: k.batch.maxFeeCap ?? 0n },
  })
  return {
    persistStores: file.persistStores.map((p) => ({ name: p.name, path: p.path, readOnly: p.readOnly })),
    miners: file.miners.map((m) => ({
      actor: m.actor,
      sector: { ...m.sector },
      commitment: {
        confidence: m.commitment.confidence,
        pre: kind(m.commitment.pre, FIL / 50n),
        prove: kind(m.commitment.prove, (3n * FIL) / 100n),
      },
    })),
  }
}
