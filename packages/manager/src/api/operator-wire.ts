/**
 * Wire shapes of the operator's `Venus.*` methods — persist stores (`StoreReserveSpace`,
 * `StoreBasicInfo`, `StoreList` as damocles names them; `StoreAttach`, `StoreDetach`), sector
 * repairs (`SectorFinalize`, `SectorResendPreCommit`, `SectorResendProof`) and
 * `FindSectorsWithDeal` — and their converters from the domain types.
 */

import { sectorIdToWire, type WireSectorId } from '@venus-cluster/core'
import type { DealSector, SectorActionPlan } from '../sector-admin/index.js'
import type { StoreReservation } from '../store/types.js'
import type { PersistStore, PersistStoreStatus, StoreDetachPlan } from '../stores/index.js'
import { submitResponseToWire, type WireSubmitResp } from './sector-wire.js'

/** `StoreBasicInfo`: what a worker needs to write into a store. */
export interface WireStoreBasicInfo {
  Name: string
  Path: string
  Meta: Record<string, string>
}

/** One store of `Venus.StoreList`. */
export interface WireStoreDetailedInfo extends WireStoreBasicInfo {
  Type: 'filestore'
  ReadOnly: boolean
  Strict: boolean
  Weight: number
  AllowMiners: number[]
  DenyMiners: number[]
  /** `config` (sector-manager.cfg) or `database` (attached through the API). */
  Source: 'config' | 'database'
  /** Bytes; null when the directory cannot be read (`Error` says why). */
  Total: number | null
  Free: number | null
  Used: number | null
  UsedPercent: number | null
  Error: string | null
  Reserved: number
  ReservedBy: { By: string; Size: number; At: number }[]
}

/** `Venus.StoreDetach`'s plan. */
export interface WireStoreDetachPlan {
  Store: WireStoreBasicInfo | null
  Indexed: number
  Checked: number
  Live: WireSectorId[]
  Reserved: number
  Refusals: string[]
  Steps: string[]
  Applied: boolean
}

/** The plan of a sector repair. */
export interface WireSectorActionPlan {
  Sector: WireSectorId
  Action: SectorActionPlan['action']
  State: string | null
  Chain: { PreCommitEpoch: number | null; Activation: number | null; Expiration: number | null }
  Message: { Uid: string; State: string; ExitCode: number | null; Error: string | null } | null
  Reservation: { Store: string; Size: number; At: number } | null
  Refusals: string[]
  Steps: string[]
  Applied: boolean
  Result: WireSubmitResp | null
}

/** One sector of `Venus.FindSectorsWithDeal`. */
export interface WireDealSector {
  Sector: WireSectorId
  Online: boolean
  State: string
  PieceCID: { '/': string }
  PieceSize: number
}

/** A store's basic info on the wire. */
export function storeBasicToWire(s: Pick<PersistStore, 'name' | 'path'>): WireStoreBasicInfo {
  return { Name: s.name, Path: s.path, Meta: {} }
}

const reservedBy = (r: StoreReservation) => ({
  By: `s-t0${r.miner}-${r.number}`,
  Size: r.size,
  At: Math.floor(r.at / 1000),
})

/** A store with its space on the wire. */
export function storeStatusToWire(s: PersistStoreStatus): WireStoreDetailedInfo {
  const used = s.total !== null && s.free !== null ? s.total - s.free : null
  return {
    ...storeBasicToWire(s),
    Type: 'filestore',
    ReadOnly: s.readOnly,
    Strict: s.strict,
    Weight: s.weight,
    AllowMiners: s.allowMiners,
    DenyMiners: s.denyMiners,
    Source: s.source,
    Total: s.total,
    Free: s.free,
    Used: used,
    UsedPercent: used !== null && s.total ? Math.round((used / s.total) * 10_000) / 100 : null,
    Error: s.error,
    Reserved: s.reserved,
    ReservedBy: s.reservations.map(reservedBy),
  }
}

/** A detach plan on the wire. */
export function detachPlanToWire(p: StoreDetachPlan): WireStoreDetachPlan {
  return {
    Store: p.store === undefined ? null : storeBasicToWire(p.store),
    Indexed: p.indexed,
    Checked: p.checked,
    Live: p.live.map(sectorIdToWire),
    Reserved: p.reservations.reduce((a, r) => a + r.size, 0),
    Refusals: p.refusals,
    Steps: p.steps,
    Applied: p.applied,
  }
}

/** A sector repair's plan on the wire. */
export function sectorPlanToWire(p: SectorActionPlan): WireSectorActionPlan {
  return {
    Sector: sectorIdToWire(p.sector),
    Action: p.action,
    State: p.state,
    Chain: {
      PreCommitEpoch: p.chain.preCommitEpoch,
      Activation: p.chain.activation,
      Expiration: p.chain.expiration,
    },
    Message:
      p.message === null
        ? null
        : {
            Uid: p.message.uid,
            State: p.message.state,
            ExitCode: p.message.exitCode,
            Error: p.message.error,
          },
    Reservation:
      p.reservation === null
        ? null
        : { Store: p.reservation.store, Size: p.reservation.size, At: p.reservation.at },
    Refusals: p.refusals,
    Steps: p.steps,
    Applied: p.applied,
    Result: p.result === null ? null : submitResponseToWire(p.result),
  }
}

/** A sector carrying a deal on the wire. */
export function dealSectorToWire(d: DealSector): WireDealSector {
  return {
    Sector: sectorIdToWire(d.sector),
    Online: d.online,
    State: d.state,
    PieceCID: { '/': d.piece.piece.cid },
    PieceSize: d.piece.piece.size,
  }
}
