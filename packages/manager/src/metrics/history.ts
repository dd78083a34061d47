/**
 * A bounded in-memory log of what happened to each sector (allocation, reported state changes,
 * submissions, finalize/abort), for the dashboard's sector view and stage-duration metrics.
 */

/** One event of a sector's history. */
export interface SectorHistoryEvent {
  /** Unix milliseconds. */
  at: number
  /** `ReportState`, `SubmitPreCommit`, `ReportFinalized`, … */
  kind: string
  /** State before and after, for state reports. */
  prev?: string | undefined
  next?: string | undefined
  event?: string | undefined
  worker?: string | undefined
  failure?: { Level: string; Desc: string } | undefined
  detail?: string | undefined
}

/** Options of {@link SectorHistory}. */
export interface SectorHistoryOptions {
  /** Events kept per sector (default 200). */
  perSector?: number
  /** Sectors kept; the least recently touched is dropped first (default 10000). */
  sectors?: number
}

/**
 * Per-sector event log with bounded memory.
 *
 * @example
 * ```ts
 * const h = new SectorHistory()
 * h.add({ Miner: 1000, Number: 1 }, { at: Date.now(), kind: 'AllocateSector' })
 * h.of({ Miner: 1000, Number: 1 })
 * ```
 */
export class SectorHistory {
  #perSector: number
  #sectors: number
  #log = new Map<string, SectorHistoryEvent[]>()

  constructor(opts: SectorHistoryOptions = {}) {
    this.#perSector = opts.perSector ?? 200
    this.#sectors = opts.sectors ?? 10_000
  }

  /** Appends an event; returns the previous last event of the sector, if any. */
  add(id: { Miner: number; Number: number }, e: SectorHistoryEvent): SectorHistoryEvent | undefined {
    const key = `${id.Miner}/${id.Number}`
    const list = this.#log.get(key) ?? []
    // Re-insert so Map order is least-recently-touched first.
    this.#log.delete(key)
    this.#log.set(key, list)
    const last = list[list.length - 1]
    list.push(e)
    if (list.length > this.#perSector) list.splice(0, list.length - this.#perSector)
    while (this.#log.size > this.#sectors) {
      const oldest = this.#log.keys().next().value
      if (oldest === undefined) break
      this.#log.delete(oldest)
    }
    return last
  }

  /** Events of a sector, oldest first. */
  of(id: { Miner: number; Number: number }): SectorHistoryEvent[] {
    return [...(this.#log.get(`${id.Miner}/${id.Number}`) ?? [])]
  }
}
