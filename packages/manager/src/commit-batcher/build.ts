/**
 * Building commit messages: `PreCommitSectorBatch2` with each sector's deposit and expiration,
 * and `ProveCommitSectors3` with per-sector proofs or one aggregate, and the pledge still owed.
 */
import {
  cborEncode,
  cidToCommitment,
  EPOCHS_PER_DAY,
  encodePreCommitSectorBatch2,
  encodeProveCommitSectors3,
  idAddress,
  type PieceActivationManifest,
  type ProofsBackend,
  RegisteredAggregationProof,
  type SectorPreCommitInfo,
  SingletonActor,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import type { ManagerNetworkParams } from '../chain.js'
import type { ServiceContext } from '../context.js'
import { type ManagedSector, sectorKey } from '../sector.js'

/** Fewest proofs worth aggregating (below, per-sector proofs in one message). */
export const MIN_AGGREGATED_SECTORS = 4
/** Most proofs in one aggregate. */
export const MAX_AGGREGATED_SECTORS = 819
/** Most precommits in one `PreCommitSectorBatch2`. */
export const MAX_PRECOMMIT_BATCH = 256
const AGGREGATE_SNARKPACK_V2 = RegisteredAggregationProof.SnarkPackV2

/** A message's params, value and the sectors it carries (those that were ready). */
export interface BuiltCommit {
  params: Uint8Array
  value: bigint
  sectors: number[]
  aggregated: boolean
}

/**
 * Sector expiration for a CC sector with the proving period taken into account (v0.1.2 used 0):
 * the configured lifetime, at least the minimum, at most what the network allows.
 *
 * @example
 * ```ts
 * sectorExpiration(head, ticketEpoch, 540, await chain.networkParams())
 * ```
 */
export function sectorExpiration(
  head: number,
  ticketEpoch: number,
  lifetimeDays: number,
  p: ManagerNetworkParams,
): number {
  const maxEnd = head + p.preCommitChallengeDelay + p.maxSectorExpirationExtension - p.provingPeriod
  let end = lifetimeDays > 0 ? head + lifetimeDays * EPOCHS_PER_DAY : maxEnd
  end = Math.max(end, head + p.minSectorExpiration + p.provingPeriod)
  end = Math.max(
    end,
    ticketEpoch + p.maxPreCommitRandomnessLookback + p.maxProveCommitDuration + p.minSectorExpiration,
  )
  return Math.min(end, maxEnd)
}

/** The precommit batch of the sectors that are ready (a sector whose deposit is unavailable waits). */
export async function buildPreCommit(
  ctx: ServiceContext,
  miner: number,
  lifetimeDays: number,
  states: readonly ManagedSector[],
  head: number,
  p: ManagerNetworkParams,
): Promise<BuiltCommit | undefined> {
  const infos: SectorPreCommitInfo[] = []
  const sectors: number[] = []
  let value = 0n
  for (const s of states) {
    if (!s.preCommit) continue
    const expiration = sectorExpiration(head, s.preCommit.ticket.epoch, lifetimeDays, p)
    const info: SectorPreCommitInfo = {
      sealProof: s.proofType,
      sectorNumber: s.id.number,
      sealedCid: CID.parse(s.preCommit.commR),
      sealRandEpoch: s.preCommit.ticket.epoch,
      // ProveCommitSectors3 takes deals as piece manifests; precommitted deal ids are refused.
      dealIds: [],
      expiration,
      unsealedCid: CID.parse(s.preCommit.commD),
    }
    try {
      value += await ctx.chain.preCommitDeposit(miner, {
        sealProof: info.sealProof,
        sealedCid: s.preCommit.commR,
        expiration,
      })
    } catch (err) {
      ctx.log.warn({ err, sector: sectorKey(s.id) }, 'precommit deposit unavailable, sector left queued')
      continue
    }
    infos.push(info)
    sectors.push(s.id.number)
  }
  if (infos.length === 0) return undefined
  return { params: encodePreCommitSectorBatch2({ sectors: infos }), value, sectors, aggregated: false }
}

/**
 * The prove-commit of the sectors whose precommit is on chain: one aggregate proof when batched
 * with at least {@link MIN_AGGREGATED_SECTORS} and a proofs backend, else per-sector proofs.
 */
export async function buildProveCommit(
  ctx: ServiceContext,
  miner: number,
  states: readonly ManagedSector[],
  batched: boolean,
  proofs: Pick<ProofsBackend, 'aggregateSealProofs'> | undefined,
): Promise<BuiltCommit | undefined> {
  const ready: { s: ManagedSector; commR: string; proof: Uint8Array; seed: Uint8Array }[] = []
  const sectors: number[] = []
  let value = 0n
  for (const s of states) {
    if (!s.proof || !s.preCommit || !s.seed) continue
    const pci = await ctx.chain.preCommitInfo(miner, s.id.number)
    if (pci === null) continue
    const pledge = await ctx.chain.initialPledge(miner, {
      sealProof: s.proofType,
      sealedCid: s.preCommit.commR,
      expiration: pci.expiration,
    })
    value += pledge > pci.preCommitDeposit ? pledge - pci.preCommitDeposit : 0n
    ready.push({ s, commR: s.preCommit.commR, proof: s.proof, seed: s.seed.value })
    sectors.push(s.id.number)
  }
  const first = ready[0]
  if (first === undefined) return undefined
  const activations = ready.map((r) => ({ sectorNumber: r.s.id.number, pieces: activationPieces(r.s) }))
  if (batched && ready.length >= MIN_AGGREGATED_SECTORS && proofs) {
    const aggregate = await proofs.aggregateSealProofs({
      proofType: first.s.proofType,
      aggregateType: AGGREGATE_SNARKPACK_V2,
      commRs: ready.map((r) => cidToCommitment(r.commR).commitment),
      seeds: ready.map((r) => r.seed),
      proofs: ready.map((r) => r.proof),
    })
    const params = encodeProveCommitSectors3({
      activations,
      sectorProofs: [],
      aggregateProof: aggregate,
      aggregateProofType: AGGREGATE_SNARKPACK_V2,
      requireActivationSuccess: false,
      requireNotificationSuccess: false,
    })
    return { params, value, sectors, aggregated: true }
  }
  const params = encodeProveCommitSectors3({
    activations,
    sectorProofs: ready.map((r) => r.proof),
    aggregateProof: new Uint8Array(0),
    aggregateProofType: null,
    // One bad sector must not fail the whole batch.
    requireActivationSuccess: false,
    requireNotificationSuccess: false,
  })
  return { params, value, sectors, aggregated: false }
}

/**
 * The piece manifests of a sector's activation: none for CC; for a deal sector every piece in
 * order (fillers included, so the actor recomputes the declared CommD), deal pieces notifying
 * the market actor (f05) with the CBOR deal id, as `ProveCommitSectors3` expects.
 */
function activationPieces(s: ManagedSector): PieceActivationManifest[] {
  const pieces = s.pieces ?? []
  if (!pieces.some((p) => p.dealId !== 0)) return []
  return pieces.map((p) => ({
    cid: CID.parse(p.piece.cid),
    size: p.piece.size,
    verifiedAllocationKey: null,
    notify:
      p.dealId === 0 ? [] : [{ address: idAddress(SingletonActor.Market), payload: cborEncode(p.dealId) }],
  }))
}
