/**
 * Converters of repair tasks (rebuild, unseal) to the `Venus.*` wire shapes core declares
 * (`WireRebuildInfo`, `WireUnsealInfo`, `WireRepairTask`).
 */
import {
  sectorIdToWire,
  ticketToWire,
  type WireRebuildInfo,
  type WireRepairTask,
  type WireUnsealInfo,
} from '@venus-cluster/core'
import type { RebuildAssignment, UnsealAssignment } from '../repair/tasks.js'
import type { RepairTask } from '../store/types.js'
import { piecesToWire } from './sector-wire.js'

export function rebuildToWire(a: RebuildAssignment): WireRebuildInfo {
  return {
    Sector: { ID: sectorIdToWire(a.id), ProofType: a.proofType },
    Ticket: ticketToWire(a.ticket),
    Pieces: piecesToWire(a.pieces),
    CommR: [...a.commR],
    CommD: [...a.commD],
    CacheOnly: a.cacheOnly,
    SealedInstance: a.sealedInstance ?? '',
  }
}

export function unsealToWire(a: UnsealAssignment): WireUnsealInfo {
  return {
    Sector: { ID: sectorIdToWire(a.id), ProofType: a.proofType },
    PieceCid: { '/': a.pieceCid },
    Offset: a.offset,
    Size: a.size,
    PayloadSize: a.payloadSize,
    Ticket: ticketToWire(a.ticket),
    CommD: [...a.commD],
    PrivateInfo: { AccessInstance: a.sealedInstance },
    Update:
      a.update === null
        ? null
        : {
            ReplicaInstance: a.update.replicaInstance,
            CommROld: [...a.update.commROld],
            CommDNew: [...a.update.commDNew],
          },
  }
}

export function repairTaskToWire(t: RepairTask): WireRepairTask {
  return {
    Kind: t.kind,
    Sector: sectorIdToWire(t.id),
    PieceCid: t.piece,
    State: t.state,
    Worker: t.worker,
    Error: t.error,
    Detail: t.detail,
    CreatedAt: t.createdAt,
    UpdatedAt: t.updatedAt,
  }
}
