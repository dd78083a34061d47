/**
 * A bounded in-memory log of what happened to each sector (allocation, reported state changes,
 * submissions, finalize/abort), for the dashboard's sector view and stage-duration metrics.
 * Its texts come from workers, so each is cut to a size and the whole log to a byte budget.
 */
import { type SectorId, truncateText } from '@venus-cluster/core'

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
  /**
   * Approximate bytes of all events (default 64 MiB); past it the least recently touched
   * sectors are dropped.
   */
  maxBytes?: number
  /** Bytes kept of a failure description or detail (default 2 KiB). */
  textBytes?: number
  /** Bytes kept of a state, event, kind or worker name (default 256). */
  nameBytes?: number
}

/** Fixed cost of one event object beside its strings (an estimate). */
const EVENT_OVERHEAD = 120

/**
 * Per-sector event log with bounded memory.
 *
 * @example
 * ```ts
 * const h = new SectorHistory()
 * h.add({ miner: 1000, number: 1 }, { at: Date.now(), kind: 'AllocateSector' })
 * h.of({ miner: 1000, number: 1 })
 * ```
 */
export class SectorHistory {
  #perSector: number
  #sectors: number
  #maxBytes: number
  #textBytes: number
  #nameBytes: number
  #bytes = 0
  #log = new Map<string, { events: SectorHistoryEvent[]; bytes: number }>()

  constructor(opts: SectorHistoryOptions = {}) {
    this.#perSector = opts.perSector ?? 200
    this.#sectors = opts.sectors ?? 10_000
    this.#maxBytes = opts.maxBytes ?? 64 * 1024 * 1024
    this.#textBytes = opts.textBytes ?? 2048
    this.#nameBytes = opts.nameBytes ?? 256
  }

  /** Approximate bytes held by all events. */
  get bytes(): number {
    return this.#bytes
  }

  #bounded(e: SectorHistoryEvent): SectorHistoryEvent {
    const name = (s: string | undefined) => (s === undefined ? undefined : truncateText(s, this.#nameBytes))
    const text = (s: string | undefined) => (s === undefined ? undefined : truncateText(s, this.#textBytes))
    const out: SectorHistoryEvent = { at: e.at, kind: truncateText(e.kind, this.#nameBytes) }
    if (e.prev !== undefined) out.prev = name(e.prev)
    if (e.next !== undefined) out.next = name(e.next)
    if (e.event !== undefined) out.event = name(e.event)
    if (e.worker !== undefined) out.worker = name(e.worker)
    if (e.failure !== undefined)
      out.failure = {
        Level: truncateText(e.failure.Level, this.#nameBytes),
        Desc: truncateText(e.failure.Desc, this.#textBytes),
      }
    if (e.detail !== undefined) out.detail = text(e.detail)
    return out
  }

  /** Appends an event; returns the previous last event of the sector, if any. */
  add(id: SectorId, e: SectorHistoryEvent): SectorHistoryEvent | undefined {
    const key = `${id.miner}/${id.number}`
    const entry = this.#log.get(key) ?? { events: [], bytes: 0 }
    // Re-insert so Map order is least-recently-touched first.
    this.#log.delete(key)
    this.#log.set(key, entry)
    const list = entry.events
    const last = list[list.length - 1]
    const event = this.#bounded(e)
    list.push(event)
    this.#grow(entry, sizeOf(event))
    while (list.length > this.#perSector) {
      const dropped = list.shift()
      if (dropped !== undefined) this.#grow(entry, -sizeOf(dropped))
    }
    // The sector just touched is the newest entry; older sectors go first, never this one.
    while (this.#log.size > this.#sectors || (this.#bytes > this.#maxBytes && this.#log.size > 1)) {
      const oldest = this.#log.keys().next().value
      if (oldest === undefined || oldest === key) break
      this.#bytes -= this.#log.get(oldest)?.bytes ?? 0
      this.#log.delete(oldest)
    }
    return last
  }

  #grow(entry: { bytes: number }, n: number): void {
    entry.bytes += n
    this.#bytes += n
  }

  /** Events of a sector, oldest first. */
  of(id: SectorId): SectorHistoryEvent[] {
    return [...(this.#log.get(`${id.miner}/${id.number}`)?.events ?? [])]
  }
}

/** Approximate bytes of an event: its strings (UTF-16 in memory) and a fixed overhead. */
function sizeOf(e: SectorHistoryEvent): number {
  let n = EVENT_OVERHEAD
  for (const s of [e.kind, e.prev, e.next, e.event, e.worker, e.detail, e.failure?.Level, e.failure?.Desc])
    if (s !== undefined) n += s.length * 2
  return n
}
