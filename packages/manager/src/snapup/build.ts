/**
 * Builds the `ProveReplicaUpdates3` params of queued snap-ups: one update per sector with its
 * deadline, partition, new sealed CID, data pieces and proof (one update proof type per message).
 */
import {
  cidToCommitment,
  encodeProveReplicaUpdates3,
  type PieceActivationManifest,
  sealProofFacts,
  zeroCommitment,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import type { ManagedSector, SectorPiece } from '../sector.js'

/**
 * The pieces that hold data (not zero fillers), in sector order.
 *
 * @example
 * ```ts
 * dataPieces(sector.pieces).length // the deal pieces only
 * ```
 */
export function dataPieces(pieces: readonly SectorPiece[] | null): SectorPiece[] {
  return (pieces ?? []).filter((p) => {
    try {
      return !Buffer.from(cidToCommitment(p.piece.cid).commitment).equals(
        Buffer.from(zeroCommitment(p.piece.size)),
      )
    } catch {
      return true
    }
  })
}

/**
 * The params for the sectors sharing the first one's update proof type (`same`), every one of
 * which has a proven `upgrade`. A sector's data pieces go in as `manifests` has them (by sector
 * number: verified allocations to claim, market notifications), else unverified without
 * notifications.
 *
 * @example
 * ```ts
 * const { same, params } = buildProveReplicaUpdates3(queued)
 * ```
 */
export function buildProveReplicaUpdates3(
  states: readonly ManagedSector[],
  manifests?: ReadonlyMap<number, readonly PieceActivationManifest[]>,
): {
  same: ManagedSector[]
  params: Uint8Array
} {
  const updateProofsType = sealProofFacts(states[0]!.proofType).updateProof
  const same = states.filter((s) => sealProofFacts(s.proofType).updateProof === updateProofsType)
  const params = encodeProveReplicaUpdates3({
    sectorUpdates: same.map((s) => ({
      sectorNumber: s.id.number,
      deadline: s.upgrade!.public.deadline,
      partition: s.upgrade!.public.partition,
      newSealedCid: CID.parse(s.upgrade!.proven!.newSealedCid),
      // Zero filler pieces carry no data: the actor pads the CommD with zeros itself.
      pieces: [
        ...(manifests?.get(s.id.number) ??
          dataPieces(s.pieces).map((p) => ({
            cid: CID.parse(p.piece.cid),
            size: p.piece.size,
            verifiedAllocationKey: null,
            notify: [],
          }))),
      ],
    })),
    sectorProofs: same.map((s) => s.upgrade!.proven!.proof),
    aggregateProof: new Uint8Array(),
    updateProofsType,
    aggregateProofType: null,
    requireActivationSuccess: false,
    requireNotificationSuccess: false,
  })
  return { same, params }
}
