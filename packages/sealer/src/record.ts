/**
 * The persisted record of a sealing thread's in-flight sector and its atomic store.
 *
 * The original keeps the record in a RocksDB at `<store>/meta` under key `meta/info`. Here it is
 * one JSON file, `<store>/meta/info.json`, replaced atomically after every step (write a temp
 * file, fsync it, rename it over the old one, fsync the directory), so a `kill -9` at any moment
 * leaves either the previous or the next record, never a torn one. Byte fields are base64
 * strings (not arrays of numbers) to keep the file small; `state` keeps the enum index (the
 * on-disk format) and `state_name` is written beside it for people reading the file.
 */
import { open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  VenusError,
  type WireAllocatedSector,
  type WireDeal,
  type WireSeed,
  type WireTicket,
} from '@venus-cluster/core'
import { SEALING_STATES, type SealingState } from './states.js'

/** The phase outputs of the record; bytes are base64 strings. */
export interface SectorPhases {
  /** Pieces in sector order: CommP (base64) and padded size. */
  pieces: { commitment: string; size: number }[] | null
  ticket: WireTicket | null
  pc1out: string | null
  pc2out: { comm_r: string; comm_d: string } | null
  pc2_re_submit: boolean
  persist_instance: string | null
  seed: WireSeed | null
  c1out: string | null
  c2out: { proof: string } | null
  c2_re_submit: boolean
}

/**
 * The in-flight sector (or task) of one sealing thread, as it is stored: snake_case keys and the
 * manager's wire shapes (see `wire.ts`), so that records of every version stay readable.
 */
export interface SectorRecord {
  version: 1
  /** The plan that runs it (`"sealer"`); a thread refuses a record of another plan. */
  plan: string
  /** Index into {@link SEALING_STATES}. */
  state: number
  state_name: SealingState
  prev_state: number | null
  /**
   * Temporary failures of the current step. Reset whenever the state changes: the budget is
   * per step (the original never resets it, making `max_retries` a budget per sector).
   */
  retry: number
  base: { allocated: WireAllocatedSector; prove_input: [string, number] } | null
  deals: WireDeal[] | null
  phases: SectorPhases
  /** Why the sector was aborted (state `Aborted` only): the reason sent with `ReportAborted`. */
  abort_reason?: string
  /** The inputs of a repair task (plans `rebuild` and `unseal`); absent for plan `sealer`. */
  repair?: RepairRecord
  /** The snapup plan's outputs (absent for other plans); bytes are base64. */
  snap?: {
    /** CommR of the CC sector (the sector key). */
    comm_r_old: string
    /** Persist store instance holding the CC sector's sealed file and cache. */
    key_instance: string
    comm_r_new: string | null
    comm_d_new: string | null
    proof: string | null
  }
  /** The WindowPoSt job of a `wdpost` thread: its id and input (wire shape), then its outcome. */
  wdpost?: {
    job_id: string
    input: unknown
    /** The proof bytes (base64) and the sectors found faulty, once computed. */
    output?: { proofs: string[]; faults: number[] } | null
    /** Why computing failed (reported to the manager, which retries the job elsewhere). */
    error?: string
  }
}

/** What a `rebuild` or `unseal` thread keeps of its task; bytes are base64. */
export interface RepairRecord {
  /** CommR on chain (rebuild): the rebuilt replica must have it. */
  comm_r?: string
  comm_d: string
  /** Rebuild only the cache, beside the sealed file in `sealed_instance`. */
  cache_only?: boolean
  /** The persist store with the sealed file (cache-only rebuild, unseal). */
  sealed_instance: string | null
  /** Unseal: the piece, its unpadded offset and size in the sector, and its payload bytes. */
  piece_cid?: string
  offset?: number
  size?: number
  payload_size?: number
  /**
   * Unseal of a snapped sector: the persist store with its update replica, and base64 CommR of
   * the sector key and CommD of the update's data.
   */
  update?: { replica_instance: string; comm_r_old: string; comm_d_new: string } | null
}

/**
 * A fresh Empty record of `plan`.
 *
 * @example
 * ```ts
 * emptySectorRecord().state_name // 'Empty'
 * ```
 */
export function emptySectorRecord(plan = 'sealer'): SectorRecord {
  return {
    version: 1,
    plan,
    state: 0,
    state_name: 'Empty',
    prev_state: null,
    retry: 0,
    base: null,
    deals: null,
    phases: {
      pieces: null,
      ticket: null,
      pc1out: null,
      pc2out: null,
      pc2_re_submit: false,
      persist_instance: null,
      seed: null,
      c1out: null,
      c2out: null,
      c2_re_submit: false,
    },
  }
}

/** Reads and atomically replaces `<store>/meta/info.json`. */
export class SectorRecordStore {
  readonly path: string
  readonly #tmp: string
  readonly #dir: string
  readonly #sync: boolean

  /**
   * @param location the sealing store directory (prepared by `store seal-init`).
   * @param options `sync: false` skips the two fsyncs: the rename alone keeps the record whole
   *   across a killed process, but not across a power cut. Default true.
   * @example
   * ```ts
   * const rs = new SectorRecordStore('/data/store1')
   * const rec = (await rs.load()) ?? emptySectorRecord()
   * ```
   */
  constructor(location: string, options: { sync?: boolean } = {}) {
    this.#sync = options.sync ?? true
    this.#dir = join(location, 'meta')
    this.path = join(this.#dir, 'info.json')
    this.#tmp = join(this.#dir, 'info.json.tmp')
  }

  /** The stored record, or undefined when the thread has no sector. */
  async load(): Promise<SectorRecord | undefined> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new VenusError('STORE_IO', `cannot read ${this.path}`, { cause: err })
    }
    let rec: SectorRecord
    try {
      rec = JSON.parse(text) as SectorRecord
    } catch (err) {
      throw new VenusError('STORE_IO', `${this.path} is not valid JSON`, { cause: err })
    }
    const name = SEALING_STATES[rec.state]
    if (rec.version !== 1 || name === undefined || typeof rec.phases !== 'object') {
      throw new VenusError('STORE_IO', `${this.path} is not a sector record of version 1`, {
        details: { path: this.path, state: rec.state },
      })
    }
    rec.state_name = name
    return rec
  }

  /** Replaces the record atomically (temp file + fsync + rename + directory fsync). */
  async save(rec: SectorRecord): Promise<void> {
    const data = `${JSON.stringify(rec)}\n`
    try {
      const fh = await open(this.#tmp, 'w')
      try {
        await fh.writeFile(data)
        if (this.#sync) await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(this.#tmp, this.path)
      if (this.#sync) await this.#syncDir()
    } catch (err) {
      throw new VenusError('STORE_IO', `cannot write ${this.path}`, {
        details: { path: this.path },
        cause: err,
      })
    }
  }

  /** Deletes the record (the sector is done). */
  async remove(): Promise<void> {
    try {
      await rm(this.path, { force: true })
      if (this.#sync) await this.#syncDir()
    } catch (err) {
      throw new VenusError('STORE_IO', `cannot delete ${this.path}`, {
        details: { path: this.path },
        cause: err,
      })
    }
  }

  async #syncDir(): Promise<void> {
    const dh = await open(this.#dir, 'r')
    try {
      await dh.sync()
    } finally {
      await dh.close()
    }
  }
}
