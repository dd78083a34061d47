/**
 * The manager's runtime configuration, in TypeScript form. `sector-manager.cfg` (TOML, read
 * by `loadManagerConfig` in core) is mapped onto this; tests build it directly with
 * {@link defaultMinerConfig}.
 */
import { isAbsolute, join } from 'node:path'
import type { ConfigKeyRef } from '@venus-cluster/core'

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
  /** `[Miners.Deal] Enabled`: sectors of this miner take deals from the market. Default off. */
  deal?: { enabled: boolean } | undefined
  /** Where the miner and its senders are written in the config file (start-up errors name them). */
  keys?: MinerConfigKeys | undefined
}

/** Config file locations of a miner's keys (from core's parser; see `ConfigKeyRef`). */
export interface MinerConfigKeys {
  actor: ConfigKeyRef
  preSender: ConfigKeyRef
  proveSender: ConfigKeyRef
  postSender: ConfigKeyRef
}

/** One `[[Common.PersistStores]]` block. */
export interface PersistStoreConfig {
  name: string
  path: string
  readOnly?: boolean | undefined
}

/** `[Common.DB]`: where the state lives (the daemon's `--db` / `VENUS_MANAGER_DB` win). */
export interface ManagerDbSetting {
  driver: 'sqlite' | 'postgres'
  /** SQLite file (empty = `<home>/manager.db`, relative = under the home) or `postgres://` URL. */
  dsn: string
}

/** The live configuration of a manager. */
export interface ManagerConfig {
  miners: MinerConfig[]
  persistStores: PersistStoreConfig[]
  /** `[[Common.PieceStores]]`: directories served by `GET /piecestore/<pieceCID>`. */
  pieceStores?: { name: string; path: string }[] | undefined
  /** Market base URL (`Common.API.Market`) the piece store proxy redirects to; empty = none. */
  marketUrl?: string | undefined
  db?: ManagerDbSetting | undefined
}

/**
 * The state database the config names, in the form `openManagerStore` takes: a `postgres://`
 * URL, a SQLite path (relative paths resolved under `home`), or undefined for the default
 * `<home>/manager.db`.
 *
 * @example
 * ```ts
 * const db = cliDb ?? managerDbFromConfig(config, home)
 * ```
 */
export function managerDbFromConfig(config: Pick<ManagerConfig, 'db'>, home: string): string | undefined {
  const db = config.db
  if (db === undefined || db.dsn === '') return undefined
  if (db.driver === 'postgres') return db.dsn
  return isAbsolute(db.dsn) ? db.dsn : join(home, db.dsn)
}

/**
 * The market's HTTP base from `Common.API.Market` (multiaddr or URL; ws/wss become http/https),
 * '' when unset. The piece store proxy redirects to `<base>/resource?resource-id=…` (docs/manager.md, "Piece store").
 */
export function marketHttpBase(api: string): string {
  if (api === '') return ''
  if (/^wss?:\/\//.test(api)) return new URL(api.replace(/^ws/, 'http')).origin
  if (/^https?:\/\//.test(api)) return new URL(api).origin
  const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)(?:\/(http|https|ws|wss))?\/?$/.exec(api)
  if (m === null) return ''
  const host = m[1] === 'ip6' ? `[${m[2]}]` : (m[2] as string)
  return `${m[4] === 'https' || m[4] === 'wss' ? 'https' : 'http'}://${host}:${m[3]}`
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
  pieceStores?: { name: string; path: string }[] | undefined
  market?: { api: string } | undefined
  db?: ManagerDbSetting | undefined
  miners: {
    actor: number
    sector: { initNumber: number; maxNumber: number | undefined; enabled: boolean; lifetimeDays: number }
    commitment: {
      confidence: number
      pre: LoadedKindLike
      prove: LoadedKindLike
    }
    deal?: { enabled: boolean } | undefined
    keys?: MinerConfigKeys | undefined
  }[]
}

/** The parts of one commit kind's settings the manager reads (see {@link LoadedManagerConfigLike}). */
export interface LoadedKindLike {
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
    pieceStores: (file.pieceStores ?? []).map((p) => ({ name: p.name, path: p.path })),
    marketUrl: marketHttpBase(file.market?.api ?? ''),
    db: file.db ? { ...file.db } : undefined,
    miners: file.miners.map((m) => ({
      actor: m.actor,
      deal: { enabled: m.deal?.enabled ?? false },
      ...(m.keys ? { keys: m.keys } : {}),
      sector: { ...m.sector },
      commitment: {
        confidence: m.commitment.confidence,
        pre: kind(m.commitment.pre, FIL / 50n),
        prove: kind(m.commitment.prove, (3n * FIL) / 100n),
      },
    })),
  }
}
