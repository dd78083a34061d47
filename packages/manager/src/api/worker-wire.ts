/**
 * The workers' wire shapes of `Venus.*` (`WorkerInfo` of `WorkerPing` / `WorkerPingInfoList`, and
 * the `KnownWorkers` extension), and their converters to the registry's domain types.
 */
import type { KnownWorker, WorkerPing, WorkerPingReport, WorkerSummary } from '../worker-registry/index.js'

/** A worker's thread counts on the wire. */
export interface WireWorkerSummary {
  Threads: number
  Empty: number
  Paused: number
  Errors: number
}

/** A worker's liveness report (`WorkerInfo` of `Venus.WorkerPing`). */
export interface WireWorkerInfo {
  Name: string
  /** `host:port` of the worker's control API; `""` when it reports none. */
  Dest: string
  Summary: WireWorkerSummary
}

/** One entry of `Venus.WorkerPingInfoList`: the worker's last ping and when it came (Unix seconds). */
export interface WorkerPingInfo {
  Info: WireWorkerInfo
  LastPing: number
}

/** One entry of `Venus.KnownWorkers` (an extension; PascalCase like the rest of `Venus.*`). */
export interface WireKnownWorker {
  Name: string
  /** Control address, `""` when the worker never pinged (original workers) or reports none. */
  Dest: string
  Summary: WireWorkerSummary | null
  LastPing: number | null
  LastReport: number | null
  /** Online sectors whose last `ReportState` came from this worker. */
  Sectors: number
}

/** Thread counts on the wire. */
export function workerSummaryToWire(s: WorkerSummary): WireWorkerSummary {
  return { Threads: s.threads, Empty: s.empty, Paused: s.paused, Errors: s.errors }
}

/** A ping from the wire (`WorkerPing`'s `WorkerInfo`). */
export function workerPingFromWire(info: WireWorkerInfo): WorkerPingReport {
  const s = info.Summary
  return {
    name: info.Name,
    dest: info.Dest,
    summary: { threads: s.Threads, empty: s.Empty, paused: s.Paused, errors: s.Errors },
  }
}

/** A kept ping on the wire. */
export function workerPingToWire(p: WorkerPing): WorkerPingInfo {
  return {
    Info: { Name: p.name, Dest: p.dest, Summary: workerSummaryToWire(p.summary) },
    LastPing: p.lastPing,
  }
}

/** A known worker on the wire. */
export function knownWorkerToWire(w: KnownWorker): WireKnownWorker {
  return {
    Name: w.name,
    Dest: w.dest ?? '',
    Summary: w.summary === undefined ? null : workerSummaryToWire(w.summary),
    LastPing: w.lastPing ?? null,
    LastReport: w.lastReport ?? null,
    Sectors: w.sectors,
  }
}
