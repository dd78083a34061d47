/**
 * `ProveReplicaUpdates3` (method 35, SnapDeals): a committed-capacity sector gets a new replica
 * holding data. The checks, their order and exit codes follow builtin-actors v13+: the message
 * shape first (whole message aborts), then each update (failing alone unless
 * `requireActivationSuccess`), then the update proofs, then the new sector infos with their QA
 * power and pledge.
 */
import {
  type BatchReturn,
  commitmentToCid,
  ExitCode,
  MAX_REPLICA_UPDATE_PROOF_BYTES,
  PROVE_REPLICA_UPDATES_MAX_SIZE,
  sealProofFacts,
} from '@venus-cluster/core'
import { ActorAbort, type ActorRuntime, type ProveReplicaUpdates3Param, require } from '../../actor-types.js'
import { commitmentOf, zeroCommDCid } from '../../commitments.js'
import { deadlineIsMutable } from '../../deadline.js'
import {
  type ActiveSectorState,
  type MinerState,
  minerAvailableBalance,
  writableSectors,
} from '../../state.js'
import {
  activateSectorsPieces,
  activationWeights,
  finishActivation,
  type SectorToActivate,
  sectorQaPower,
} from './activation.js'
import { type CommDFromPieces, initialPledgeFor, requireControl } from './common.js'

type Update = ProveReplicaUpdates3Param['sectorUpdates'][number]

/** A failed update: its index in the message, exit code and why. */
interface UpdateFailure {
  idx: number
  code: number
  message: string
}

/**
 * The checks of one update that need no proof: sector live, proven, CC, in a mutable deadline,
 * the right update proof type, a new sealed CID and pieces that fit. Returns the new CommD.
 */
function validateUpdate(
  rt: ActorRuntime,
  m: MinerState,
  u: Update,
  proof: Uint8Array,
  updateProofsType: number,
  commDFromPieces: CommDFromPieces | undefined,
): { sector: ActiveSectorState; commDNew: Uint8Array } | { code: number; message: string } {
  const bad = (message: string, code: number = ExitCode.ErrIllegalArgument) => ({ code, message })
  if (proof.length > MAX_REPLICA_UPDATE_PROOF_BYTES)
    return bad(`update proof is too large (${proof.length} bytes, at most ${MAX_REPLICA_UPDATE_PROOF_BYTES})`)
  if (u.deadline >= rt.params.wpostPeriodDeadlines)
    return bad(`deadline ${u.deadline} not in range 0..${rt.params.wpostPeriodDeadlines}`)
  try {
    commitmentOf(u.newSealedCid, 'sealed', 'new sealed CID')
  } catch (err) {
    return bad(err instanceof ActorAbort ? err.message : String(err))
  }
  if (!deadlineIsMutable(rt.params, m.provingPeriodStart, u.deadline, rt.epoch))
    return bad(`cannot upgrade sectors in immutable deadline ${u.deadline}`)
  const sector = m.sectors.get(u.sectorNumber)
  if (sector === undefined) return bad('no such sector', ExitCode.ErrNotFound)
  const part = m.deadlines[u.deadline]?.partitions[u.partition]
  if (sector.deadline !== u.deadline || sector.partition !== u.partition || part === undefined)
    return bad(`sector is not in deadline ${u.deadline} partition ${u.partition}`)
  if (part.terminated.has(u.sectorNumber)) return bad('sector is terminated')
  if (part.faulty.has(u.sectorNumber)) return bad('sector is faulty')
  if (part.unproven.has(u.sectorNumber))
    return bad('sector is not proven yet (no WindowPoSt since activation)')
  if (rt.epoch >= sector.expiration) return bad('sector has expired')
  // Committed capacity only: no deal weight and no data (an update is not applied twice).
  if (
    sector.dealWeight + sector.verifiedDealWeight !== 0n ||
    sector.unsealedCid !== zeroCommDCid(m.sectorSize) ||
    sector.sectorKeyCid !== undefined
  )
    return bad('cannot update sector with non-zero data')
  const expected = sealProofFacts(sector.sealProof).updateProof
  if (updateProofsType !== expected)
    return bad(`expected update proof type ${expected}, was ${updateProofsType}`)
  if (u.newSealedCid === sector.sealedCid) return bad('new sealed CID is the sector key (the CC replica)')
  if (u.pieces.length === 0) return bad('no pieces to update the sector with')
  let total = 0
  for (const [i, pc] of u.pieces.entries()) {
    if (pc.size < 128 || (pc.size & (pc.size - 1)) !== 0)
      return bad(`piece ${i}: padded size ${pc.size} is not a power of two of at least 128`)
    total += pc.size
  }
  if (total > m.sectorSize) return bad(`pieces of ${total} bytes do not fit a ${m.sectorSize}-byte sector`)
  if (commDFromPieces === undefined) return bad('no CommD calculator configured', ExitCode.ErrIllegalState)
  let commDNew: Uint8Array
  try {
    const pieces = u.pieces.map((pc) => ({
      commP: commitmentOf(pc.cid, 'unsealed', 'piece CID'),
      paddedSize: pc.size,
    }))
    commDNew = commDFromPieces(pieces, m.sectorSize)
  } catch (err) {
    return bad(err instanceof Error ? err.message : String(err))
  }
  return { sector, commDNew }
}

/**
 * Miner.ProveReplicaUpdates3 (method 35). One update proof per sector (aggregates are refused,
 * as the actor does today); each update's proof is verified against the sector key's CommR, the
 * new CommR and the CommD the actor computes from the pieces.
 */
export async function proveReplicaUpdates3(
  rt: ActorRuntime,
  m: MinerState,
  p: ProveReplicaUpdates3Param,
  commDFromPieces: CommDFromPieces | undefined,
): Promise<BatchReturn> {
  requireControl(rt, m)
  const n = p.sectorUpdates.length
  const hasSingles = p.sectorProofs.length > 0
  const hasAggregate = p.aggregateProof.length > 0
  require(hasSingles !==
    hasAggregate, ExitCode.ErrIllegalArgument, 'exactly one of sector proofs or aggregate proof must be non-empty')
  require(!hasAggregate, ExitCode.ErrIllegalArgument, 'aggregate update proofs not yet supported')
  require(p.aggregateProofType ===
    null, ExitCode.ErrIllegalArgument, 'aggregate proof type must be empty when sector proofs are specified')
  require(n <=
    PROVE_REPLICA_UPDATES_MAX_SIZE, ExitCode.ErrIllegalArgument, `too many updates (${n} > ${PROVE_REPLICA_UPDATES_MAX_SIZE})`)
  require(p.sectorProofs.length ===
    n, ExitCode.ErrIllegalArgument, `mismatched lengths: ${n} sector updates, ${p.sectorProofs.length} proofs`)

  const fails: UpdateFailure[] = []
  const fail = (idx: number, code: number, message: string) => {
    const f = { idx, code, message: `sector ${p.sectorUpdates[idx]!.sectorNumber}: ${message}` }
    if (p.requireActivationSuccess) throw new ActorAbort(code, `invalid update ${idx}: ${f.message}`)
    fails.push(f)
  }
  const seen = new Set<number>()
  const proven: { idx: number; u: Update; sector: ActiveSectorState; commDNew: Uint8Array }[] = []
  for (let idx = 0; idx < n; idx++) {
    const u = p.sectorUpdates[idx]!
    if (seen.has(u.sectorNumber)) {
      fail(idx, ExitCode.ErrIllegalArgument, 'duplicate sector')
      continue
    }
    seen.add(u.sectorNumber)
    const v = validateUpdate(rt, m, u, p.sectorProofs[idx]!, p.updateProofsType, commDFromPieces)
    if ('code' in v) {
      fail(idx, v.code, v.message)
      continue
    }
    const verify = rt.proofs.verifyReplicaUpdate
    if (verify === undefined) {
      fail(idx, ExitCode.ErrIllegalState, 'the devnet verifier cannot check replica update proofs')
      continue
    }
    const ok = await verify.call(rt.proofs, {
      updateProofType: p.updateProofsType,
      commROld: commitmentOf(v.sector.sealedCid, 'sealed', 'sector key CID'),
      commRNew: commitmentOf(u.newSealedCid, 'sealed', 'new sealed CID'),
      commDNew: v.commDNew,
      proof: p.sectorProofs[idx]!,
    })
    if (!ok) {
      fail(idx, ExitCode.ErrIllegalArgument, 'invalid update proof')
      continue
    }
    proven.push({ idx, u, sector: v.sector, commDNew: v.commDNew })
  }
  require(proven.length > 0, fails[0]?.code ??
    ExitCode.ErrIllegalArgument, `no valid updates: ${fails[0]?.message ?? ''}`)

  // The data: verified pieces claim their allocations at the verified registry (a sector whose
  // claims fail is not updated), as ProveCommitSectors3 does.
  const toActivate: SectorToActivate[] = proven.map(({ idx, u, sector }) => ({
    idx,
    sectorNumber: u.sectorNumber,
    expiration: sector.expiration,
    pieces: u.pieces,
  }))
  const data = activateSectorsPieces(rt, m, toActivate, p.requireActivationSuccess)
  fails.push(...data.fails)
  require(data.activated.length > 0, fails[0]?.code ??
    ExitCode.ErrIllegalArgument, `all data activations failed: ${fails[0]?.message ?? ''}`)
  const provenByIdx = new Map(proven.map((x) => [x.idx, x]))

  // New sector infos: the new replica, the CC sealed CID kept as the sector key, deal weights
  // from the claimed and unclaimed space over the remaining life, QA power from now, pledge
  // never lower than before.
  m.balance += rt.value
  const e = rt.epoch
  const pledgePerQaByte = initialPledgeFor(1, rt.params.initialPledgePerByte)
  const updated: ActiveSectorState[] = []
  let pledgeDelta = 0n
  for (const a of data.activated) {
    const { u, sector, commDNew } = provenByIdx.get(a.idx)!
    const next: ActiveSectorState = {
      ...sector,
      sealedCid: u.newSealedCid,
      unsealedCid: commitmentToCid(commDNew, 'commD').toString(),
      sectorKeyCid: sector.sealedCid,
      powerBaseEpoch: e,
      ...activationWeights(e, sector.expiration, a),
    }
    const qa = sectorQaPower(next, m.sectorSize)
    const pledge = qa * pledgePerQaByte
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.max takes numbers)
    next.initialPledge = pledge > sector.initialPledge ? pledge : sector.initialPledge
    pledgeDelta += next.initialPledge - sector.initialPledge
    updated.push(next)
  }
  require(minerAvailableBalance(m) >=
    pledgeDelta, ExitCode.ErrInsufficientFunds, `insufficient funds for aggregate initial pledge requirement ${pledgeDelta}, available: ${minerAvailableBalance(m)}`)
  m.initialPledge += pledgeDelta
  // Older tipsets share the sector map: copy it (once per miner copy) and replace the records.
  const sectors = writableSectors(m)
  for (const s of updated) sectors.set(s.sectorNumber, s)
  // One result per update in message order: updated ones succeed, the rest carry their code.
  return finishActivation(rt, m, toActivate, data.activated, fails, p.requireNotificationSuccess)
}
