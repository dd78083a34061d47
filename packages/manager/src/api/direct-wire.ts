/**
 * The `Venus.*` edge of direct pieces (direct data onboarding): the wire shapes of
 * `Venus.AddDirectPiece` / `Venus.ListDirectPieces` (PascalCase, CIDs as `{"/": …}`) and their
 * converters and param readers.
 */
import type { DirectPieceInput } from '../deals/direct.js'
import type { DirectPieceRecord, DirectPieceState } from '../store/types.js'
import type { ParamReader } from './params.js'

/** A direct piece to queue, as `Venus.AddDirectPiece` takes it. */
export interface WireDirectPieceInput {
  Miner: number
  PieceCID: { '/': string }
  PieceSize: number
  PayloadSize: number
  /** The client of the verified allocation: an address or an actor id; absent/null = unverified. */
  Client?: string | number | null
  /** The verified allocation id; absent/null/0 = unverified. */
  AllocationID?: number | null
}

/** A queued direct piece on the wire. */
export interface WireDirectPieceRecord {
  ID: number
  Miner: number
  PieceCID: { '/': string }
  PieceSize: number
  PayloadSize: number
  /** 0 when unverified. */
  Client: number
  AllocationID: number
  State: DirectPieceState
  /** 0 while in no sector. */
  Sector: number
  Reason: string
  CreatedAt: number
}

const STATES: readonly DirectPieceState[] = ['pending', 'assigned', 'sealed', 'failed']
/** Longest CID text accepted (a piece CID is 64 characters). */
const CID_MAX = 200

/** A direct piece record on the wire. */
export function directPieceToWire(p: DirectPieceRecord): WireDirectPieceRecord {
  return {
    ID: p.id,
    Miner: p.miner,
    PieceCID: { '/': p.pieceCid },
    PieceSize: p.pieceSize,
    PayloadSize: p.payloadSize,
    Client: p.allocation?.client ?? 0,
    AllocationID: p.allocation?.id ?? 0,
    State: p.state,
    Sector: p.sector ?? 0,
    Reason: p.reason,
    CreatedAt: p.createdAt,
  }
}

/** Reads `params[i]` of `Venus.AddDirectPiece`. */
export function directPieceInputFromWire(r: ParamReader, i: number): DirectPieceInput {
  const path = `params[${i}]`
  const o = r.object(r.at(i), path)
  const cid = r.object(o.PieceCID, `${path}.PieceCID`)
  const allocationId =
    o.AllocationID === undefined || o.AllocationID === null
      ? 0
      : r.uint(o.AllocationID, `${path}.AllocationID`)
  const input: DirectPieceInput = {
    miner: r.uint(o.Miner, `${path}.Miner`),
    pieceCid: r.string(cid['/'], `${path}.PieceCID./`, CID_MAX),
    pieceSize: r.uint(o.PieceSize, `${path}.PieceSize`),
    payloadSize: r.uint(o.PayloadSize, `${path}.PayloadSize`),
  }
  if (allocationId === 0) return input
  const client = o.Client
  if (typeof client === 'number')
    return { ...input, allocation: { client: r.uint(client, `${path}.Client`), id: allocationId } }
  return { ...input, allocation: { client: r.string(client, `${path}.Client`, 200), id: allocationId } }
}

/** Reads the filter of `Venus.ListDirectPieces` (`{Miner?, State?}` or null). */
export function directPieceFilterFromWire(
  r: ParamReader,
  i: number,
): { miner?: number; state?: DirectPieceState } {
  const v = r.at(i)
  if (v === null) return {}
  const o = r.object(v, `params[${i}]`)
  const out: { miner?: number; state?: DirectPieceState } = {}
  if (o.Miner !== undefined && o.Miner !== null) out.miner = r.uint(o.Miner, `params[${i}].Miner`)
  if (o.State !== undefined && o.State !== null) {
    const st = r.string(o.State, `params[${i}].State`)
    if (!STATES.includes(st as DirectPieceState))
      r.fail(`params[${i}].State`, `one of ${STATES.join(', ')}`, st)
    out.state = st as DirectPieceState
  }
  return out
}
