/**
 * Wire shapes of the `Venus.*` sealer API, which the manager serves and the worker calls
 * (docs/manager.md lists the methods): the enumerations as the integers the Go manager and the
 * Rust worker put on the wire, the PascalCase structures both sides exchange, the camelCase
 * domain types both sides speak for the shared ones, and the converters between the two.
 */
import { decodeBase64Json, encodeBase64Json } from '../chain/wire.js'
import type { SectorId } from './ids.js'

/**
 * `SubmitResult` of `SubmitPreCommit`, `SubmitPersisted` and `SubmitProof`.
 *
 * @example
 * ```ts
 * if (res.Res === SubmitResult.Accepted || res.Res === SubmitResult.DuplicateSubmit) next()
 * ```
 */
export const SubmitResult = {
  Accepted: 1,
  DuplicateSubmit: 2,
  MismatchedSubmission: 3,
  Rejected: 4,
  FilesMissed: 5,
} as const

/**
 * `OnChainState` of `PollPreCommitState` and `PollProofState`.
 *
 * @example
 * ```ts
 * if (state.State === OnChainState.Landed) next()
 * ```
 */
export const OnChainState = {
  Pending: 1,
  Packed: 2,
  Landed: 3,
  NotFound: 4,
  Failed: 5,
  PermFailed: 6,
  ShouldAbort: 7,
} as const

/**
 * `abi.SectorID` as the `Venus.*` API carries it.
 *
 * @example
 * ```ts
 * const id: WireSectorId = { Miner: 1000, Number: 7 }
 * ```
 */
export interface WireSectorId {
  Miner: number
  Number: number
}

/** One of the {@link SubmitResult} values. */
export type SubmitResultValue = (typeof SubmitResult)[keyof typeof SubmitResult]

/** One of the {@link OnChainState} values. */
export type OnChainStateValue = (typeof OnChainState)[keyof typeof OnChainState]

/** A sector number the manager handed out (`AllocateSector`): its id and seal proof type. */
export interface WireAllocatedSector {
  ID: WireSectorId
  ProofType: number
}

/** A ticket as the manager hands it out and stores it: base64 of 32 random bytes and its epoch. */
export interface WireTicket {
  Ticket: string
  Epoch: number
}

/** An interactive seed as the manager hands it out and stores it. */
export interface WireSeed {
  Seed: string
  Epoch: number
}

/** One piece of a sector (`AcquireDeals`): a deal piece (ID > 0) or a filler piece (ID 0). */
export interface WireDeal {
  ID: number
  PayloadSize: number
  Piece: { Size: number; Cid: { '/': string } }
  /** The deal proposal as the market gave it (opaque to the cluster). */
  Proposal?: unknown
}

/** A worker's report of one sector's step (`ReportStateReq` of `Venus.ReportState`). */
export interface WireReportStateReq {
  Worker: { Instance: string; Location: string }
  StateChange: { Prev: string; Next: string; Event: string }
  Failure: { Level: string; Desc: string } | null
}

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

// ---------------------------------------------------------------------------- domain

/**
 * Chain randomness drawn for a sector at an epoch: its sealing ticket or its interactive seed
 * (32 bytes).
 */
export interface EpochRandomness {
  value: Uint8Array
  epoch: number
}

/** A worker's thread counts, as it reports them in each ping. */
export interface WorkerSummary {
  threads: number
  empty: number
  paused: number
  errors: number
}

/** What a worker tells the manager in `Venus.WorkerPing`. */
export interface WorkerPingReport {
  name: string
  /** `host:port` where the manager reaches the worker's control API; `''` when it reports none. */
  dest: string
  summary: WorkerSummary
}

// ---------------------------------------------------------------------------- converters

/**
 * A sector id on the wire.
 *
 * @example
 * ```ts
 * sectorIdToWire({ miner: 1000, number: 7 }) // { Miner: 1000, Number: 7 }
 * ```
 */
export function sectorIdToWire(id: SectorId): WireSectorId {
  return { Miner: id.miner, Number: id.number }
}

/**
 * A sector id from the wire (or from a stored record).
 *
 * @example
 * ```ts
 * sectorIdFromWire({ Miner: 1000, Number: 7 }) // { miner: 1000, number: 7 }
 * ```
 */
export function sectorIdFromWire(id: WireSectorId): SectorId {
  return { miner: id.Miner, number: id.Number }
}

/**
 * A ticket on the wire: its bytes as padded base64.
 *
 * @example
 * ```ts
 * ticketToWire({ value: new Uint8Array(32), epoch: 100 }).Epoch // 100
 * ```
 */
export function ticketToWire(t: EpochRandomness): WireTicket {
  return { Ticket: encodeBase64Json(t.value), Epoch: t.epoch }
}

/**
 * A ticket from the wire; text that is not padded base64 fails with `RPC_TRANSPORT`.
 *
 * @example
 * ```ts
 * ticketFromWire({ Ticket: 'AAAA', Epoch: 100 }).value // Uint8Array [0, 0, 0]
 * ```
 */
export function ticketFromWire(t: WireTicket): EpochRandomness {
  return { value: decodeBase64Json(t.Ticket, 'Ticket'), epoch: t.Epoch }
}

/**
 * A seed on the wire.
 *
 * @example
 * ```ts
 * seedToWire({ value: new Uint8Array(32), epoch: 110 }).Epoch // 110
 * ```
 */
export function seedToWire(s: EpochRandomness): WireSeed {
  return { Seed: encodeBase64Json(s.value), Epoch: s.epoch }
}

/**
 * A seed from the wire; text that is not padded base64 fails with `RPC_TRANSPORT`.
 *
 * @example
 * ```ts
 * seedFromWire({ Seed: 'AAAA', Epoch: 110 }).epoch // 110
 * ```
 */
export function seedFromWire(s: WireSeed): EpochRandomness {
  return { value: decodeBase64Json(s.Seed, 'Seed'), epoch: s.Epoch }
}

/**
 * A worker's thread counts on the wire.
 *
 * @example
 * ```ts
 * workerSummaryToWire({ threads: 2, empty: 1, paused: 0, errors: 0 }).Threads // 2
 * ```
 */
export function workerSummaryToWire(s: WorkerSummary): WireWorkerSummary {
  return { Threads: s.threads, Empty: s.empty, Paused: s.paused, Errors: s.errors }
}

/**
 * A worker's ping on the wire (`WorkerInfo`).
 *
 * @example
 * ```ts
 * workerInfoToWire({ name: 'w1', dest: '10.0.0.2:17890', summary }).Name // 'w1'
 * ```
 */
export function workerInfoToWire(p: WorkerPingReport): WireWorkerInfo {
  return { Name: p.name, Dest: p.dest, Summary: workerSummaryToWire(p.summary) }
}

/**
 * A worker's ping from the wire (fields already checked by the reader of the request).
 *
 * @example
 * ```ts
 * workerInfoFromWire({ Name: 'w1', Dest: '', Summary: { Threads: 1, Empty: 1, Paused: 0, Errors: 0 } }).name // 'w1'
 * ```
 */
export function workerInfoFromWire(info: WireWorkerInfo): WorkerPingReport {
  const s = info.Summary
  return {
    name: info.Name,
    dest: info.Dest,
    summary: { threads: s.Threads, empty: s.Empty, paused: s.Paused, errors: s.Errors },
  }
}
