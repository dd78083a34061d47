/**
 * The workers' wire shapes of `Venus.*` the manager alone serves (`WorkerPingInfoList` entries
 * and the `KnownWorkers` extension) and their converters from the registry's domain types; the
 * ping itself (`WorkerInfo`) and its converters are core's.
 */
import {
  type WireWorkerSummary,
  type WorkerPingInfo,
  workerInfoToWire,
  workerSummaryToWire,
} from '@venus-cluster/core'
import type { KnownWorker, WorkerPing } from '../worker-registry/index.js'

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

/** A kept ping on the wire. */
export function workerPingToWire(p: WorkerPing): WorkerPingInfo {
  return { Info: workerInfoToWire(p), LastPing: p.lastPing }
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
