/**
 * The domain of moving sectors in: what a source (lotus-miner, a damocles export) offers, and
 * what the importer decided for each sector after checking it against this manager's store, the
 * chain and the files.
 */
import type { SectorId } from '@venus-cluster/core'
import type { ManagedSector } from '../sector.js'
import type { SectorLocation } from '../store/types.js'

/** A persist store the sector's files are in: its name (as the index records it) and its root. */
export interface ImportStore {
  name: string
  path: string
}

/** Where a sector's files are, when the source knows it. */
export interface ImportFiles {
  sealed: ImportStore
  cache: ImportStore
}

/**
 * What the source holds for a sector, converted to this manager's record. `finalized` sectors
 * are proven on chain and go offline; the others are in flight and go online, for a worker to
 * take over (their chain state decides where: a sector with a precommit on chain resumes from
 * WaitSeed).
 */
export interface ImportCandidate {
  record: ManagedSector
  /** The source's own state name (lotus `Proving`, `WaitSeed`; damocles `finalized`, `online`). */
  sourceState: string
  /** Where the files are; undefined when the source does not say (attach the stores). */
  files?: ImportFiles | undefined
  /**
   * The source is expected to say where the files are (lotus-miner's storage index): without
   * `files` the sector is a `files-missing` conflict, with `filesProblem` as the reason.
   */
  filesRequired?: boolean | undefined
  /**
   * The record's message ids are this cluster's messager's (damocles): an in-flight sector keeps
   * them, so its worker can poll its precommit. Lotus's are chain CIDs, dropped on take-over.
   */
  keepMessages?: boolean | undefined
  /** Why the source could not locate the files. */
  filesProblem?: string | undefined
  /** Set when the source's state alone rules the sector out: why. */
  refusal?: string | undefined
  /** The sector's expiration epoch as the source reports it (checked against the chain's). */
  expiration?: number | undefined
}

/** Why a sector is not imported. */
export type ImportConflictKind =
  /** The source's state cannot be imported (terminated, snap-upgraded, sealing not on chain yet…). */
  | 'refused'
  /** This manager has a record of the number already. */
  | 'already-known'
  /** The number is allocated on chain but the record has nothing on chain to show for it. */
  | 'number-allocated'
  /** The chain disagrees: no sector or precommit, another CommR, another proof type, expired. */
  | 'chain'
  /** The sealed file or the cache files are not where the source says. */
  | 'files-missing'

/** The decision for one sector. */
export interface ImportItem {
  id: SectorId
  sourceState: string
  /**
   * `import`: an offline (proven) record is written; `take-over`: an online record is written for
   * our workers to finish; `skip`: nothing is written, see `conflict` and `reason`.
   */
  action: 'import' | 'take-over' | 'skip'
  conflict?: ImportConflictKind | undefined
  /** Why it is skipped, or what to know about it. */
  reason: string
  /** The record to write (import and take-over only). */
  record?: ManagedSector | undefined
  /** The sector-index entry to write, by store name. */
  location?: SectorLocation | undefined
}

/** The importer's report: a dry run's answer, and after `apply` what was written. */
export interface ImportReport {
  /** Per sector, in number order. */
  items: ImportItem[]
  /** The persist stores the imported files are in; the config must name them. */
  stores: ImportStore[]
  /**
   * Per miner, the last sector number after the import: the highest of the imported numbers and
   * of the numbers the chain shows allocated. New allocations start above it.
   */
  lastNumbers: Record<number, number>
  counts: { import: number; takeOver: number; skip: number }
  /** True once `apply` wrote it. */
  applied: boolean
}
