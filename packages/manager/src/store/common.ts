import type { WireSectorId } from '@venus-cluster/core'
import { VenusError } from '@venus-cluster/core'
import type { SectorState } from '../sector-state.js'
import { sectorKey } from '../sector-state.js'
import type { CommitKind, StoredMessage } from './types.js'

/** Highest number tried when allocation meets numbers that already have records. */
export const MAX_ALLOCATION_SKIPS = 1000

export function notFound(id: WireSectorId, where: string): VenusError {
  return new VenusError('SECTOR_NOT_FOUND', `sector ${sectorKey(id)} not found ${where}`, {
    details: { miner: id.Miner, number: id.Number },
  })
}

export function parseState(text: string): SectorState {
  return JSON.parse(text) as SectorState
}

export function checkStateId(id: WireSectorId, next: SectorState): void {
  if (next.ID.Miner !== id.Miner || next.ID.Number !== id.Number) {
    throw new VenusError('INTERNAL', `a state mutator changed the ID of ${sectorKey(id)}`)
  }
}

export interface MessageRow {
  uid: string
  miner: number | string
  kind: string
  sectors: string
  body: string
  state: string
  created_at: number | string
}

export function messageFromRow(r: MessageRow): StoredMessage {
  return {
    uid: r.uid,
    miner: Number(r.miner),
    kind: r.kind as CommitKind,
    sectors: JSON.parse(r.sectors) as number[],
    body: JSON.parse(r.body) as unknown,
    state: r.state as StoredMessage['state'],
    createdAt: Number(r.created_at),
  }
}

export function dbError(op: string, cause: unknown): VenusError {
  if (cause instanceof VenusError) return cause
  // The cause's own words (e.g. "connect ECONNREFUSED 10.0.0.5:5432"): without them the operator
  // cannot tell a wrong host from a wrong password.
  const why = cause instanceof Error ? cause.message : String(cause)
  return new VenusError('STORE_DB', `manager database: ${op} failed: ${why}`, { cause, details: { op } })
}
