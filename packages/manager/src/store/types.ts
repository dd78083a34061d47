import type { SectorId } from '@venus-cluster/core'
import type { SectorProblem } from '../repair/problems.js'
import type { ManagedSector } from '../sector.js'
import type { SnapCandidate } from '../snapup/types.js'
import type { PostStore } from './post-types.js'

/** Which queue a sector waits in: precommit, prove-commit, termination or snap-up (`ProveReplicaUpdates3`). */
export type CommitKind = 'pre' | 'prove' | 'terminate' | 'upgrade'

/** Which sector index a location belongs to (`normal` sealed replicas or snap `upgrade`). */
export type IndexKind = 'normal' | 'upgrade'

/** A sector waiting in a commit queue. */
export interface QueuedCommit {
  miner: number
  number: number
  kind: CommitKind
  /** Unix milliseconds when the sector entered the queue. */
  enqueuedAt: number
}

/** A message the manager built and claimed its sectors for. */
export interface StoredMessage {
  uid: string
  miner: number
  kind: CommitKind
  sectors: number[]
  /** The JSON body to push to the messager (method, params, value, fee spec). */
  body: unknown
  /** `created` = claimed, not yet accepted by the messager; `pushed` = the messager has it. */
  state: 'created' | 'pushed'
  createdAt: number
}

/** Where the sealed file and the cache of a sector live (persist store instance names). */
export interface SectorLocation {
  sealed: string
  cache: string
}

/** Where a direct (non-market) piece is: queued, in a sector, activated with it, or given up. */
export type DirectPieceState = 'pending' | 'assigned' | 'sealed' | 'failed'

/** A piece given to sealing directly, not through a market deal (direct data onboarding). */
export interface DirectPieceRecord {
  /** The store's id of the piece. */
  id: number
  miner: number
  /** Piece CID (`baga…`). */
  pieceCid: string
  /** Padded piece size. */
  pieceSize: number
  /** Bytes of payload in the piece file. */
  payloadSize: number
  /** The verified allocation the piece claims when activated; null for unverified data. */
  allocation: { client: number; id: number } | null
  state: DirectPieceState
  /** The sector it was assigned to (kept once sealed or failed), else null. */
  sector: number | null
  /** Why it failed; '' otherwise. */
  reason: string
  createdAt: number
  updatedAt: number
}

/** What {@link ManagerStore.addDirectPiece} takes. */
export type NewDirectPiece = Pick<
  DirectPieceRecord,
  'miner' | 'pieceCid' | 'pieceSize' | 'payloadSize' | 'allocation'
>

/** Which direct pieces {@link ManagerStore.listDirectPieces} lists (all when empty). */
export interface DirectPieceFilter {
  miner?: number | undefined
  state?: DirectPieceState | undefined
  sector?: number | undefined
}

/**
 * A persist store attached through the API or CLI (`util storage attach`) and kept in the
 * database, beside those of `sector-manager.cfg`.
 */
export interface PersistStoreRecord {
  /** Instance name shared with workers' attached stores. */
  name: string
  /** Where the manager sees the store (holds `sealed/` and `cache/`). */
  path: string
  readOnly: boolean
  strict: boolean
  /** Relative chance of new sectors being placed here; 0 = none. */
  weight: number
  /** Miners whose sectors may be placed here; empty = any. */
  allowMiners: number[]
  /** Miners whose sectors are never placed here. */
  denyMiners: number[]
  /** Unix milliseconds of the attach. */
  attachedAt: number
}

/** Space held in a persist store for one sector, from placement until it is finalized. */
export interface StoreReservation {
  miner: number
  number: number
  /** The store's instance name. */
  store: string
  /** Bytes held. */
  size: number
  /** Unix milliseconds of the reservation. */
  at: number
}

/** One point of a dashboard time series (see the manager's telemetry). */
export interface TelemetrySample {
  /** `queues`, `power/1000`, … */
  series: string
  /** Unix milliseconds. */
  at: number
  /** A JSON value. */
  value: unknown
}

/** Options of number allocation: the miner's numbering window from config. */
export interface AllocateOptions {
  /** Numbering base: the first number handed out is `initNumber + 1`. */
  initNumber: number
  /** Highest number that may be handed out; undefined = no limit. */
  maxNumber?: number | undefined
  /**
   * Allocation time (ms since the epoch) recorded as `AllocatedAt` in the new record; the
   * manager passes its clock so the unclaimed-allocation sweep survives restarts.
   */
  allocatedAt?: number | undefined
}

/** Options of `ManagerStore.createSector`. */
export interface CreateSectorOptions {
  /** Create the record offline (finalized or aborted elsewhere) instead of online. Default false. */
  offline?: boolean | undefined
}

/**
 * A sector-state mutator. It runs inside the database transaction holding the row lock, so it
 * must be synchronous and free of I/O. It must also be pure: an engine may run it more than once
 * for one update (PostgreSQL tries a compare-and-swap first and re-runs it under the row lock
 * when another writer won). Return the new state, or `undefined` to leave the row unchanged
 * (nothing is written).
 */
export type SectorMutator = (state: ManagedSector) => ManagedSector | undefined

/** Extra effects committed in the same transaction as a state update. */
export interface UpdateEffects {
  /** Put the sector into this commit queue (replacing an older entry of the same kind). */
  enqueue?: CommitKind | undefined
  /** Drop the sector from every commit queue. */
  dequeue?: boolean | undefined
}

/** What a repair task does: re-seal a lost sector, or unseal one piece of a sector. */
export type RepairKind = 'rebuild' | 'unseal'

/** Where a repair task is: waiting for a worker, taken by one, or ended. */
export type RepairState = 'queued' | 'running' | 'done' | 'failed'

/** The key of a repair task: one per kind, sector and (for unseal) piece. */
export interface RepairTaskKey {
  kind: RepairKind
  id: SectorId
  /** The piece CID of an unseal task; '' for a rebuild. */
  piece: string
}

/** A rebuild or unseal task as the store keeps it. */
export interface RepairTask extends RepairTaskKey {
  state: RepairState
  /** The worker instance that took it; '' while queued. */
  worker: string
  /** What the worker needs, by kind (ticket, pieces, offsets …), as plain JSON. */
  detail: Record<string, unknown>
  /** Why it failed; '' otherwise. */
  error: string
  createdAt: number
  updatedAt: number
}

/** A repair-task mutator: pure and synchronous, like {@link SectorMutator}. */
export type RepairMutator = (task: RepairTask) => RepairTask | undefined

/** An unsealed copy of a piece, kept in a persist store. */
export interface PieceCopy {
  /** Piece CID (`baga…`). */
  piece: string
  /** The sector it was unsealed from. */
  id: SectorId
  /** The persist store instance holding `piece/<pieceCid>`. */
  instance: string
  /** Bytes in the file (the deal's payload). */
  size: number
}

/**
 * One page of records in (miner, number) order: pass the id of the last record of a page as
 * `after` to read the next one. Pages come from an index, so each costs its own size whatever
 * the number of records.
 */
export interface SectorPage {
  /** Records after this id (exclusive); the first page without it. */
  after?: SectorId | undefined
  /** Records at most (1 … {@link MAX_SECTOR_PAGE}). */
  limit: number
  /** Only records in this display state (see `sectorDisplayState`), e.g. `Allocated`. */
  state?: string | undefined
}

/** Records one page may hold. */
export const MAX_SECTOR_PAGE = 10_000

/** A page of records, newest first (by number, then miner), online and offline together. */
export interface RecentSectorsPage {
  /** Records to skip (costs an index step each; prefer `before` for deep pages). */
  offset?: number | undefined
  /** Only records older than this one: number below it, or the same number and a larger miner. */
  before?: SectorId | undefined
  limit: number
}

/**
 * What a list of many sectors shows of each (the dashboard's table), read from the columns and
 * a few fields of the record without converting it whole.
 */
export interface SectorSummary {
  id: SectorId
  online: boolean
  /** See `sectorDisplayState`. */
  state: string
  /** Worker instance of the last report. */
  worker: string | null
  /** Event of the last report. */
  event: string | null
  /** Failure of the last report. */
  failure: { level: string; description: string } | null
  abortReason: string
}

/** How many records of a miner are in one display state. */
export interface SectorStateCount {
  miner: number
  online: boolean
  /** See `sectorDisplayState`. */
  state: string
  count: number
}

/**
 * The manager's persistent state, behind one small async interface with two engines:
 * SQLite (embedded default) and PostgreSQL (several managers sharing one state).
 *
 * Every method that resolves has committed its effect durably; every write is one transaction.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ path: '/var/lib/vsm/manager.db' })
 * const s = await store.allocateSector(1000, { initNumber: 0 }, 5)
 * s?.id // { miner: 1000, number: 1 }
 * await store.close()
 * ```
 */
export interface ManagerStore {
  readonly engine: 'sqlite' | 'postgres'
  /** WindowPoSt across managers: deadline leases, fenced submissions, PoSt workers' jobs. */
  readonly post: PostStore
  /** The schema version the database is at after opening. */
  schemaVersion(): Promise<number>

  /**
   * Atomically takes the next number of `miner` and creates its online record. Resolves
   * `null` when the next number would pass `maxNumber` (nothing is written then). A number is
   * never handed out twice, across restarts and across managers sharing the database.
   */
  allocateSector(miner: number, opts: AllocateOptions, proofType: number): Promise<ManagedSector | null>
  /**
   * Adds the record of a sector numbered outside this store (sealed elsewhere, or imported), as
   * given: online, or offline with `opts.offline`. Throws `ALREADY_EXISTS` (nothing written) when the store has a record of
   * that number, online or offline. `allocateSector` never hands out a number that has a record.
   */
  createSector(sector: ManagedSector, opts?: CreateSectorOptions): Promise<ManagedSector>
  /** The last number handed out for `miner`, or undefined when none was. */
  lastNumber(miner: number): Promise<number | undefined>
  /**
   * Raises the last number handed out for `miner` to at least `number` (never lowers it), so
   * that allocation continues above numbers used elsewhere (imported sectors, the chain's
   * allocated numbers). Resolves the last number after the call.
   */
  raiseLastNumber(miner: number, number: number): Promise<number>

  /** A sector record, online first, then offline. */
  getSector(id: SectorId): Promise<{ state: ManagedSector; online: boolean } | undefined>
  /**
   * All online (in progress) or offline (finalized/aborted) records, ordered by miner, number.
   * Offline records grow with history: servers read them through {@link listSectorsPage}.
   */
  listSectors(online: boolean): Promise<ManagedSector[]>
  /** One page of online or offline records (see {@link SectorPage}). */
  listSectorsPage(online: boolean, page: SectorPage): Promise<ManagedSector[]>
  /** Summaries of records newest first, online and offline together (what the dashboard lists). */
  listRecentSectors(page: RecentSectorsPage): Promise<SectorSummary[]>
  /**
   * Records per miner and display state, online and offline: the online ones counted from their
   * index (they are the sectors being sealed), the offline ones kept counted as they move.
   */
  countSectors(): Promise<SectorStateCount[]>
  /** Online records per worker instance of their last report (records with no report left out). */
  countSectorsByWorker(): Promise<Map<string, number>>
  /**
   * Read-modify-write of an online record under a row lock. Throws `SECTOR_NOT_FOUND` when
   * there is no online record. Resolves the state after the update.
   */
  updateSector(id: SectorId, mutate: SectorMutator, effects?: UpdateEffects): Promise<ManagedSector>
  /**
   * Moves an online record offline (finalized or aborted) after `mutate`; drops its queue
   * entries. Throws `SECTOR_NOT_FOUND` when it is not online.
   */
  finalizeSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector>
  /** Moves an offline record back online after `mutate`. Throws `SECTOR_NOT_FOUND`. */
  restoreSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector>
  /**
   * Read-modify-write of an offline record (it stays offline), e.g. marking it removed.
   * Throws `SECTOR_NOT_FOUND` when there is no offline record.
   */
  updateOfflineSector(id: SectorId, mutate: SectorMutator): Promise<ManagedSector>

  /** Records where a sector's files are. */
  setLocation(id: SectorId, kind: IndexKind, loc: SectorLocation): Promise<void>
  /** Where a sector's files are, or undefined. */
  findLocation(id: SectorId, kind: IndexKind): Promise<SectorLocation | undefined>
  /** Forgets where a sector's files are (after they were deleted). */
  removeLocation(id: SectorId, kind: IndexKind): Promise<void>

  /**
   * Sectors waiting in a commit queue, oldest first; all miners when `miner` is undefined; at
   * most `limit` when given.
   */
  listQueue(kind: CommitKind, miner?: number, limit?: number): Promise<QueuedCommit[]>
  /** How many sectors wait in a commit queue (all miners). */
  countQueue(kind: CommitKind): Promise<number>
  /**
   * Atomically claims queued sectors for one message: removes their queue entries, records
   * the message under `uid` and lets `mark` update each sector's state. Throws
   * `ALREADY_EXISTS` (nothing written) if any sector is no longer queued or the uid exists —
   * which is how two managers on one database never send the same work twice.
   */
  claimMessage(msg: Omit<StoredMessage, 'state' | 'createdAt'>, mark: SectorMutator): Promise<StoredMessage>
  /** Marks a claimed message as accepted by the messager. */
  markMessagePushed(uid: string): Promise<void>
  /**
   * Messages in a state (used on restart to re-push `created` ones), oldest first. Every message
   * ever sent is kept: servers read the newest through {@link listRecentMessages}.
   */
  listMessages(state?: StoredMessage['state']): Promise<StoredMessage[]>
  /** The newest `limit` messages, newest first. */
  listRecentMessages(limit: number): Promise<StoredMessage[]>
  /** A message by uid. */
  getMessage(uid: string): Promise<StoredMessage | undefined>

  /**
   * Queues a direct piece (state `pending`). Throws `ALREADY_EXISTS` (nothing written) when the
   * allocation is queued, assigned or sealed already.
   */
  addDirectPiece(piece: NewDirectPiece): Promise<DirectPieceRecord>
  /** Direct pieces matching `filter`, oldest first. */
  listDirectPieces(filter?: DirectPieceFilter): Promise<DirectPieceRecord[]>
  /**
   * Atomically assigns pending pieces of `miner` to a sector. Throws `ALREADY_EXISTS` (nothing
   * written) when any of them is no longer pending — how two managers never give one piece to two
   * sectors.
   */
  assignDirectPieces(miner: number, sector: number, ids: readonly number[]): Promise<DirectPieceRecord[]>
  /**
   * Moves the pieces among `ids` that are in one of the `from` states to `to.state` (back to
   * `pending` clears their sector). Resolves how many moved.
   */
  setDirectPieceState(
    ids: readonly number[],
    to: { state: DirectPieceState; reason?: string | undefined },
    from: readonly DirectPieceState[],
  ): Promise<number>
  /** Deletes a pending or failed piece; resolves false when there is none such. */
  removeDirectPiece(id: number): Promise<boolean>
  /** Snap-up candidates kept (schema version 7), of one miner or all, by miner and number. */
  listSnapCandidates(miner?: number): Promise<SnapCandidate[]>
  /**
   * Keeps candidates (a sector already kept is replaced); with `replaceMiner` every other
   * candidate of that miner is dropped in the same transaction (a full fetch).
   */
  putSnapCandidates(candidates: readonly SnapCandidate[], opts?: { replaceMiner?: number }): Promise<void>
  /** Drops a candidate; true when this call dropped it (false: gone already, e.g. another manager took it). */
  removeSnapCandidate(miner: number, number: number): Promise<boolean>

  /**
   * Adds a repair task. When one with the same key exists and has ended (`done` or `failed`) it
   * is replaced; when it is still queued or running it is kept and returned with `created: false`.
   */
  putRepairTask(task: RepairTask): Promise<{ task: RepairTask; created: boolean }>
  /**
   * Atomically takes the oldest queued task of `kind` (of one of `miners` when given): it becomes
   * `running` for `worker`. Two managers on one database never hand out the same task.
   */
  claimRepairTask(
    kind: RepairKind,
    miners: readonly number[] | null,
    worker: string,
    now: number,
  ): Promise<RepairTask | undefined>
  /** Read-modify-write of a task. Throws `NOT_FOUND` when there is none. */
  updateRepairTask(key: RepairTaskKey, mutate: RepairMutator): Promise<RepairTask>
  /** A task by key. */
  getRepairTask(key: RepairTaskKey): Promise<RepairTask | undefined>
  /** Tasks, oldest first; of one kind when given. */
  listRepairTasks(kind?: RepairKind): Promise<RepairTask[]>
  /** The `limit` tasks changed last, newest first, from `offset` (default 0) on. */
  listRecentRepairTasks(page: { limit: number; offset?: number | undefined }): Promise<RepairTask[]>

  /**
   * Records (or refreshes) a bad sector the checks found, keeping only the newest `max` of them.
   */
  putSectorProblem(problem: SectorProblem, max: number): Promise<void>
  /** Forgets a sector's problem (repaired). */
  removeSectorProblem(id: SectorId): Promise<void>
  /** The newest `limit` problems, the most recently seen first. */
  listSectorProblems(limit: number): Promise<SectorProblem[]>

  /** Records an unsealed copy of a piece (replacing one of the same piece and sector). */
  setPieceCopy(copy: PieceCopy): Promise<void>
  /** The unsealed copies of a piece. */
  findPieceCopies(piece: string): Promise<PieceCopy[]>
  /** Forgets an unsealed copy (its file is gone). */
  removePieceCopy(piece: string, id: SectorId): Promise<void>
  /** Persist stores attached through the API, by name. */
  listPersistStores(): Promise<PersistStoreRecord[]>
  /** Records a persist store (replacing one of the same name). */
  putPersistStore(store: PersistStoreRecord): Promise<void>
  /** Forgets a persist store; false when none had the name. */
  deletePersistStore(name: string): Promise<boolean>
  /** Sectors indexed in a store (as sealed file or cache), ordered by miner, number. */
  listLocationsIn(store: string): Promise<{ id: SectorId; kind: IndexKind }[]>

  /** Reservations of persist-store space, all or those of one store, oldest first. */
  listReservations(store?: string): Promise<StoreReservation[]>
  /**
   * Holds space for a sector in a store, atomically: a sector's existing reservation (in any
   * store) is returned unchanged; otherwise `r` is recorded when the store's reserved bytes plus
   * `r.size` stay within `capacity`, and undefined is returned when they would not.
   */
  reserveSpace(r: StoreReservation, capacity: number): Promise<StoreReservation | undefined>
  /** Drops a sector's reservation; resolves what was released, undefined when it had none. */
  releaseReservation(id: SectorId): Promise<StoreReservation | undefined>

  /**
   * Appends time-series samples and, in the same transaction, drops every sample older than
   * `keepSince` (Unix ms): the history never grows past its retention.
   */
  appendSamples(samples: readonly TelemetrySample[], keepSince: number): Promise<void>
  /** Samples of a series at or after `since`, oldest first, at most `limit` (default 10 000). */
  listSamples(series: string, since: number, limit?: number): Promise<TelemetrySample[]>

  close(): Promise<void>
}
