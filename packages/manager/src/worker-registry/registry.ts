/**
 * The workers the manager knows: those that ping it (`Venus.WorkerPing`, with the control
 * address they report) and those only seen in `ReportState` (original workers never ping).
 *
 * A name is pinned to the first control address pinged under it: a later ping from another
 * address is refused until an operator releases the name (`util worker remove <name>`), so a
 * peer cannot silently take over where the operator's commands for a worker go. The registry is
 * bounded: at most `maxWorkers` pinging names; when full, the one silent longest is dropped if it
 * has been silent for `staleAfterMs`, otherwise the new name is refused. Names seen only in
 * reports are kept up to the same count, the least recently seen dropped first. All of it lives
 * in memory: a restarted manager learns its workers again from their next ping or report.
 */
import {
  checkWorkerName,
  controlDestProblem,
  VenusError,
  type WorkerPingReport,
  type WorkerSummary,
  workerNameProblem,
} from '@venus-cluster/core'
import type { ManagedSector } from '../sector.js'

/** A worker's last ping, as the registry keeps it. */
export interface WorkerPing extends WorkerPingReport {
  /** Unix seconds of the ping (as the original's `WorkerInfo.LastPing`). */
  lastPing: number
}

/** A worker as the CLI and dashboard list it: from its pings, its reports, or both. */
export interface KnownWorker {
  name: string
  /** Control address from its pings; undefined when it never pinged or reports none. */
  dest: string | undefined
  /** Threads summary of its last ping. */
  summary: WorkerSummary | undefined
  /** Unix seconds of its last ping / last `ReportState` since the manager started. */
  lastPing: number | undefined
  lastReport: number | undefined
  /** Online (being sealed) sectors whose last report came from it. */
  sectors: number
}

/** Options of {@link WorkerRegistry}. */
export interface WorkerRegistryOptions {
  /** Most pinging workers kept (default 1024); the same bound applies to report-only names. */
  maxWorkers?: number | undefined
  /** A pinging worker silent this long may be dropped to make room (ms, default 1 h). */
  staleAfterMs?: number | undefined
  /** Milliseconds clock (tests). */
  now?: (() => number) | undefined
}

/** Default of {@link WorkerRegistryOptions.maxWorkers}. */
export const DEFAULT_MAX_WORKERS = 1024

/** The command an operator runs to release a worker name. */
export const releaseCommand = (name: string) => `venus-sector-manager util worker remove ${name}`

/**
 * Known workers, pinned and bounded.
 *
 * @example
 * ```ts
 * const reg = new WorkerRegistry()
 * reg.ping({ name: 'rig-7', dest: '10.0.0.5:17890', summary: { threads: 2, empty: 2, paused: 0, errors: 0 } })
 * reg.pingOf('rig-7')?.dest // '10.0.0.5:17890'
 * ```
 */
export class WorkerRegistry {
  readonly #pings = new Map<string, WorkerPing & { at: number }>()
  /** Report-only names by last report (ms); Map order = least recently seen first. */
  readonly #reports = new Map<string, number>()
  readonly #max: number
  readonly #staleMs: number
  readonly #now: () => number

  constructor(opts: WorkerRegistryOptions = {}) {
    this.#max = opts.maxWorkers ?? DEFAULT_MAX_WORKERS
    this.#staleMs = opts.staleAfterMs ?? 3_600_000
    this.#now = opts.now ?? Date.now
  }

  /** Records a ping; throws when the name or address is unusable, taken, or there is no room. */
  ping(info: WorkerPingReport): void {
    // Field names in errors are those of `Venus.WorkerPing`, which is where pings come from.
    checkWorkerName(info.name, 'params[0].Name')
    const problem = controlDestProblem(info.dest)
    if (problem !== undefined) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `params[0].Dest: control address ${JSON.stringify(info.dest.slice(0, 40))} ${problem}`,
        { details: { field: 'params[0].Dest' } },
      )
    }
    const now = this.#now()
    const known = this.#pings.get(info.name)
    if (known !== undefined && known.dest !== info.dest) {
      throw new VenusError(
        'WORKER_NAME_TAKEN',
        `worker name ${JSON.stringify(info.name)} is registered with control address ${JSON.stringify(known.dest)}; this ping reports ${JSON.stringify(info.dest)}. If the worker moved, release the name on the manager's host: ${releaseCommand(info.name)}`,
        { details: { worker: info.name, registered: known.dest, reported: info.dest } },
      )
    }
    if (known === undefined && this.#pings.size >= this.#max) this.#makeRoom(info.name, now)
    this.#pings.set(info.name, {
      name: info.name,
      dest: info.dest,
      summary: { ...info.summary },
      lastPing: Math.floor(now / 1000),
      at: now,
    })
  }

  #makeRoom(name: string, now: number): void {
    let oldest: { name: string; at: number } | undefined
    for (const [n, p] of this.#pings)
      if (oldest === undefined || p.at < oldest.at) oldest = { name: n, at: p.at }
    if (oldest !== undefined && now - oldest.at >= this.#staleMs) {
      this.#pings.delete(oldest.name)
      return
    }
    throw new VenusError(
      'WORKER_LIMIT',
      `the manager keeps at most ${this.#max} pinging workers and all of them pinged within ${Math.round(this.#staleMs / 60_000)} min; ${JSON.stringify(name)} is not registered (remove workers that are gone with ${releaseCommand('<name>')})`,
      { details: { worker: name, max: this.#max } },
    )
  }

  /** Notes the instance name of a `ReportState`; names that are not usable are not tracked. */
  noteReport(instance: string): void {
    if (workerNameProblem(instance) !== undefined) return
    this.#reports.delete(instance)
    this.#reports.set(instance, this.#now())
    if (this.#reports.size > this.#max) {
      const first = this.#reports.keys().next()
      if (first.done !== true) this.#reports.delete(first.value)
    }
  }

  /** Forgets a worker (its pin included); whether it was known. */
  remove(name: string): boolean {
    const a = this.#pings.delete(name)
    const b = this.#reports.delete(name)
    return a || b
  }

  /** Every ping, by name. */
  pings(): WorkerPing[] {
    return [...this.#pings.values()].map(withoutAt).sort((a, b) => a.name.localeCompare(b.name))
  }

  /** One worker's ping, or undefined. */
  pingOf(name: string): WorkerPing | undefined {
    const p = this.#pings.get(name)
    return p === undefined ? undefined : withoutAt(p)
  }

  /**
   * Every known worker: pinging ones, ones seen in reports, and the instances named by the last
   * report of online records (so a restarted manager lists workers busy in a long step), given
   * as the records or as their count per instance (`ManagerStore.countSectorsByWorker`).
   */
  known(online: readonly Pick<ManagedSector, 'latestReport'>[] | ReadonlyMap<string, number>): KnownWorker[] {
    const out = new Map<string, KnownWorker>()
    const entry = (name: string): KnownWorker => {
      let w = out.get(name)
      if (w === undefined) {
        w = {
          name,
          dest: undefined,
          summary: undefined,
          lastPing: undefined,
          lastReport: undefined,
          sectors: 0,
        }
        out.set(name, w)
      }
      return w
    }
    for (const p of this.#pings.values()) {
      const w = entry(p.name)
      w.dest = p.dest === '' ? undefined : p.dest
      w.summary = p.summary
      w.lastPing = p.lastPing
    }
    for (const [name, at] of this.#reports) entry(name).lastReport = Math.floor(at / 1000)
    const counts: Iterable<[string | undefined, number]> =
      online instanceof Map
        ? online
        : (online as readonly Pick<ManagedSector, 'latestReport'>[]).map((s) => [
            s.latestReport?.worker.instance,
            1,
          ])
    for (const [name, n] of counts) {
      if (name === undefined || workerNameProblem(name) !== undefined) continue
      entry(name).sectors += n
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name))
  }
}

function withoutAt({ at: _at, ...p }: WorkerPing & { at: number }): WorkerPing {
  return { ...p, summary: { ...p.summary } }
}
