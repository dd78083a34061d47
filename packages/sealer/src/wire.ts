/**
 * The `Venus.*` wire shapes the worker exchanges with the sector manager (PascalCase, as the Go
 * manager and the Rust worker write them), and their converters to and from the camelCase domain
 * types the library speaks. The sector record on disk keeps these shapes, so a record written
 * by an earlier version, or read by a person, stays as it was.
 */
import {
  type EpochRandomness,
  type SectorId,
  sectorIdToWire,
  type WireAllocatedSector,
  type WireDeal,
  type WireReportStateReq,
} from '@venus-cluster/core'
import { type FailureLevel, permanent } from './failure.js'

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
  seed: EpochRandomness | null
}

/** What a thread reports after each step (`Venus.ReportState`). */
export interface StateReport {
  worker: { instance: string; location: string }
  /** `event` is `"None"` as in the original: the event is consumed before the report. */
  stateChange: { prev: string; next: string; event: string }
  failure: { level: FailureLevel; desc: string } | null
}

// ---------------------------------------------------------------------------- converters

const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))

function answerError(method: string, expected: string): never {
  throw permanent(`${method}: the manager's answer is not ${expected}`)
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

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

function randomnessFromWire(method: string, v: unknown, key: 'Ticket' | 'Seed'): EpochRandomness {
  if (!isObject(v) || typeof v[key] !== 'string' || !isInt(v.Epoch))
    answerError(method, `{${key}: base64, Epoch}`)
  return { value: unb64(v[key] as string), epoch: v.Epoch }
}

/** `AssignTicket`'s answer. */
export function ticketAnswerFromWire(v: unknown): EpochRandomness {
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
