/**
 * The sector's wire shapes of the `Venus.*` API, exactly as the original manager writes them (Go
 * field names, PascalCase, bytes as base64), and the converters to and from the domain model of
 * `sector.ts`. The store keeps records in this same JSON, so `Venus.ListSectors` answers what it
 * keeps and databases written by earlier versions read unchanged.
 *
 * @packageDocumentation
 */
import {
  decodeBase64Json,
  encodeBase64Json,
  sectorIdFromWire,
  sectorIdToWire,
  seedFromWire,
  seedToWire,
  ticketFromWire,
  ticketToWire,
  type WireDeal,
  type WireReportStateReq,
  type WireSectorId,
  type WireSeed,
  type WireTicket,
} from '@venus-cluster/core'
import type {
  ManagedSector,
  PollResult,
  SectorPiece,
  SectorReport,
  SectorTermination,
  SeedWait,
  SubmitResponse,
} from '../sector.js'
import type { SectorUpgrade, SnapUpState } from '../snapup/types.js'

/** The precommit info stored once `SubmitPreCommit` is accepted (commitments as CIDs). */
export interface WirePreCommit {
  CommR: { '/': string }
  CommD: { '/': string }
  Ticket: WireTicket
  Deals: number[]
}

/** Message bookkeeping: uids of the messages that carry this sector. */
export interface WireMessageInfo {
  PreCommitCid: { '/': string } | null
  CommitCid: { '/': string } | null
  NeedSend: boolean
}

/** `TerminateInfo` / the answer of `PollTerminateSectorState`. */
export interface WireTerminateInfo {
  /** Uid of the TerminateSectors message once claimed. */
  TerminateCid: { '/': string } | null
  /** Epoch the termination was seen landed; 0 while pending. */
  TerminatedAt: number
  /** Head epoch when the termination was requested. */
  AddedHeight: number
}

/** The full per-sector record, as `Venus.ListSectors` / `FindSector` answer it. */
export interface WireSectorState {
  ID: WireSectorId
  SectorType: number
  Ticket: WireTicket | null
  Seed: WireSeed | null
  Deals: WireDeal[] | null
  Pre: WirePreCommit | null
  Proof: { Proof: string } | null
  MessageInfo: WireMessageInfo
  LatestState: WireReportStateReq | null
  Finalized: boolean
  AbortReason: string
  /** The sector's files were deleted by `RemoveSector` (the record stays, offline). */
  Removed?: boolean | undefined
  /** `[v0.3]` termination bookkeeping; absent until `TerminateSector` is accepted. */
  TerminateInfo?: WireTerminateInfo | undefined
  /**
   * Extension: when the number was allocated (ms since the epoch). The original has no such
   * field; records written before it existed lack it.
   */
  AllocatedAt?: number | undefined
  /** The record was imported from lotus-miner or damocles (as damocles names it). */
  Imported?: boolean | undefined
  /** The original's snap-up fields: set once the CC sector is allocated for a snap-up. */
  Upgraded?: boolean | undefined
  UpgradePublic?: WireUpgradePublic | undefined
  UpgradedInfo?: WireUpgradedInfo | null | undefined
  UpgradeMessageID?: string | null | undefined
  UpgradeLandedEpoch?: number | null | undefined
  /** Extension: where the snap-up is (`allocated` … `done`, `failed`) and why it failed. */
  UpgradeState?: string | undefined
  UpgradeFailure?: string | undefined
}

/** `SectorUpgradePublic`: the CC sector as it was on chain when taken. */
export interface WireUpgradePublic {
  SealedCID: { '/': string }
  Activation: number
  Expiration: number
  Deadline: number
  Partition: number
}

/** `SectorUpgradedInfo`: what the worker proved. */
export interface WireUpgradedInfo {
  UnsealedCID: { '/': string }
  NewSealedCID: { '/': string }
  Proof: string
  AccessInstance: string
}

/** Answer of `PollPreCommitState` / `PollProofState`. */
export interface WirePollResult {
  State: number
  Desc: string | null
}

/** Answer of the `Submit*` methods and `TerminateSector`. */
export interface WireSubmitResp {
  Res: number
  Desc: string | null
}

const cidLink = (cid: string): { '/': string } => ({ '/': cid })
const linkOrNull = (cid: string | null): { '/': string } | null => (cid === null ? null : { '/': cid })

/** Pieces on the wire (`Deals`). */
export function piecesToWire(pieces: readonly SectorPiece[] | null): WireDeal[] | null {
  return pieces === null
    ? null
    : pieces.map((p) => ({
        ID: p.dealId,
        PayloadSize: p.payloadSize,
        Piece: { Size: p.piece.size, Cid: cidLink(p.piece.cid) },
        Proposal: p.proposal,
        ...(p.direct === undefined
          ? {}
          : {
              Direct: {
                PieceID: p.direct.id,
                Client: p.direct.allocation?.client ?? 0,
                AllocationID: p.direct.allocation?.id ?? 0,
              },
            }),
      }))
}

/** Pieces from the wire. */
export function piecesFromWire(deals: readonly WireDeal[] | null): SectorPiece[] | null {
  return deals === null
    ? null
    : deals.map((d) => ({
        dealId: d.ID,
        payloadSize: d.PayloadSize,
        piece: { size: d.Piece.Size, cid: d.Piece.Cid['/'] },
        proposal: d.Proposal,
        ...(d.Direct === undefined || d.Direct === null
          ? {}
          : {
              direct: {
                id: d.Direct.PieceID,
                allocation:
                  d.Direct.AllocationID > 0 ? { client: d.Direct.Client, id: d.Direct.AllocationID } : null,
              },
            }),
      }))
}

/** A state report from the wire. */
export function reportFromWire(r: WireReportStateReq): SectorReport {
  return {
    worker: { instance: r.Worker.Instance, location: r.Worker.Location },
    stateChange: { prev: r.StateChange.Prev, next: r.StateChange.Next, event: r.StateChange.Event },
    failure: r.Failure === null ? null : { level: r.Failure.Level, description: r.Failure.Desc },
  }
}

/** A state report on the wire. */
export function reportToWire(r: SectorReport): WireReportStateReq {
  return {
    Worker: { Instance: r.worker.instance, Location: r.worker.location },
    StateChange: { Prev: r.stateChange.prev, Next: r.stateChange.next, Event: r.stateChange.event },
    Failure: r.failure === null ? null : { Level: r.failure.level, Desc: r.failure.description },
  }
}

/** Termination bookkeeping on the wire. */
export function terminationToWire(t: SectorTermination): WireTerminateInfo {
  return { TerminateCid: linkOrNull(t.messageUid), TerminatedAt: t.terminatedAt, AddedHeight: t.addedHeight }
}

/** Termination bookkeeping from the wire. */
export function terminationFromWire(t: WireTerminateInfo): SectorTermination {
  return {
    messageUid: t.TerminateCid?.['/'] ?? null,
    terminatedAt: t.TerminatedAt,
    addedHeight: t.AddedHeight,
  }
}

/**
 * A sector record in the original's JSON shape.
 *
 * @example
 * ```ts
 * sectorToWire(newSector({ miner: 1000, number: 1 }, 5)).ID // { Miner: 1000, Number: 1 }
 * ```
 */
export function sectorToWire(s: ManagedSector): WireSectorState {
  const w: WireSectorState = {
    ID: sectorIdToWire(s.id),
    SectorType: s.proofType,
    Ticket: s.ticket === null ? null : ticketToWire(s.ticket),
    Seed: s.seed === null ? null : seedToWire(s.seed),
    Deals: piecesToWire(s.pieces),
    Pre:
      s.preCommit === null
        ? null
        : {
            CommR: cidLink(s.preCommit.commR),
            CommD: cidLink(s.preCommit.commD),
            Ticket: ticketToWire(s.preCommit.ticket),
            Deals: [...s.preCommit.dealIds],
          },
    Proof: s.proof === null ? null : { Proof: encodeBase64Json(s.proof) },
    MessageInfo: {
      PreCommitCid: linkOrNull(s.messages.preCommit),
      CommitCid: linkOrNull(s.messages.proveCommit),
      NeedSend: s.messages.needSend,
    },
    LatestState: s.latestReport === null ? null : reportToWire(s.latestReport),
    Finalized: s.finalized,
    AbortReason: s.abortReason,
  }
  if (s.removed !== undefined) w.Removed = s.removed
  if (s.termination !== undefined) w.TerminateInfo = terminationToWire(s.termination)
  if (s.allocatedAt !== undefined) w.AllocatedAt = s.allocatedAt
  if (s.upgrade !== undefined) Object.assign(w, upgradeToWire(s.upgrade))
  if (s.imported !== undefined) w.Imported = s.imported
  return w
}

/** The snap-up fields of a record on the wire. */
export function upgradeToWire(u: SectorUpgrade): Partial<WireSectorState> {
  return {
    Upgraded: true,
    UpgradePublic: {
      SealedCID: { '/': u.public.sealedCid },
      Activation: u.public.activation,
      Expiration: u.public.expiration,
      Deadline: u.public.deadline,
      Partition: u.public.partition,
    },
    UpgradedInfo:
      u.proven === null
        ? null
        : {
            UnsealedCID: { '/': u.proven.unsealedCid },
            NewSealedCID: { '/': u.proven.newSealedCid },
            Proof: encodeBase64Json(u.proven.proof),
            AccessInstance: u.proven.accessInstance,
          },
    UpgradeMessageID: u.messageUid,
    UpgradeLandedEpoch: u.landedEpoch,
    UpgradeState: u.state,
    UpgradeFailure: u.failure,
  }
}

const UPGRADE_STATES: readonly SnapUpState[] = ['allocated', 'queued', 'sent', 'landed', 'done', 'failed']

/** A record's snap-up from its wire fields; undefined when it has none. */
export function upgradeFromWire(w: WireSectorState): SectorUpgrade | undefined {
  if (w.Upgraded !== true || w.UpgradePublic === undefined) return undefined
  const p = w.UpgradePublic
  const info = w.UpgradedInfo ?? null
  const state = UPGRADE_STATES.find((x) => x === w.UpgradeState) ?? (info === null ? 'allocated' : 'queued')
  return {
    state,
    public: {
      sealedCid: p.SealedCID['/'],
      activation: p.Activation,
      expiration: p.Expiration,
      deadline: p.Deadline,
      partition: p.Partition,
    },
    proven:
      info === null
        ? null
        : {
            newSealedCid: info.NewSealedCID['/'],
            unsealedCid: info.UnsealedCID['/'],
            proof: decodeBase64Json(info.Proof, 'UpgradedInfo.Proof'),
            accessInstance: info.AccessInstance,
          },
    messageUid: w.UpgradeMessageID ?? null,
    landedEpoch: w.UpgradeLandedEpoch ?? null,
    failure: w.UpgradeFailure ?? '',
  }
}

/**
 * A sector record from the original's JSON shape (as stored).
 *
 * @example
 * ```ts
 * sectorFromWire(sectorToWire(s)) // equal to s
 * ```
 */
export function sectorFromWire(w: WireSectorState): ManagedSector {
  const s: ManagedSector = {
    id: sectorIdFromWire(w.ID),
    proofType: w.SectorType,
    ticket: w.Ticket === null ? null : ticketFromWire(w.Ticket),
    seed: w.Seed === null ? null : seedFromWire(w.Seed),
    pieces: piecesFromWire(w.Deals),
    preCommit:
      w.Pre === null
        ? null
        : {
            commR: w.Pre.CommR['/'],
            commD: w.Pre.CommD['/'],
            ticket: ticketFromWire(w.Pre.Ticket),
            dealIds: [...w.Pre.Deals],
          },
    proof: w.Proof === null ? null : decodeBase64Json(w.Proof.Proof, 'Proof'),
    messages: {
      preCommit: w.MessageInfo.PreCommitCid?.['/'] ?? null,
      proveCommit: w.MessageInfo.CommitCid?.['/'] ?? null,
      needSend: w.MessageInfo.NeedSend,
    },
    latestReport: w.LatestState === null ? null : reportFromWire(w.LatestState),
    finalized: w.Finalized,
    abortReason: w.AbortReason,
  }
  if (w.Removed !== undefined) s.removed = w.Removed
  if (w.TerminateInfo !== undefined) s.termination = terminationFromWire(w.TerminateInfo)
  if (w.AllocatedAt !== undefined) s.allocatedAt = w.AllocatedAt
  const upgrade = upgradeFromWire(w)
  if (upgrade !== undefined) s.upgrade = upgrade
  if (w.Imported !== undefined) s.imported = w.Imported
  return s
}

/** A poll answer on the wire. */
export function pollResultToWire(r: PollResult): WirePollResult {
  return { State: r.state, Desc: r.description }
}

/** A submission answer on the wire. */
export function submitResponseToWire(r: SubmitResponse): WireSubmitResp {
  return { Res: r.result, Desc: r.description }
}

/** `WaitSeed`'s answer on the wire. */
export function seedWaitToWire(w: SeedWait): {
  ShouldWait: boolean
  Delay: number
  Seed: WireSeed | null
} {
  return {
    ShouldWait: w.shouldWait,
    Delay: w.delaySeconds,
    Seed: w.seed === null ? null : seedToWire(w.seed),
  }
}
