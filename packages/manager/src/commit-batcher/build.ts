/**
 * Building commit messages: `PreCommitSectorBatch2` with each sector's deposit and expiration,
 * and `ProveCommitSectors3` with per-sector proofs or one aggregate, and the pledge still owed.
 */
import {
  cidToCommitment,
  EPOCHS_PER_DAY,
  encodePreCommitSectorBatch2,
  encodeProveCommitSectors3,
  type PieceActivationManifest,
  type ProofsBackend,
  RegisteredAggregationProof,
  type SectorPreCommitInfo,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import type { ManagerNetworkParams } from '../chain.js'
import type { ServiceContext } from '../context.js'
import { PieceActivation, pieceName } from '../deals/activation.js'
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

/**
 * The precommit batch of the sectors that are ready (a sector whose deposit is unavailable waits).
 * A data sector's expiration is moved into what its pieces' terms allow (verified allocations,
 * deal ends).
 */
export async function buildPreCommit(
  ctx: ServiceContext,
  miner: number,
  lifetimeDays: number,
  states: readonly ManagedSector[],
  head: number,
  p: ManagerNetworkParams,
  activation: PieceActivation = new PieceActivation(ctx),
): Promise<BuiltCommit | undefined> {
  const infos: SectorPreCommitInfo[] = []
  const sectors: number[] = []
  let value = 0n
  for (const s of states) {
    if (!s.preCommit) continue
    const wanted = sectorExpiration(head, s.preCommit.ticket.epoch, lifetimeDays, p)
    const expiration = await activation.expirationFor(miner, s.pieces, wanted, head)
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
 * with at least {@link MIN_AGGREGATED_SECTORS} and a proofs backend, else per-sector proofs. Data
 * sectors carry their piece manifests (see `PieceActivation.manifests`), and their pledge counts
 * the verified data they claim.
 */
export async function buildProveCommit(
  ctx: ServiceContext,
  miner: number,
  states: readonly ManagedSector[],
  batched: boolean,
  proofs: Pick<ProofsBackend, 'aggregateSealProofs'> | undefined,
  activation: PieceActivation = new PieceActivation(ctx),
): Promise<BuiltCommit | undefined> {
  const ready: {
    s: ManagedSector
    commR: string
    proof: Uint8Array
    seed: Uint8Array
    pieces: PieceActivationManifest[]
  }[] = []
  const sectors: number[] = []
  let value = 0n
  for (const s of states) {
    if (!s.proof || !s.preCommit || !s.seed) continue
    const pci = await ctx.chain.preCommitInfo(miner, s.id.number)
    if (pci === null) continue
    const manifests = await activation.manifests(miner, s.pieces, pci.expiration)
    for (const u of manifests.unclaimable)
      ctx.log.warn(
        { sector: sectorKey(s.id), piece: pieceName(u.piece), reason: u.reason },
        'verified allocation can no longer be claimed: the piece is activated as unverified data',
      )
    const pledge = await ctx.chain.initialPledge(miner, {
      sealProof: s.proofType,
      sealedCid: s.preCommit.commR,
      expiration: pci.expiration,
      ...(manifests.verifiedSize > 0 ? { verifiedSize: manifests.verifiedSize } : {}),
    })
    value += pledge > pci.preCommitDeposit ? pledge - pci.preCommitDeposit : 0n
    ready.push({ s, commR: s.preCommit.commR, proof: s.proof, seed: s.seed.value, pieces: manifests.pieces })
    sectors.push(s.id.number)
  }
  const first = ready[0]
  if (first === undefined) return undefined
  const activations = ready.map((r) => ({ sectorNumber: r.s.id.number, pieces: r.pieces }))
  // One bad sector must not fail the whole batch.
  const requireNothing = { requireActivationSuccess: false, requireNotificationSuccess: false }
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
      ...requireNothing,
    })
    return { params, value, sectors, aggregated: true }
  }
  const params = encodeProveCommitSectors3({
    activations,
    sectorProofs: ready.map((r) => r.proof),
    aggregateProof: new Uint8Array(0),
    aggregateProofType: null,
    ...requireNothing,
  })
  return { params, value, sectors, aggregated: false }
}
