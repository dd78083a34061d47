/**
 * The one typed configuration of the sector manager, and its defaults. `managerConfig(partial)`
 * builds it in code; the TOML loader (`parseManagerConfig`, both the seed's and v0.1.2's layouts
 * of `sector-manager.cfg`) produces the same object. Every default lives in
 * {@link MANAGER_CONFIG_DEFAULTS}; the seed layout's own defaults differ in a few keys and are
 * listed beside its parser.
 */
import { resolve } from 'node:path'
import { parseTrustedNetworks } from '../auth/trusted-networks.js'
import { PROVE_REPLICA_UPDATES_MAX_SIZE, parseAddress } from '../codecs/index.js'
import { VenusError } from '../errors/index.js'
import { formatKeyPath, lineOf } from './key-lines.js'
import type { ConfigSource } from './reader.js'

/** One API endpoint: a multiaddr or URL and its bearer token. */
export interface ApiEndpointConfig {
  api: string
  token: string
}

/** A directory the manager reads sectors or pieces from. */
export interface ManagerStoreConfig {
  /** Instance name shared with workers' attached stores; defaults to the absolute path. */
  name: string
  path: string
  strict: boolean
  readOnly: boolean
  /**
   * Persist stores: how often, relative to the other stores, new sectors are placed here
   * (absent = 1; 0 = never chosen for new sectors, its sectors are still proven).
   */
  weight?: number | undefined
  /** Persist stores: miner actor ids whose sectors may be placed here; absent or empty = any. */
  allowMiners?: number[] | undefined
  /** Persist stores: miner actor ids whose sectors are never placed here. */
  denyMiners?: number[] | undefined
}

/** Batching of one commit kind. */
export interface CommitBatchPolicy {
  enabled: boolean
  /** Send as soon as this many sectors wait. */
  threshold: number
  /** Longest a sector waits in the queue before its batch is sent anyway (ms). */
  maxWaitMs: number
  /** How often waiting queues are checked (ms). */
  checkIntervalMs: number
  gasOverEstimation: number
  /** Per-gas fee cap of batch messages, attoFIL; undefined = no cap of our own (the messager decides). */
  maxFeeCap: bigint | undefined
}

/** Message settings of one commit kind (pre-commit or prove-commit). */
export interface CommitKindPolicy {
  /**
   * The first of {@link senders}; undefined = not configured (the miner cannot send). Kept for
   * code that knows one sender only.
   */
  sender: string | undefined
  /**
   * Every address that may send this kind (`f0…`/`t0…`/`f3…`), in config order; each message goes
   * from the one with the most funds that can pay it (see the manager's sender choice).
   */
  senders: string[]
  gasOverEstimation: number
  /** Per-gas fee cap, attoFIL; undefined = no cap of our own (the messager decides). */
  maxFeeCap: bigint | undefined
  /**
   * Fee limit per sector in a message, attoFIL (the message's limit is this times its sectors).
   * Not a key of `sector-manager.cfg`: 0.02 FIL for precommits, 0.03 FIL for prove-commits.
   */
  perSectorMaxFee: bigint
  batch: CommitBatchPolicy
}

/** Batching of `ProveReplicaUpdates3` (the snap-up queue is checked on every manager tick). */
export type SnapUpBatchPolicy = Omit<CommitBatchPolicy, 'checkIntervalMs'>

/**
 * Snap-up (SnapDeals) of one miner's committed-capacity sectors: whether its CC sectors are
 * handed out, which of them are candidates, and how `ProveReplicaUpdates3` is sent.
 */
export interface SnapUpMinerConfig {
  /** Whether the miner's CC sectors are handed out for snap-up (`AllocateSnapUpSector`). */
  enabled: boolean
  /** The first of {@link senders}; undefined = the miner's prove-commit senders are used. */
  sender: string | undefined
  /** Addresses that may send `ProveReplicaUpdates3`; empty = the prove-commit senders. */
  senders: string[]
  gasOverEstimation: number
  /** Per-gas fee cap, attoFIL; undefined = no cap of our own (the messager decides). */
  maxFeeCap: bigint | undefined
  /** Fee limit per sector in a message, attoFIL (the message's limit is this times its sectors). */
  perSectorMaxFee: bigint
  batch: SnapUpBatchPolicy
  /** Candidate policy: least epochs a CC sector must have left before it expires (the deals must fit). */
  minLifetimeEpochs: number
  /** Epochs after the update landed before the CC sealed file (the sector key) is dropped. */
  finalityEpochs: number
}

/**
 * Where a key is (or would be) written in a config file, for errors found after parsing, such as
 * a sender the chain refuses. `line` is the key's line, else its nearest written table's, else 0.
 */
export interface ConfigKeyRef {
  file: string
  line: number
  /** The key path as config errors print it, e.g. `Commitment.Miners.1000.Controls.PreCommit`. */
  key: string
}

/**
 * Resolves a key path of a parsed file to a {@link ConfigKeyRef}.
 *
 * @example
 * ```ts
 * configKeyRef(src, ['Miners', 0, 'Commitment', 'Pre', 'Sender']) // { file, line: 12, key: 'Miners[0]…' }
 * ```
 */
export function configKeyRef(src: ConfigSource, path: readonly (string | number)[]): ConfigKeyRef {
  return { file: src.file, line: lineOf(src.lines, path), key: formatKeyPath(path) }
}

/**
 * Formats a {@link ConfigKeyRef} as `file:line: key` (or `file: key` without a line).
 *
 * @example
 * ```ts
 * formatConfigKeyRef({ file: 'sector-manager.cfg', line: 7, key: 'Miners[0].Actor' })
 * // 'sector-manager.cfg:7: Miners[0].Actor'
 * ```
 */
export function formatConfigKeyRef(ref: ConfigKeyRef): string {
  return `${ref.line > 0 ? `${ref.file}:${ref.line}` : ref.file}: ${ref.key}`
}

/** Where a miner and its senders are written in a config file (start-up errors name them). */
export interface MinerConfigKeys {
  actor: ConfigKeyRef
  preSender: ConfigKeyRef
  proveSender: ConfigKeyRef
  postSender: ConfigKeyRef
}

/** Everything the manager needs to know about one miner actor. */
export interface ManagerMinerConfig {
  actor: number
  /**
   * Where the miner and its senders are configured (filled by the parser; absent in configs built
   * in code). A sender key that is not written points at the key it would go to.
   */
  keys?: MinerConfigKeys | undefined
  sector: {
    /** Numbering base: the first number handed out is `initNumber + 1`. */
    initNumber: number
    /** Highest number that may be handed out; undefined = no limit. */
    maxNumber: number | undefined
    /** Whether new sectors may be allocated for this miner. */
    enabled: boolean
    /** Lifetime of new sectors in days (their expiration). */
    lifetimeDays: number
  }
  commitment: {
    /** Epochs a message must be buried before it counts as landed. */
    confidence: number
    pre: CommitKindPolicy
    prove: CommitKindPolicy
  }
  post: {
    /** The first of `senders`; undefined = none configured. */
    sender: string | undefined
    /** Every address that may send WindowPoSt messages, in config order. */
    senders: string[]
    enabled: boolean
    strictCheck: boolean
    gasOverEstimation: number
    maxFeeCap: bigint | undefined
    confidence: number
    checkIntervalMs: number
    /** Epochs after the challenge before proving starts (damocles v0.3 `ChallengeConfidence`). */
    challengeConfidence: number
    /** Epochs after the deadline opens before the proof is sent (`SubmitConfidence`). */
    submitConfidence: number
    /** Partitions per SubmitWindowedPoSt message; 0 = the network's maximum. */
    maxPartitionsPerPoStMessage: number
    /** Partitions per DeclareFaultsRecovered message; 0 = no limit. */
    maxPartitionsPerRecoveryMessage: number
  }
  /** WinningPoSt answering (seed `[RegisterProof]`, v0.1.2 `[Miners.Proof]`). */
  proof: { enabled: boolean; apis: string[]; token: string }
  /** `[Miners.Deal] Enabled`: sectors of this miner take deals from the market. */
  deal: { enabled: boolean }
  /** `[Miners.SnapUp]`: snap-up of the miner's CC sectors. */
  snapup: SnapUpMinerConfig
}

/**
 * Unseal requests from the market (`[Common.Unseal]`): the manager listens for venus-market's
 * (droplet's) and venus-gateway's `SectorsUnsealPiece` events and uploads each unsealed piece to
 * the destination the request names.
 */
export interface ManagerUnsealConfig {
  /**
   * `ListenMarketEvents`: open `ListenMarketEvent` for every miner on `market.api` (when set) and
   * every `gateway.apis` entry. Default off.
   */
  listenMarketEvents: boolean
  /**
   * `AllowedFileDirs`: absolute directories a `file://` destination may name; a request for any
   * other file is refused (default none: every `file://` destination is refused).
   */
  allowedFileDirs: string[]
}

/**
 * Where the manager keeps its state (`[Common.DB]`, seed layout `[SectorManager.DB]`).
 * `sqlite`: `dsn` is the database file (empty = `<home>/manager.db`, relative = under the home);
 * `postgres`: `dsn` is a `postgres://` URL. The daemon's `--db` / `VENUS_MANAGER_DB` take precedence.
 */
export interface ManagerDbConfig {
  driver: 'sqlite' | 'postgres'
  dsn: string
}

/**
 * The sector manager's configuration: what `sector-manager.cfg` holds (either layout), or what
 * {@link managerConfig} builds in code.
 */
export interface ManagerConfig {
  /** Which layout of `sector-manager.cfg` it was read from; `code` when built by {@link managerConfig}. */
  layout: 'seed' | 'v0.1.2' | 'code'
  /** Fetch miner info from the chain at startup. */
  preFetch: boolean
  chain: ApiEndpointConfig
  messager: ApiEndpointConfig
  /** venus-market (deals, and the piece store's redirects); empty `api` = no market. */
  market: ApiEndpointConfig
  gateway: { apis: string[]; token: string }
  /** Unseal requests from the market (`[Common.Unseal]`); see {@link ManagerUnsealConfig}. */
  unseal: ManagerUnsealConfig
  chainEventIntervalMs: number
  /** Directories served by `GET /piecestore/<pieceCID>`. */
  pieceStores: ManagerStoreConfig[]
  /** Where workers persist sealed sectors (`SubmitPersisted` checks the files there). */
  persistStores: ManagerStoreConfig[]
  /** Seed `PersistedStore.Includes`: extra store config files to merge (kept as written). */
  persistStoreIncludes: string[]
  db: ManagerDbConfig
  /**
   * CIDR blocks whose callers may go without a token and read, write and sign
   * (`[Common.API] TrustedNetworks`, or `[SectorManager] TrustedNetworks` in the seed's layout);
   * `daemon run --trusted-networks` adds to them.
   */
  trustedNetworks: string[]
  miners: ManagerMinerConfig[]
}

/**
 * The parsed `sector-manager.cfg`: the same shape as {@link ManagerConfig}.
 *
 * @deprecated Use {@link ManagerConfig}; this name stays for code written before the two were one.
 */
export type SectorManagerConfig = ManagerConfig

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const NANO_FIL = 1_000_000_000n
const FIL = 1_000_000_000_000_000_000n

/**
 * Every default of the manager's configuration, in one place: what {@link managerConfig} fills in,
 * and what the v0.1.2 layout of `sector-manager.cfg` uses for keys it does not write. (The seed
 * layout keeps the original seed's defaults for a few keys: see `SEED_LAYOUT_DEFAULTS` beside its
 * parser.)
 *
 * | key | default |
 * |---|---|
 * | `preFetch` | `true` |
 * | `chainEventIntervalMs` | 1 min |
 * | `db` | SQLite at `<home>/manager.db` |
 * | `miners[].sector` | numbers from 1, no maximum, allocation on, 540 days |
 * | `miners[].commitment.confidence` | 10 epochs |
 * | `miners[].commitment.{pre,prove}` | gas over-estimation 1.2, fee cap 5 nanoFIL, 0.02 / 0.03 FIL per sector |
 * | `miners[].commitment.{pre,prove}.batch` | off; threshold 16, max wait 1 h, checked every minute |
 * | `miners[].post` | on, strict check, gas 1.2, cap 5 nanoFIL, confidence 10, challenge 10, submit 4 |
 * | `miners[].proof`, `miners[].deal` | off |
 * | `miners[].snapup` | on; prove-commit senders, gas 1.2, cap 5 nanoFIL, 0.5 FIL per sector; batch on (4 sectors or 1 h); 180 days of lifetime left; 900 epochs of finality |
 *
 * @example
 * ```ts
 * MANAGER_CONFIG_DEFAULTS.miner.commitment.pre.batch.threshold // 16
 * ```
 */
export const MANAGER_CONFIG_DEFAULTS = deepFreeze({
  preFetch: true,
  chainEventIntervalMs: MINUTE,
  db: { driver: 'sqlite', dsn: '' } as ManagerDbConfig,
  miner: {
    sector: { initNumber: 0, maxNumber: undefined, enabled: true, lifetimeDays: 540 },
    commitment: {
      confidence: 10,
      pre: commitKindDefaults(FIL / 50n),
      prove: commitKindDefaults((3n * FIL) / 100n),
    },
    post: {
      sender: undefined,
      senders: [] as string[],
      enabled: true,
      strictCheck: true,
      gasOverEstimation: 1.2,
      maxFeeCap: 5n * NANO_FIL,
      confidence: 10,
      checkIntervalMs: MINUTE,
      challengeConfidence: 10,
      submitConfidence: 4,
      maxPartitionsPerPoStMessage: 0,
      maxPartitionsPerRecoveryMessage: 0,
    },
    proof: { enabled: false, apis: [] as string[], token: '' },
    deal: { enabled: false },
    snapup: {
      enabled: true,
      sender: undefined,
      senders: [] as string[],
      gasOverEstimation: 1.2,
      maxFeeCap: 5n * NANO_FIL,
      perSectorMaxFee: FIL / 2n,
      batch: {
        enabled: true,
        threshold: 4,
        maxWaitMs: HOUR,
        gasOverEstimation: 1.2,
        maxFeeCap: 5n * NANO_FIL,
      },
      minLifetimeEpochs: 180 * 2880,
      finalityEpochs: 900,
    },
  } satisfies Omit<ManagerMinerConfig, 'actor' | 'keys'>,
})

function commitKindDefaults(perSectorMaxFee: bigint): CommitKindPolicy {
  return {
    sender: undefined,
    senders: [],
    gasOverEstimation: 1.2,
    maxFeeCap: 5n * NANO_FIL,
    perSectorMaxFee,
    batch: {
      enabled: false,
      threshold: 16,
      maxWaitMs: HOUR,
      checkIntervalMs: MINUTE,
      gasOverEstimation: 1.2,
      maxFeeCap: 5n * NANO_FIL,
    },
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x)
    Object.freeze(v)
  }
  return v
}

/** Every key of `T` optional (and `undefined` accepted for "the default"). */
export type Optional<T> = { [K in keyof T]?: T[K] | undefined }

/** One commit kind's settings as given in code (see {@link managerConfig}). */
export type CommitKindInit = Optional<Omit<CommitKindPolicy, 'batch'>> & {
  batch?: Optional<CommitBatchPolicy> | undefined
}

/** One miner as given in code: its actor id, and any settings that differ from the defaults. */
export interface ManagerMinerInit {
  actor: number
  keys?: MinerConfigKeys | undefined
  sector?: Optional<ManagerMinerConfig['sector']> | undefined
  commitment?:
    | {
        confidence?: number | undefined
        pre?: CommitKindInit | undefined
        prove?: CommitKindInit | undefined
      }
    | undefined
  post?: Optional<ManagerMinerConfig['post']> | undefined
  proof?: Optional<ManagerMinerConfig['proof']> | undefined
  deal?: Optional<ManagerMinerConfig['deal']> | undefined
  snapup?: SnapUpMinerInit | undefined
}

/** A miner's snap-up settings as given in code (see {@link managerConfig}). */
export type SnapUpMinerInit = Optional<Omit<SnapUpMinerConfig, 'batch'>> & {
  batch?: Optional<SnapUpBatchPolicy> | undefined
}

/** A store directory as given in code: its path, and its name when not the absolute path. */
export type ManagerStoreInit = Optional<Omit<ManagerStoreConfig, 'path'>> & { path: string }

/** The manager's configuration as given in code: every key optional (see {@link managerConfig}). */
export interface ManagerConfigInit {
  layout?: ManagerConfig['layout'] | undefined
  preFetch?: boolean | undefined
  chain?: Optional<ApiEndpointConfig> | undefined
  messager?: Optional<ApiEndpointConfig> | undefined
  market?: Optional<ApiEndpointConfig> | undefined
  gateway?: Optional<ManagerConfig['gateway']> | undefined
  unseal?: Optional<ManagerUnsealConfig> | undefined
  chainEventIntervalMs?: number | undefined
  pieceStores?: readonly ManagerStoreInit[] | undefined
  persistStores?: readonly ManagerStoreInit[] | undefined
  persistStoreIncludes?: readonly string[] | undefined
  db?: Optional<ManagerDbConfig> | undefined
  trustedNetworks?: readonly string[] | undefined
  miners?: readonly ManagerMinerInit[] | undefined
}

const pick = <T>(given: T | undefined, def: T): T => (given === undefined ? def : given)

/**
 * The senders of a kind: `senders` when given, else the one `sender`, else the defaults'. An
 * empty string is "not configured".
 */
function sendersOf(
  init: { sender?: string | undefined; senders?: readonly string[] | undefined } | undefined,
  def: readonly string[],
): string[] {
  if (init?.senders !== undefined) return init.senders.filter((a) => a !== '')
  if (init?.sender !== undefined) return init.sender === '' ? [] : [init.sender]
  return [...def]
}

/**
 * A miner's snap-up settings with everything `init` does not give taken from `def` (by default
 * {@link MANAGER_CONFIG_DEFAULTS}`.miner.snapup`). A fee cap given as `undefined` means "no cap of
 * our own". Not checked: {@link managerConfig} checks the whole config.
 *
 * @example
 * ```ts
 * const u = snapUpMinerConfig({ batch: { threshold: 8 } })
 * u.batch.maxWaitMs // 3_600_000
 * ```
 */
export function snapUpMinerConfig(
  init: SnapUpMinerInit | undefined,
  def: SnapUpMinerConfig = MANAGER_CONFIG_DEFAULTS.miner.snapup,
): SnapUpMinerConfig {
  // Senders, gas and fee limits are a commit kind's; the batch has no check interval of its own.
  const { batch, ...kind } = commitKind(init, { ...def, batch: { ...def.batch, checkIntervalMs: 0 } })
  const { checkIntervalMs: _, ...snapBatch } = batch
  return {
    enabled: pick(init?.enabled, def.enabled),
    ...kind,
    batch: snapBatch,
    minLifetimeEpochs: pick(init?.minLifetimeEpochs, def.minLifetimeEpochs),
    finalityEpochs: pick(init?.finalityEpochs, def.finalityEpochs),
  }
}

function commitKind(init: CommitKindInit | undefined, def: CommitKindPolicy): CommitKindPolicy {
  const b = init?.batch
  const senders = sendersOf(init, def.senders)
  return {
    sender: senders[0],
    senders,
    gasOverEstimation: pick(init?.gasOverEstimation, def.gasOverEstimation),
    maxFeeCap: init !== undefined && 'maxFeeCap' in init ? init.maxFeeCap : def.maxFeeCap,
    perSectorMaxFee: pick(init?.perSectorMaxFee, def.perSectorMaxFee),
    batch: {
      enabled: pick(b?.enabled, def.batch.enabled),
      threshold: pick(b?.threshold, def.batch.threshold),
      maxWaitMs: pick(b?.maxWaitMs, def.batch.maxWaitMs),
      checkIntervalMs: pick(b?.checkIntervalMs, def.batch.checkIntervalMs),
      gasOverEstimation: pick(b?.gasOverEstimation, def.batch.gasOverEstimation),
      maxFeeCap: b !== undefined && 'maxFeeCap' in b ? b.maxFeeCap : def.batch.maxFeeCap,
    },
  }
}

/**
 * One miner with every setting it does not give taken from `defaults` (by default
 * {@link MANAGER_CONFIG_DEFAULTS}`.miner`). A fee cap given as `undefined` means "no cap of our own".
 *
 * @example
 * ```ts
 * const m = managerMinerConfig({ actor: 1000, commitment: { pre: { sender: 't01000' } } })
 * m.commitment.pre.batch.threshold // 16
 * ```
 */
export function managerMinerConfig(
  init: ManagerMinerInit,
  defaults: Omit<ManagerMinerConfig, 'actor' | 'keys'> = MANAGER_CONFIG_DEFAULTS.miner,
): ManagerMinerConfig {
  const s = init.sector
  const c = init.commitment
  const p = init.post
  const postSenders = sendersOf(p, defaults.post.senders)
  const m: ManagerMinerConfig = {
    actor: init.actor,
    sector: {
      initNumber: pick(s?.initNumber, defaults.sector.initNumber),
      maxNumber: s !== undefined && 'maxNumber' in s ? s.maxNumber : defaults.sector.maxNumber,
      enabled: pick(s?.enabled, defaults.sector.enabled),
      lifetimeDays: pick(s?.lifetimeDays, defaults.sector.lifetimeDays),
    },
    commitment: {
      confidence: pick(c?.confidence, defaults.commitment.confidence),
      pre: commitKind(c?.pre, defaults.commitment.pre),
      prove: commitKind(c?.prove, defaults.commitment.prove),
    },
    post: {
      sender: postSenders[0],
      senders: postSenders,
      enabled: pick(p?.enabled, defaults.post.enabled),
      strictCheck: pick(p?.strictCheck, defaults.post.strictCheck),
      gasOverEstimation: pick(p?.gasOverEstimation, defaults.post.gasOverEstimation),
      maxFeeCap: p !== undefined && 'maxFeeCap' in p ? p.maxFeeCap : defaults.post.maxFeeCap,
      confidence: pick(p?.confidence, defaults.post.confidence),
      checkIntervalMs: pick(p?.checkIntervalMs, defaults.post.checkIntervalMs),
      challengeConfidence: pick(p?.challengeConfidence, defaults.post.challengeConfidence),
      submitConfidence: pick(p?.submitConfidence, defaults.post.submitConfidence),
      maxPartitionsPerPoStMessage: pick(
        p?.maxPartitionsPerPoStMessage,
        defaults.post.maxPartitionsPerPoStMessage,
      ),
      maxPartitionsPerRecoveryMessage: pick(
        p?.maxPartitionsPerRecoveryMessage,
        defaults.post.maxPartitionsPerRecoveryMessage,
      ),
    },
    proof: {
      enabled: pick(init.proof?.enabled, defaults.proof.enabled),
      apis: [...pick(init.proof?.apis, defaults.proof.apis)],
      token: pick(init.proof?.token, defaults.proof.token),
    },
    deal: { enabled: pick(init.deal?.enabled, defaults.deal.enabled) },
    snapup: snapUpMinerConfig(init.snapup, defaults.snapup),
  }
  if (init.keys !== undefined) m.keys = init.keys
  return m
}

function store(s: ManagerStoreInit): ManagerStoreConfig {
  const out: ManagerStoreConfig = {
    name: s.name || resolve(s.path),
    path: s.path,
    strict: s.strict ?? false,
    readOnly: s.readOnly ?? false,
  }
  // Placement settings only when given: a store without them takes every miner at weight 1.
  if (s.weight !== undefined) out.weight = s.weight
  if (s.allowMiners !== undefined) out.allowMiners = [...s.allowMiners]
  if (s.denyMiners !== undefined) out.denyMiners = [...s.denyMiners]
  return out
}

/**
 * The manager's full configuration from the parts given in code; everything else comes from
 * {@link MANAGER_CONFIG_DEFAULTS}. A full config goes through unchanged, so this is also how a
 * config is checked: a value out of range fails with `CONFIG_INVALID_VALUE` naming its path.
 *
 * @example
 * ```ts
 * const config = managerConfig({
 *   miners: [{ actor: 1000, commitment: { pre: { sender: 't01000', batch: { enabled: true, threshold: 8 } } } }],
 *   persistStores: [{ name: 'ps1', path: '/data/ps1' }],
 * })
 * config.miners[0]?.commitment.pre.batch.maxWaitMs // 3_600_000
 * ```
 */
export function managerConfig(init: ManagerConfigInit = {}): ManagerConfig {
  const d = MANAGER_CONFIG_DEFAULTS
  const endpoint = (e: Optional<ApiEndpointConfig> | undefined): ApiEndpointConfig => ({
    api: e?.api ?? '',
    token: e?.token ?? '',
  })
  const config: ManagerConfig = {
    layout: init.layout ?? 'code',
    preFetch: init.preFetch ?? d.preFetch,
    chain: endpoint(init.chain),
    messager: endpoint(init.messager),
    market: endpoint(init.market),
    gateway: { apis: [...(init.gateway?.apis ?? [])], token: init.gateway?.token ?? '' },
    unseal: {
      listenMarketEvents: init.unseal?.listenMarketEvents ?? false,
      allowedFileDirs: [...(init.unseal?.allowedFileDirs ?? [])],
    },
    chainEventIntervalMs: init.chainEventIntervalMs ?? d.chainEventIntervalMs,
    pieceStores: (init.pieceStores ?? []).map(store),
    persistStores: (init.persistStores ?? []).map(store),
    persistStoreIncludes: [...(init.persistStoreIncludes ?? [])],
    db: { driver: init.db?.driver ?? d.db.driver, dsn: init.db?.dsn ?? d.db.dsn },
    trustedNetworks: [...(init.trustedNetworks ?? [])],
    miners: (init.miners ?? []).map((m) => managerMinerConfig(m)),
  }
  checkManagerConfig(config)
  return config
}

function invalid(path: string, want: string, got: unknown): never {
  const shown = typeof got === 'bigint' ? `${got}n` : JSON.stringify(got)
  throw new VenusError('CONFIG_INVALID_VALUE', `managerConfig: ${path} must be ${want}, got ${shown}`, {
    details: { key: path },
  })
}

function checkInt(v: unknown, path: string, min: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) invalid(path, `an integer >= ${min}`, v)
}

function checkNumber(v: unknown, path: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) invalid(path, 'a number >= 0', v)
}

function checkAtto(v: unknown, path: string, optional: boolean): void {
  if (v === undefined && optional) return
  if (typeof v !== 'bigint' || v < 0n) invalid(path, 'an amount of attoFIL (a bigint >= 0n)', v)
}

function checkSender(v: unknown, path: string): void {
  if (v === undefined) return
  if (typeof v !== 'string') invalid(path, 'a Filecoin address like "f01234" or "t3…"', v)
  try {
    parseAddress(v)
  } catch {
    invalid(path, 'a Filecoin address like "f01234" or "t3…"', v)
  }
}

function checkSenders(senders: readonly string[], sender: string | undefined, path: string): void {
  if (!Array.isArray(senders)) invalid(`${path}.senders`, 'a list of Filecoin addresses', senders)
  senders.forEach((a, i) => {
    checkSender(a, `${path}.senders[${i}]`)
    if (senders.indexOf(a) !== i) invalid(`${path}.senders[${i}]`, 'an address not listed before', a)
  })
  if (sender !== senders[0]) invalid(`${path}.sender`, `the first of ${path}.senders`, sender)
}

function checkKind(k: CommitKindPolicy, path: string): void {
  checkSenders(k.senders, k.sender, path)
  checkNumber(k.gasOverEstimation, `${path}.gasOverEstimation`)
  checkAtto(k.maxFeeCap, `${path}.maxFeeCap`, true)
  checkAtto(k.perSectorMaxFee, `${path}.perSectorMaxFee`, false)
  checkInt(k.batch.threshold, `${path}.batch.threshold`, 1)
  checkInt(k.batch.maxWaitMs, `${path}.batch.maxWaitMs`, 0)
  checkInt(k.batch.checkIntervalMs, `${path}.batch.checkIntervalMs`, 0)
  checkNumber(k.batch.gasOverEstimation, `${path}.batch.gasOverEstimation`)
  checkAtto(k.batch.maxFeeCap, `${path}.batch.maxFeeCap`, true)
}

/**
 * Checks a store's placement settings: a weight >= 0, miner ids, and no miner both allowed and
 * denied.
 *
 * @example
 * ```ts
 * checkStorePlacement({ weight: 2, allowMiners: [1000], denyMiners: [] }, 'persistStores[0]')
 * ```
 */
export function checkStorePlacement(
  s: Pick<ManagerStoreConfig, 'weight' | 'allowMiners' | 'denyMiners'>,
  path: string,
): void {
  if (s.weight !== undefined && (typeof s.weight !== 'number' || !Number.isFinite(s.weight) || s.weight < 0))
    invalid(`${path}.weight`, 'a number >= 0', s.weight)
  for (const key of ['allowMiners', 'denyMiners'] as const) {
    const list = s[key]
    if (list === undefined) continue
    if (!Array.isArray(list)) invalid(`${path}.${key}`, 'a list of miner actor ids', list)
    list.forEach((id, j) => {
      if (!Number.isSafeInteger(id) || id < 0) invalid(`${path}.${key}[${j}]`, 'a miner actor id', id)
    })
  }
  const both = s.allowMiners?.find((id) => s.denyMiners?.includes(id))
  if (both !== undefined) invalid(`${path}.denyMiners`, 'miners not also in allowMiners', both)
}

/** Range checks of a config built in code (the TOML loader checks each key as it reads it). */
function checkManagerConfig(c: ManagerConfig): void {
  checkInt(c.chainEventIntervalMs, 'chainEventIntervalMs', 0)
  for (const [list, name] of [
    [c.pieceStores, 'pieceStores'],
    [c.persistStores, 'persistStores'],
  ] as const) {
    list.forEach((s, i) => {
      if (typeof s.path !== 'string' || s.path === '')
        invalid(`${name}[${i}].path`, 'a directory path', s.path)
      checkStorePlacement(s, `${name}[${i}]`)
    })
  }
  c.unseal.allowedFileDirs.forEach((dir, i) => {
    if (typeof dir !== 'string' || !dir.startsWith('/'))
      invalid(`unseal.allowedFileDirs[${i}]`, 'an absolute directory path', dir)
  })
  if (c.db.driver !== 'sqlite' && c.db.driver !== 'postgres')
    invalid('db.driver', '"sqlite" or "postgres"', c.db.driver)
  if (c.db.driver === 'postgres' && !/^postgres(?:ql)?:\/\//.test(c.db.dsn))
    invalid('db.dsn', 'a postgres:// URL when db.driver is "postgres"', c.db.dsn)
  try {
    parseTrustedNetworks(c.trustedNetworks)
  } catch {
    invalid('trustedNetworks', 'IPv4 or IPv6 addresses or CIDR blocks like "10.1.0.0/16"', c.trustedNetworks)
  }
  const seen = new Set<number>()
  c.miners.forEach((m, i) => {
    const at = `miners[${i}]`
    checkInt(m.actor, `${at}.actor`, 0)
    if (seen.has(m.actor)) invalid(`${at}.actor`, 'a miner actor id not listed before', m.actor)
    seen.add(m.actor)
    checkInt(m.sector.initNumber, `${at}.sector.initNumber`, 0)
    if (m.sector.maxNumber !== undefined) checkInt(m.sector.maxNumber, `${at}.sector.maxNumber`, 0)
    checkInt(m.sector.lifetimeDays, `${at}.sector.lifetimeDays`, 1)
    checkInt(m.commitment.confidence, `${at}.commitment.confidence`, 0)
    checkKind(m.commitment.pre, `${at}.commitment.pre`)
    checkKind(m.commitment.prove, `${at}.commitment.prove`)
    checkSenders(m.post.senders, m.post.sender, `${at}.post`)
    checkNumber(m.post.gasOverEstimation, `${at}.post.gasOverEstimation`)
    checkAtto(m.post.maxFeeCap, `${at}.post.maxFeeCap`, true)
    for (const key of [
      'confidence',
      'challengeConfidence',
      'submitConfidence',
      'maxPartitionsPerPoStMessage',
      'maxPartitionsPerRecoveryMessage',
    ] as const)
      checkInt(m.post[key], `${at}.post.${key}`, 0)
    checkSnapUp(m.snapup, `${at}.snapup`)
  })
}

function checkSnapUp(u: SnapUpMinerConfig, path: string): void {
  if (typeof u.enabled !== 'boolean') invalid(`${path}.enabled`, 'true or false', u.enabled)
  checkSenders(u.senders, u.sender, path)
  checkNumber(u.gasOverEstimation, `${path}.gasOverEstimation`)
  checkAtto(u.maxFeeCap, `${path}.maxFeeCap`, true)
  checkAtto(u.perSectorMaxFee, `${path}.perSectorMaxFee`, false)
  if (typeof u.batch.enabled !== 'boolean') invalid(`${path}.batch.enabled`, 'true or false', u.batch.enabled)
  checkInt(u.batch.threshold, `${path}.batch.threshold`, 1)
  if (u.batch.threshold > PROVE_REPLICA_UPDATES_MAX_SIZE)
    invalid(
      `${path}.batch.threshold`,
      `at most ${PROVE_REPLICA_UPDATES_MAX_SIZE} (updates in one ProveReplicaUpdates3)`,
      u.batch.threshold,
    )
  checkInt(u.batch.maxWaitMs, `${path}.batch.maxWaitMs`, 0)
  checkNumber(u.batch.gasOverEstimation, `${path}.batch.gasOverEstimation`)
  checkAtto(u.batch.maxFeeCap, `${path}.batch.maxFeeCap`, true)
  checkInt(u.minLifetimeEpochs, `${path}.minLifetimeEpochs`, 0)
  checkInt(u.finalityEpochs, `${path}.finalityEpochs`, 0)
}
