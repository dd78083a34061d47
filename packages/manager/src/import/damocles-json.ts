/**
 * damocles's `export-json` format as an import source and as an export target: reading the
 * records (`SectorState` JSON) a damocles-manager printed, converting them to this manager's
 * records and back.
 */
import type {
  DamoclesDealInfoV2,
  DamoclesSectorPiece,
  DamoclesSectorState,
  DamoclesTicket,
} from '@venus-cluster/core'
import {
  decodeBase64Json,
  type EpochRandomness,
  encodeBase64Json,
  isVenusError,
  VenusError,
} from '@venus-cluster/core'
import type { ManagedSector, SectorPiece } from '../sector.js'
import type { ImportCandidate } from './types.js'

/** Largest export file read at once (about a million records). */
export const MAX_DAMOCLES_EXPORT_BYTES = 2 * 1024 * 1024 * 1024 - 1
/** Longest accepted string in a record (CIDs, base64 proofs, reasons). */
const MAX_STRING = 1 << 20

/** A record of an export file and the line it starts on. */
export interface DamoclesExportEntry {
  line: number
  state: DamoclesSectorState
}

function bad(where: string, key: string, what: string): VenusError {
  return new VenusError('INVALID_ARGUMENT', `${where}: ${key}: ${what}`, { details: { where, key } })
}

function checkValue(v: unknown, where: string, key: string, depth = 0): void {
  if (depth > 16) throw bad(where, key, 'nested too deep')
  if (typeof v === 'string' && v.length > MAX_STRING)
    throw bad(where, key, `longer than ${MAX_STRING} characters`)
  if (Array.isArray(v)) {
    if (v.length > 100_000) throw bad(where, key, 'more than 100000 entries')
    for (const [i, x] of v.entries()) checkValue(x, where, `${key}[${i}]`, depth + 1)
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) checkValue(x, where, key === '' ? k : `${key}.${k}`, depth + 1)
  }
}

const isUint = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
const isLink = (v: unknown) =>
  v === null || v === undefined || (typeof v === 'object' && typeof (v as { '/': unknown })['/'] === 'string')

/** Checks the keys a record must have and their types; throws naming the key. */
function validate(v: unknown, where: string): DamoclesSectorState {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad(where, '(record)', 'not a JSON object')
  checkValue(v, where, '')
  const s = v as Record<string, unknown>
  const id = s.ID as Record<string, unknown> | undefined
  if (typeof id !== 'object' || id === null) throw bad(where, 'ID', 'missing')
  if (!isUint(id.Miner)) throw bad(where, 'ID.Miner', 'not an actor id')
  if (!isUint(id.Number)) throw bad(where, 'ID.Number', 'not a sector number')
  if (!isUint(s.SectorType)) throw bad(where, 'SectorType', 'not a seal proof number')
  for (const k of ['Ticket', 'Seed'] as const) {
    const r = s[k] as Record<string, unknown> | null | undefined
    if (r === null || r === undefined) continue
    if (typeof r[k] !== 'string') throw bad(where, `${k}.${k}`, 'not base64')
    if (!Number.isSafeInteger(r.Epoch)) throw bad(where, `${k}.Epoch`, 'not an epoch')
  }
  const pre = s.Pre as Record<string, unknown> | null | undefined
  if (pre !== null && pre !== undefined) {
    for (const k of ['CommR', 'CommD'])
      if (!isLink(pre[k]) || pre[k] === null) throw bad(where, `Pre.${k}`, 'not a CID')
  }
  const mi = s.MessageInfo as Record<string, unknown> | undefined
  if (typeof mi !== 'object' || mi === null) throw bad(where, 'MessageInfo', 'missing')
  for (const k of ['PreCommitCid', 'CommitCid'])
    if (!isLink(mi[k])) throw bad(where, `MessageInfo.${k}`, 'not a CID or null')
  for (const k of ['Deals', 'Pieces'])
    if (s[k] !== null && s[k] !== undefined && !Array.isArray(s[k])) throw bad(where, k, 'not a list or null')
  if (typeof s.Finalized !== 'boolean') throw bad(where, 'Finalized', 'not a boolean')
  if (s.AbortReason !== undefined && typeof s.AbortReason !== 'string')
    throw bad(where, 'AbortReason', 'not a string')
  return v as DamoclesSectorState
}

/**
 * The records of an export file: one `export-json` object, several of them one per line (what a
 * loop over `export-json` prints), or a JSON array. Errors name the file, line and key.
 *
 * @example
 * ```ts
 * parseDamoclesExport(readFileSync('sectors.json', 'utf8'), 'sectors.json')[0]?.state.ID // { Miner: 1000, Number: 7 }
 * ```
 */
export function parseDamoclesExport(text: string, file: string): DamoclesExportEntry[] {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('[')) {
    let list: unknown
    try {
      list = JSON.parse(text)
    } catch (err) {
      throw new VenusError('INVALID_ARGUMENT', `${file}: not valid JSON (${(err as Error).message})`, {
        details: { file },
      })
    }
    return (list as unknown[]).map((v, i) => ({ line: 1, state: validate(v, `${file}[${i}]`) }))
  }
  const out: DamoclesExportEntry[] = []
  const lines = text.split('\n')
  // One pretty-printed object spans lines: then the whole file is that object.
  if (lines.filter((l) => l.trim() !== '').length > 1 && !lines[0]?.trim().endsWith('}')) {
    try {
      return [{ line: 1, state: validate(JSON.parse(text), `${file}:1`) }]
    } catch (err) {
      if (err instanceof VenusError) throw err
      throw new VenusError('INVALID_ARGUMENT', `${file}: not valid JSON (${(err as Error).message})`, {
        details: { file },
      })
    }
  }
  lines.forEach((l, i) => {
    if (l.trim() === '') return
    let v: unknown
    try {
      v = JSON.parse(l)
    } catch (err) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `${file}:${i + 1}: not valid JSON (${(err as Error).message})`,
        {
          details: { file, line: i + 1 },
        },
      )
    }
    out.push({ line: i + 1, state: validate(v, `${file}:${i + 1}`) })
  })
  return out
}

const link = (cid: string | null) => (cid === null ? null : { '/': cid })
const cidOf = (v: { '/': string } | null | undefined) => v?.['/'] ?? null

/** Base64 of a record: an error names the file, line and key. */
function bytesOf(b64: string, where: string, key: string): Uint8Array {
  try {
    return decodeBase64Json(b64, key)
  } catch (err) {
    if (isVenusError(err)) throw bad(where, key, 'not padded base64')
    throw err
  }
}

function rand(b64: string, epoch: number, where: string, key: string): EpochRandomness {
  const value = bytesOf(b64, where, key)
  if (value.length !== 32) throw bad(where, 'Ticket/Seed', `${value.length} bytes, not 32`)
  return { value, epoch }
}

function pieceFromV2(p: DamoclesSectorPiece): SectorPiece {
  const size = p.Piece.Size
  const d = p.DealInfo
  return {
    dealId: d?.IsBuiltinMarket === true ? (d.DealID ?? 0) : 0,
    payloadSize: d?.PayloadSize ?? size - size / 128,
    piece: { size, cid: cidOf(p.Piece.PieceCID) ?? '' },
    // The deal as damocles had it, so that an export gives it back.
    proposal: d === null ? null : { DealInfoV2: d },
  }
}

/**
 * A damocles record as this manager's record (marked imported).
 *
 * @example
 * ```ts
 * recordFromDamocles(state).id // { miner: 1000, number: 7 }
 * ```
 */
export function recordFromDamocles(s: DamoclesSectorState, where = 'record'): ManagedSector {
  const ticket = s.Ticket ? rand(s.Ticket.Ticket, s.Ticket.Epoch, where, 'Ticket.Ticket') : null
  const pieces =
    (s.Pieces?.length ?? 0) > 0
      ? (s.Pieces ?? []).map(pieceFromV2)
      : (s.Deals ?? []).map((d) => ({
          dealId: d.ID,
          payloadSize: d.PayloadSize,
          piece: { size: d.Piece.Size, cid: cidOf(d.Piece.Cid) ?? '' },
          proposal: d.Proposal ?? null,
        }))
  const rec: ManagedSector = {
    id: { miner: s.ID.Miner, number: s.ID.Number },
    proofType: s.SectorType,
    ticket,
    seed: s.Seed ? rand(s.Seed.Seed, s.Seed.Epoch, where, 'Seed.Seed') : null,
    pieces: pieces.length === 0 ? null : pieces,
    preCommit: s.Pre
      ? {
          commR: s.Pre.CommR['/'],
          commD: s.Pre.CommD['/'],
          ticket: rand(s.Pre.Ticket.Ticket, s.Pre.Ticket.Epoch, where, 'Pre.Ticket.Ticket'),
          dealIds: pieces.filter((p) => p.dealId !== 0).map((p) => p.dealId),
        }
      : null,
    proof: s.Proof?.Proof ? bytesOf(s.Proof.Proof, where, 'Proof.Proof') : null,
    messages: {
      preCommit: cidOf(s.MessageInfo.PreCommitCid),
      proveCommit: cidOf(s.MessageInfo.CommitCid),
      needSend: s.MessageInfo.NeedSend === true,
    },
    latestReport: s.LatestState
      ? {
          worker: { instance: s.LatestState.Worker.Instance, location: s.LatestState.Worker.Location },
          stateChange: {
            prev: s.LatestState.StateChange.Prev,
            next: s.LatestState.StateChange.Next,
            event: s.LatestState.StateChange.Event,
          },
          failure: s.LatestState.Failure
            ? { level: s.LatestState.Failure.Level, description: s.LatestState.Failure.Desc }
            : null,
        }
      : null,
    finalized: s.Finalized,
    abortReason: s.AbortReason ?? '',
    imported: true,
  }
  if (s.Removed === true) rec.removed = true
  if (s.TerminateInfo && s.TerminateInfo.AddedHeight > 0)
    rec.termination = {
      messageUid: cidOf(s.TerminateInfo.TerminateCid),
      terminatedAt: s.TerminateInfo.TerminatedAt,
      addedHeight: s.TerminateInfo.AddedHeight,
    }
  return rec
}

/**
 * The records of an export file as import candidates: finalized and aborted ones go offline, the
 * others online for their sealing threads to go on; snap-upgraded sectors are refused.
 *
 * @example
 * ```ts
 * const report = await importer.plan(damoclesCandidates(parseDamoclesExport(text, file), file))
 * ```
 */
export function damoclesCandidates(entries: readonly DamoclesExportEntry[], file: string): ImportCandidate[] {
  return entries.map(({ line, state }) => {
    const record = recordFromDamocles(state, `${file}:${line}`)
    const sourceState = state.Finalized
      ? 'finalized'
      : state.AbortReason
        ? 'aborted'
        : state.Removed
          ? 'removed'
          : 'in flight'
    const c: ImportCandidate = { record, sourceState, keepMessages: true }
    if (state.Upgraded === true)
      c.refusal = 'snap-upgraded sectors are not imported (their update files and proofs are not kept here)'
    return c
  })
}

function ticketOut(t: EpochRandomness): DamoclesTicket {
  return { Ticket: encodeBase64Json(t.value), Epoch: t.epoch }
}

function pieceOut(p: SectorPiece, miner: number): DamoclesSectorPiece {
  const kept = (p.proposal as { DealInfoV2?: DamoclesDealInfoV2 } | null)?.DealInfoV2
  if (kept !== undefined)
    return { Piece: { Size: p.piece.size, PieceCID: link(p.piece.cid) }, DealInfo: kept }
  const prop = p.proposal as { Client?: string; StartEpoch?: number; EndEpoch?: number } | null
  return {
    Piece: { Size: p.piece.size, PieceCID: link(p.piece.cid) },
    DealInfo:
      p.dealId === 0
        ? null
        : {
            DealID: p.dealId,
            PublishCid: null,
            AllocationID: 0,
            PieceCID: link(p.piece.cid),
            PieceSize: p.piece.size,
            Client: prop?.Client ?? '<empty>',
            Provider: `f0${miner}`,
            Offset: 0,
            Length: p.piece.size,
            PayloadSize: p.payloadSize,
            StartEpoch: prop?.StartEpoch ?? 0,
            EndEpoch: prop?.EndEpoch ?? 0,
            IsBuiltinMarket: true,
            IsCompatible: true,
          },
  }
}

/**
 * A record in damocles's `SectorState` JSON, as its `import-json` reads it.
 *
 * @example
 * ```ts
 * JSON.stringify(recordToDamocles(record)) // one line of an export file
 * ```
 */
export function recordToDamocles(r: ManagedSector): DamoclesSectorState {
  const out: DamoclesSectorState = {
    ID: { Miner: r.id.miner, Number: r.id.number },
    SectorType: r.proofType,
    Deals: null,
    Pieces: r.pieces === null ? null : r.pieces.map((p) => pieceOut(p, r.id.miner)),
    MessageInfo: {
      PreCommitCid: link(r.messages.preCommit),
      CommitCid: link(r.messages.proveCommit),
      NeedSend: r.messages.needSend,
    },
    TerminateInfo: {
      TerminateCid: link(r.termination?.messageUid ?? null),
      TerminatedAt: r.termination?.terminatedAt ?? 0,
      AddedHeight: r.termination?.addedHeight ?? 0,
    },
    Finalized: r.finalized,
    Removed: r.removed === true,
    AbortReason: r.abortReason,
    Upgraded: false,
    UpgradePublic: null,
    UpgradedInfo: null,
    UpgradeMessageID: null,
    UpgradeLandedEpoch: null,
    Imported: r.imported === true,
    NeedRebuild: false,
    Unsealing: false,
  }
  if (r.ticket) out.Ticket = ticketOut(r.ticket)
  if (r.seed) out.Seed = { Seed: encodeBase64Json(r.seed.value), Epoch: r.seed.epoch }
  if (r.preCommit)
    out.Pre = {
      CommR: { '/': r.preCommit.commR },
      CommD: { '/': r.preCommit.commD },
      Ticket: ticketOut(r.preCommit.ticket),
    }
  if (r.proof) out.Proof = { Proof: encodeBase64Json(r.proof) }
  if (r.latestReport)
    out.LatestState = {
      Worker: { Instance: r.latestReport.worker.instance, Location: r.latestReport.worker.location },
      StateChange: {
        Prev: r.latestReport.stateChange.prev,
        Next: r.latestReport.stateChange.next,
        Event: r.latestReport.stateChange.event,
      },
      Failure: r.latestReport.failure
        ? { Level: r.latestReport.failure.level, Desc: r.latestReport.failure.description }
        : null,
    }
  return out
}
