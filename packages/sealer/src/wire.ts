/**
 * The `Venus.*` wire shapes the worker exchanges with the sector manager (PascalCase, as the Go
 * manager and the Rust worker write them), and their converters to and from the camelCase domain
 * types the library speaks. The sector record on disk keeps these shapes, so a record written
 * by an earlier version, or read by a person, stays as it was.
 */
import type { SectorId } from '@venus-cluster/core'
import { type FailureLevel, permanent } from './failure.js'

/** `{"Miner", "Number"}` as the manager's wire format has it. */
export interface WireSectorId {
  Miner: number
  Number: number
}

/** `AllocatedSector` of the wire format. */
export interface WireAllocatedSector {
  ID: WireSectorId
  ProofType: number
}

/** One deal entry of `AcquireDeals` (ID 0 = filler piece). */
export interface WireDeal {
  ID: number
  PayloadSize: number
  Piece: { Size: number; Cid: { '/': string } }
  Proposal?: unknown
}

/** A ticket as the manager sends it (base64 of 32 bytes). */
export interface WireTicket {
  Ticket: string
  Epoch: number
}

/** A seed as the manager sends it. */
export interface WireSeed {
  Seed: string
  Epoch: number
}

/** `ReportStateReq` of the wire format. */
export interface WireReportStateReq {
  Worker: { Instance: string; Location: string }
  StateChange: { Prev: string; Next: string; Event: string }
  Failure: { Level: string; Desc: string } | null
}

/** `WorkerInfo` of `Venus.WorkerPing`. */
export interface WireWorkerPingInfo {
  Name: string
  /** `ip:port` of the control API. */
  Dest: string
  Summary: { Threads: number; Empty: number; Paused: number; Errors: number }
}

// ---------------------------------------------------------------------------- domain

/** A sector the manager allocated to a thread. */
export interface AllocatedSector {
  id: SectorId
  /** The registered seal proof. */
  proofType: number
}

/** One deal of a sector; `id` 0 is a filler piece. */
export interface SectorDeal {
  id: number
  payloadSize: number
  piece: { size: number; cid: string }
  /** The deal proposal as the manager sent it (kept, not read). */
  proposal?: unknown
}

/** A ticket or a seed: 32 bytes of chain randomness and the epoch it was drawn at. */
export interface SealRandomness {
  value: Uint8Array
  epoch: number
}

/** The manager's answer to a submission; `result` is a `SubmitResult`. */
export interface SubmitAnswer {
  result: number
  desc: string | null
}

/** The manager's view of a message on chain; `state` is an `OnChainState`. */
export interface OnChainAnswer {
  state: number
  desc: string | null
}

/** `WaitSeed`: the seed, or how long to wait for it. */
export interface SeedAnswer {
  shouldWait: boolean
  delaySeconds: number
  seed: SealRandomness | null
}

/** What a thread reports after each step (`Venus.ReportState`). */
export interface StateReport {
  worker: { instance: string; location: string }
  /** `event` is `"None"` as in the original: the event is consumed before the report. */
  stateChange: { prev: string; next: string; event: string }
  failure: { level: FailureLevel; desc: string } | null
}

/** What a worker tells the manager in `Venus.WorkerPing`. */
export interface WorkerPingReport {
  name: string
  /** `host:port` where the manager reaches the control API. */
  dest: string
  summary: { threads: number; empty: number; paused: number; errors: number }
}

// ---------------------------------------------------------------------------- converters

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))

function answerError(method: string, expected: string): never {
  throw permanent(`${method}: the manager's answer is not ${expected}`)
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

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
 * A sector id from the wire (or from a sector record).
 *
 * @example
 * ```ts
 * sectorIdFromWire({ Miner: 1000, Number: 7 }) // { miner: 1000, number: 7 }
 * ```
 */
export function sectorIdFromWire(id: WireSectorId): SectorId {
  return { miner: id.Miner, number: id.Number }
}

/** An allocated sector on the wire (and in the sector record). */
export function allocatedToWire(s: AllocatedSector): WireAllocatedSector {
  return { ID: sectorIdToWire(s.id), ProofType: s.proofType }
}

/** An allocated sector from the wire; `null` (nothing to seal now) stays `null`. */
export function allocatedFromWire(v: unknown, method = 'AllocateSector'): AllocatedSector | null {
  if (v === null) return null
  if (!isObject(v) || !isObject(v.ID) || !isInt(v.ID.Miner) || !isInt(v.ID.Number) || !isInt(v.ProofType))
    answerError(method, '{ID: {Miner, Number}, ProofType} or null')
  return { id: { miner: v.ID.Miner, number: v.ID.Number }, proofType: v.ProofType }
}

/** A deal on the wire (and in the sector record). */
export function dealToWire(d: SectorDeal): WireDeal {
  return {
    ID: d.id,
    PayloadSize: d.payloadSize,
    Piece: { Size: d.piece.size, Cid: { '/': d.piece.cid } },
    ...(d.proposal === undefined ? {} : { Proposal: d.proposal }),
  }
}

/** A deal from the wire (or from a sector record). */
export function dealFromWire(d: WireDeal): SectorDeal {
  return {
    id: d.ID,
    payloadSize: d.PayloadSize,
    piece: { size: d.Piece.Size, cid: d.Piece.Cid['/'] },
    ...(d.Proposal === undefined ? {} : { proposal: d.Proposal }),
  }
}

/** `AcquireDeals`'s answer. */
export function dealsAnswerFromWire(v: unknown): SectorDeal[] | null {
  if (v === null) return null
  if (!Array.isArray(v)) answerError('AcquireDeals', 'a list of deals or null')
  return v.map((d: unknown) => {
    if (
      !isObject(d) ||
      !isInt(d.ID) ||
      !isInt(d.PayloadSize) ||
      !isObject(d.Piece) ||
      !isInt(d.Piece.Size) ||
      !isObject(d.Piece.Cid) ||
      typeof d.Piece.Cid['/'] !== 'string'
    )
      answerError('AcquireDeals', 'a list of {ID, PayloadSize, Piece: {Size, Cid}}')
    return dealFromWire(d as unknown as WireDeal)
  })
}

/** A ticket on the wire (and in the sector record). */
export function ticketToWire(t: SealRandomness): WireTicket {
  return { Ticket: b64(t.value), Epoch: t.epoch }
}

/** A ticket from the wire (or from a sector record). */
export function ticketFromWire(t: WireTicket): SealRandomness {
  return { value: unb64(t.Ticket), epoch: t.Epoch }
}

/** A seed on the wire (and in the sector record). */
export function seedToWire(s: SealRandomness): WireSeed {
  return { Seed: b64(s.value), Epoch: s.epoch }
}

/** A seed from the wire (or from a sector record). */
export function seedFromWire(s: WireSeed): SealRandomness {
  return { value: unb64(s.Seed), epoch: s.Epoch }
}

function randomnessFromWire(method: string, v: unknown, key: 'Ticket' | 'Seed'): SealRandomness {
  if (!isObject(v) || typeof v[key] !== 'string' || !isInt(v.Epoch))
    answerError(method, `{${key}: base64, Epoch}`)
  return { value: unb64(v[key] as string), epoch: v.Epoch }
}

/** `AssignTicket`'s answer. */
export function ticketAnswerFromWire(v: unknown): SealRandomness {
  return randomnessFromWire('AssignTicket', v, 'Ticket')
}

/** `WaitSeed`'s answer. */
export function seedAnswerFromWire(v: unknown): SeedAnswer {
  if (!isObject(v) || typeof v.ShouldWait !== 'boolean' || typeof v.Delay !== 'number')
    answerError('WaitSeed', '{ShouldWait, Delay, Seed}')
  return {
    shouldWait: v.ShouldWait,
    delaySeconds: v.Delay,
    seed: v.Seed === null || v.Seed === undefined ? null : randomnessFromWire('WaitSeed', v.Seed, 'Seed'),
  }
}

/** `SubmitPreCommit` / `SubmitProof`'s answer. */
export function submitAnswerFromWire(method: string, v: unknown): SubmitAnswer {
  if (!isObject(v) || typeof v.Res !== 'number') answerError(method, '{Res, Desc}')
  return { result: v.Res, desc: typeof v.Desc === 'string' ? v.Desc : null }
}

/** `PollPreCommitState` / `PollProofState`'s answer. */
export function onChainAnswerFromWire(method: string, v: unknown): OnChainAnswer {
  if (!isObject(v) || typeof v.State !== 'number') answerError(method, '{State, Desc}')
  return { state: v.State, desc: typeof v.Desc === 'string' ? v.Desc : null }
}

/** A state report on the wire. */
export function stateReportToWire(r: StateReport): WireReportStateReq {
  return {
    Worker: { Instance: r.worker.instance, Location: r.worker.location },
    StateChange: { Prev: r.stateChange.prev, Next: r.stateChange.next, Event: r.stateChange.event },
    Failure: r.failure === null ? null : { Level: r.failure.level, Desc: r.failure.desc },
  }
}

/** A ping on the wire. */
export function workerPingToWire(p: WorkerPingReport): WireWorkerPingInfo {
  const s = p.summary
  return {
    Name: p.name,
    Dest: p.dest,
    Summary: { Threads: s.threads, Empty: s.empty, Paused: s.paused, Errors: s.errors },
  }
}
