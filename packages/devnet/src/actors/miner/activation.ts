/**
 * Data activation of the miner actor (`ProveCommitSectors3`, since network version 22): verified
 * pieces claim their allocations at the verified registry, the sector's deal weights and
 * quality-adjusted power follow from the claimed and unclaimed space, and the actors named in a
 * piece's notifications (the market, for deals) hear of it.
 */
import { type BatchReturn, decodeDealIdPayload, qaPowerForWeight, SingletonActor } from '@venus-cluster/core'
import { ActorAbort, type ActorRuntime, type PieceActivationParam } from '../../actor-types.js'
import type { ActiveSectorState, MinerState } from '../../state.js'
import { sectorContentChanged } from '../market.js'
import { claimAllocations, type SectorAllocationClaims } from '../verifreg.js'

/** Notification exit codes of the miner actor. */
export const NotificationExit = {
  SendFailed: 1001,
  ReceiverAborted: 1002,
  ResponseInvalid: 1003,
  Rejected: 1004,
} as const

/** One sector whose proof passed, with what its activation needs. */
export interface SectorToActivate {
  /** Index in the message's activations (for the batch return). */
  idx: number
  sectorNumber: number
  expiration: number
  pieces: PieceActivationParam[]
}

/** The space a sector's activation put in it. */
export interface ActivatedData {
  idx: number
  sectorNumber: number
  verifiedSpace: bigint
  unverifiedSpace: bigint
}

/**
 * Claims the verified pieces of `sectors` (one group per sector, failing together). Returns the
 * sectors whose claims succeeded with their space, and the failures (index and exit code). With
 * `allOrNothing` one failed claim aborts the message.
 */
export function activateSectorsPieces(
  rt: ActorRuntime,
  m: MinerState,
  sectors: readonly SectorToActivate[],
  allOrNothing: boolean,
): { activated: ActivatedData[]; fails: { idx: number; code: number; message: string }[] } {
  const groups: SectorAllocationClaims[] = sectors.map((s) => ({
    sector: s.sectorNumber,
    expiry: s.expiration,
    claims: s.pieces.flatMap((p) =>
      p.verifiedAllocationKey === null
        ? []
        : [
            {
              client: p.verifiedAllocationKey.client,
              allocationId: p.verifiedAllocationKey.id,
              data: p.cid,
              size: p.size,
            },
          ],
    ),
  }))
  const unverified = (s: SectorToActivate) =>
    s.pieces.reduce((n, p) => n + (p.verifiedAllocationKey === null ? BigInt(p.size) : 0n), 0n)
  if (!groups.some((g) => g.claims.length > 0)) {
    return {
      activated: sectors.map((s) => ({
        idx: s.idx,
        sectorNumber: s.sectorNumber,
        verifiedSpace: 0n,
        unverifiedSpace: unverified(s),
      })),
      fails: [],
    }
  }
  const res = claimAllocations(rt, m.id, groups, allOrNothing)
  const failed = new Map(res.sectorResults.failCodes.map((f) => [f.index, f.code]))
  const activated: ActivatedData[] = []
  const fails: { idx: number; code: number; message: string }[] = []
  let k = 0
  sectors.forEach((s, i) => {
    const code = failed.get(i)
    if (code !== undefined) {
      fails.push({
        idx: s.idx,
        code,
        message: `sector ${s.sectorNumber}: verified allocations could not be claimed (exit ${code})`,
      })
      return
    }
    activated.push({
      idx: s.idx,
      sectorNumber: s.sectorNumber,
      verifiedSpace: res.claimedSpace[k++]!,
      unverifiedSpace: unverified(s),
    })
  })
  return { activated, fails }
}

/** The weights of a sector activated now with this data (`SIMPLE_QA_POWER` sectors). */
export function activationWeights(
  epoch: number,
  expiration: number,
  data: Pick<ActivatedData, 'verifiedSpace' | 'unverifiedSpace'>,
): { dealWeight: bigint; verifiedDealWeight: bigint } {
  const duration = BigInt(expiration - epoch)
  return { dealWeight: data.unverifiedSpace * duration, verifiedDealWeight: data.verifiedSpace * duration }
}

/** Quality-adjusted power of a sector (verified space counts ten times over its weighted term). */
export function sectorQaPower(s: ActiveSectorState, sectorSize: number): bigint {
  return qaPowerForWeight(sectorSize, s.expiration - s.powerBaseEpoch, s.verifiedDealWeight)
}

/**
 * Tells the actors named in activated pieces' notifications: the market activates the deals,
 * grouped per sector as one `SectorContentChanged`. A rejected piece, or a notification to an
 * actor that cannot take it, aborts the message only with `requireSuccess`.
 */
export function notifyDataConsumers(
  rt: ActorRuntime,
  m: MinerState,
  sectors: readonly SectorToActivate[],
  requireSuccess: boolean,
): void {
  for (const s of sectors) {
    const market: { dealId: number; data: string; size: number }[] = []
    for (const p of s.pieces) {
      for (const n of p.notify ?? []) {
        const to = rt.resolve(n.address)
        if (to !== SingletonActor.Market) {
          if (requireSuccess)
            throw new ActorAbort(
              NotificationExit.SendFailed,
              `sector ${s.sectorNumber}: notification to ${n.address} failed`,
            )
          continue
        }
        let dealId: number
        try {
          dealId = decodeDealIdPayload(n.payload)
        } catch {
          if (requireSuccess)
            throw new ActorAbort(
              NotificationExit.ReceiverAborted,
              `sector ${s.sectorNumber}: market could not read a deal id`,
            )
          continue
        }
        market.push({ dealId, data: p.cid, size: p.size })
      }
    }
    if (market.length === 0) continue
    const accepted = sectorContentChanged(rt.world, m.id, s.sectorNumber, s.expiration, market, rt.epoch)
    const rejected = accepted.findIndex((a) => !a)
    if (rejected >= 0 && requireSuccess)
      throw new ActorAbort(
        NotificationExit.Rejected,
        `sector ${s.sectorNumber}: market rejected the piece of deal ${market[rejected]!.dealId}`,
      )
  }
}

/**
 * The end of an activation (`ProveCommitSectors3`, `ProveReplicaUpdates3`): the data consumers
 * of the activated sectors hear of them, and the batch return lists the activated count and
 * every failure's code in message order.
 */
export function finishActivation(
  rt: ActorRuntime,
  m: MinerState,
  toActivate: readonly SectorToActivate[],
  activated: readonly ActivatedData[],
  fails: { idx: number; code: number }[],
  requireNotificationSuccess: boolean,
): BatchReturn {
  const activatedIdx = new Set(activated.map((a) => a.idx))
  notifyDataConsumers(
    rt,
    m,
    toActivate.filter((t) => activatedIdx.has(t.idx)),
    requireNotificationSuccess,
  )
  fails.sort((a, b) => a.idx - b.idx)
  return {
    successCount: activated.length,
    failCodes: fails.map(({ idx, code }) => ({ index: idx, code })),
  }
}
