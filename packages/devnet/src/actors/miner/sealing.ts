/**
 * Sealing methods of the miner actor: `PreCommitSectorBatch2` (28) and `ProveCommitSectors3`
 * (34, single proofs or one aggregate, checked by the verifier), and the assignment of a new
 * sector to a deadline and partition.
 */
import {
  type BatchReturn,
  DomainSeparationTag,
  ExitCode,
  proverId,
  RegisteredAggregationProof,
  randomnessEntropy,
  sealProofFacts,
} from '@venus-cluster/core'
import { equals as bytesEqual } from 'multiformats/bytes'
import {
  ActorAbort,
  type ActorRuntime,
  type DevnetSealToVerify,
  type PreCommitInfoParam,
  type ProveCommitSectors3Param,
  require,
} from '../../actor-types.js'
import { commitmentOf, zeroCommDCid } from '../../commitments.js'
import { deadlineIsMutable } from '../../deadline.js'
import { maxProveCommitDuration } from '../../params.js'
import { sealProofSectorSize } from '../../proof-types.js'
import {
  type ActiveSectorState,
  emptyPartition,
  liveCount,
  type MinerState,
  minerAvailableBalance,
  SIMPLE_QA_POWER,
  writableAllocated,
  writableDeadline,
  writablePreCommits,
  writableSectors,
} from '../../state.js'
import {
  activateSectorsPieces,
  activationWeights,
  finishActivation,
  type SectorToActivate,
  sectorQaPower,
} from './activation.js'
import { type CommDFromPieces, repayDebt, requireControl } from './common.js'

function preCommitDeposit(rt: ActorRuntime, m: MinerState): bigint {
  return BigInt(m.sectorSize) * rt.params.preCommitDepositPerByte
}

/** Miner.PreCommitSectorBatch2 (method 28). */
export function preCommitSectorBatch2(rt: ActorRuntime, m: MinerState, sectors: PreCommitInfoParam[]): void {
  requireControl(rt, m)
  require(sectors.length > 0, ExitCode.ErrIllegalArgument, 'batch empty')
  const seen = new Set<number>()
  const e = rt.epoch
  const due = e + maxProveCommitDuration(rt.params)
  for (const s of sectors) {
    const where = `sector ${s.sectorNumber}`
    require(!seen.has(
      s.sectorNumber,
    ), ExitCode.ErrIllegalArgument, `duplicate sector number ${s.sectorNumber}`)
    seen.add(s.sectorNumber)
    require(Number.isInteger(s.sectorNumber) &&
      s.sectorNumber >= 0 &&
      s.sectorNumber <= 2 ** 63 - 1, ExitCode.ErrIllegalArgument, `${where}: sector number out of range`)
    const size = sealProofSectorSize(s.sealProof)
    require(size === m.sectorSize &&
      s.sealProof >=
        5, ExitCode.ErrIllegalArgument, `${where}: seal proof ${s.sealProof} does not match the miner's window post proof ${m.windowPoStProofType}`)
    require(!m.allocated.has(
      s.sectorNumber,
    ), ExitCode.ErrIllegalArgument, `${where}: sector number already allocated`)
    commitmentOf(s.sealedCid, 'sealed', `${where} sealed CID`)
    if (s.unsealedCid !== null) commitmentOf(s.unsealedCid, 'unsealed', `${where} unsealed CID`)
    require(s.sealRandEpoch <
      e, ExitCode.ErrIllegalArgument, `${where}: seal challenge epoch ${s.sealRandEpoch} must be before now ${e}`)
    require(s.sealRandEpoch >=
      e -
        rt.params
          .maxPreCommitRandomnessLookback, ExitCode.ErrIllegalArgument, `${where}: seal challenge epoch ${s.sealRandEpoch} too old, must be after ${e - rt.params.maxPreCommitRandomnessLookback}`)
    require(s.expiration - due >=
      rt.params
        .minSectorExpiration, ExitCode.ErrIllegalArgument, `${where}: expiration ${s.expiration} must exceed ${due + rt.params.minSectorExpiration}`)
    require(s.expiration <=
      e +
        rt.params
          .maxSectorExpirationExtension, ExitCode.ErrIllegalArgument, `${where}: expiration ${s.expiration} exceeds max ${e + rt.params.maxSectorExpirationExtension}`)
    require(s.expiration - due <=
      rt.params.maxPreCommitLifetime, ExitCode.ErrIllegalArgument, `${where}: lifetime too long`)
  }
  m.balance += rt.value
  repayDebt(rt, m)
  const deposit = preCommitDeposit(rt, m)
  const total = deposit * BigInt(sectors.length)
  require(minerAvailableBalance(m) >=
    total, ExitCode.ErrInsufficientFunds, `insufficient funds for pre-commit deposit: need ${total}, available ${minerAvailableBalance(m)}`)
  m.preCommitDeposits += total
  const allocated = writableAllocated(m)
  const preCommits = writablePreCommits(m)
  for (const s of sectors) {
    allocated.add(s.sectorNumber)
    preCommits.set(s.sectorNumber, { ...s, deposit, preCommitEpoch: e })
  }
}

/** Miner.ProveCommitSectors3 (method 34): single proofs or one aggregate, checked by the verifier. */
export async function proveCommitSectors3(
  rt: ActorRuntime,
  m: MinerState,
  p: ProveCommitSectors3Param,
  commDFromPieces: CommDFromPieces | undefined,
): Promise<BatchReturn> {
  requireControl(rt, m)
  const n = p.activations.length
  require(n > 0, ExitCode.ErrIllegalArgument, 'no sector activations')
  const hasSingles = p.sectorProofs.length > 0
  const hasAggregate = p.aggregateProof.length > 0
  require(hasSingles !==
    hasAggregate, ExitCode.ErrIllegalArgument, 'exactly one of sector proofs or aggregate proof must be non-empty')
  if (hasSingles) {
    require(p.sectorProofs.length ===
      n, ExitCode.ErrIllegalArgument, `${p.sectorProofs.length} proofs for ${n} activations`)
    require(p.aggregateProofType ===
      null, ExitCode.ErrIllegalArgument, 'aggregate proof type must be null without an aggregate')
  } else {
    require(p.aggregateProofType ===
      RegisteredAggregationProof.SnarkPackV2, ExitCode.ErrIllegalArgument, `aggregate proof type must be SnarkPackV2 (1)`)
    require(n >= 4 && n <= 819, ExitCode.ErrIllegalArgument, `aggregate of ${n} sectors outside [4, 819]`)
    require(p.aggregateProof.length <= 81960, ExitCode.ErrIllegalArgument, 'aggregate proof too large')
  }
  const e = rt.epoch
  const entropy = randomnessEntropy(rt.idAddress(m.id))
  const prover = proverId(m.id)
  const fails: { idx: number; code: number; message: string }[] = []
  const ok: { idx: number; sectorNumber: number }[] = []
  const seals: (DevnetSealToVerify & { idx: number })[] = []
  let sealProof: number | undefined
  const seen = new Set<number>()
  for (let idx = 0; idx < n; idx++) {
    const act = p.activations[idx]!
    const pc = m.preCommits.get(act.sectorNumber)
    const fail = (code: number, message: string) =>
      fails.push({ idx, code, message: `sector ${act.sectorNumber}: ${message}` })
    if (seen.has(act.sectorNumber)) {
      fail(ExitCode.ErrIllegalArgument, 'duplicate activation')
      continue
    }
    seen.add(act.sectorNumber)
    if (pc === undefined) {
      fail(ExitCode.ErrNotFound, 'no pre-commit on chain')
      continue
    }
    if (sealProof === undefined) sealProof = pc.sealProof
    require(pc.sealProof ===
      sealProof, ExitCode.ErrIllegalArgument, 'all sectors must share one seal proof type')
    const seedEpoch = pc.preCommitEpoch + rt.params.preCommitChallengeDelay
    if (e <= seedEpoch) {
      fail(ExitCode.ErrForbidden, `too early to prove sector: seed epoch ${seedEpoch}, now ${e}`)
      continue
    }
    if (e > pc.preCommitEpoch + maxProveCommitDuration(rt.params)) {
      fail(ExitCode.ErrIllegalArgument, `commitment proof too late at ${e}`)
      continue
    }
    if (pc.dealIds.length > 0) {
      fail(ExitCode.ErrIllegalArgument, 'pre-commit has deal ids; not supported by ProveCommitSectors3')
      continue
    }
    const declared = pc.unsealedCid ?? zeroCommDCid(m.sectorSize)
    const badSize = act.pieces.find(
      (x) => !Number.isSafeInteger(x.size) || x.size < 128 || (x.size & (x.size - 1)) !== 0,
    )
    if (badSize !== undefined) {
      fail(ExitCode.ErrIllegalArgument, `piece size ${badSize.size} is not a power of two of at least 128`)
      continue
    }
    if (act.pieces.reduce((n, x) => n + x.size, 0) > m.sectorSize) {
      fail(ExitCode.ErrIllegalArgument, 'pieces exceed the sector size')
      continue
    }
    if (act.pieces.length > 0) {
      require(commDFromPieces !==
        undefined, ExitCode.ErrIllegalState, 'no CommD calculator configured for data sectors')
      const pieces = act.pieces.map((pc2) => ({
        commP: commitmentOf(pc2.cid, 'unsealed', 'piece CID'),
        paddedSize: pc2.size,
      }))
      const computed = commDFromPieces(pieces, m.sectorSize)
      const want = commitmentOf(declared, 'unsealed', 'unsealed CID')
      if (!bytesEqual(computed, want)) {
        fail(ExitCode.ErrIllegalArgument, 'pieces do not match the declared unsealed CID')
        continue
      }
    } else if (pc.unsealedCid !== null && pc.unsealedCid !== zeroCommDCid(m.sectorSize)) {
      fail(ExitCode.ErrIllegalArgument, 'data sector activated without pieces')
      continue
    }
    const seal = {
      idx,
      registeredProof: pc.sealProof,
      sectorNumber: pc.sectorNumber,
      proverId: prover,
      commR: commitmentOf(pc.sealedCid, 'sealed', 'sealed CID'),
      commD: commitmentOf(declared, 'unsealed', 'unsealed CID'),
      ticket: rt.ticketRandomness(DomainSeparationTag.SealRandomness, pc.sealRandEpoch, entropy),
      seed: rt.beaconRandomness(DomainSeparationTag.InteractiveSealChallengeSeed, seedEpoch, entropy),
    }
    if (hasSingles) {
      const proof = p.sectorProofs[idx]!
      if (proof.length > sealProofFacts(pc.sealProof).proofLength) {
        fail(ExitCode.ErrIllegalArgument, 'proof too large')
        continue
      }
      const { idx: _i, ...toVerify } = seal
      if (!(await rt.proofs.verifySeal({ ...toVerify, proof }))) {
        fail(ExitCode.ErrIllegalArgument, 'invalid seal proof')
        continue
      }
      ok.push({ idx, sectorNumber: pc.sectorNumber })
    } else {
      seals.push(seal)
    }
  }
  if (hasAggregate) {
    require(fails.length === 0, fails[0]?.code ?? ExitCode.ErrIllegalArgument, fails[0]?.message ?? '')
    const valid = await rt.proofs.verifyAggregate({
      registeredProof: sealProof!,
      aggregateProofType: 1,
      seals: seals.map(({ idx: _i, ...s }) => s),
      proof: p.aggregateProof,
    })
    require(valid, ExitCode.ErrIllegalArgument, 'invalid aggregate proof')
    for (const s of seals) ok.push({ idx: s.idx, sectorNumber: s.sectorNumber })
  }
  if (p.requireActivationSuccess && fails.length > 0) throw new ActorAbort(fails[0]!.code, fails[0]!.message)
  require(ok.length > 0, fails[0]?.code ??
    ExitCode.ErrIllegalArgument, `no sector activated: ${fails[0]?.message ?? ''}`)

  // Data: verified pieces claim their allocations; a sector whose claims fail is not activated.
  const toActivate: SectorToActivate[] = ok.map((o) => ({
    idx: o.idx,
    sectorNumber: o.sectorNumber,
    expiration: m.preCommits.get(o.sectorNumber)!.expiration,
    pieces: p.activations[o.idx]!.pieces,
  }))
  const data = activateSectorsPieces(rt, m, toActivate, p.requireActivationSuccess)
  fails.push(...data.fails)
  require(data.activated.length > 0, fails[0]?.code ??
    ExitCode.ErrIllegalArgument, `all data activations failed: ${fails[0]?.message ?? ''}`)

  // Funds: the value joins the balance, deposits are released, then the pledge must fit.
  m.balance += rt.value
  let released = 0n
  for (const a of data.activated) released += m.preCommits.get(a.sectorNumber)!.deposit
  m.preCommitDeposits -= released
  const sectors: ActiveSectorState[] = []
  let pledge = 0n
  for (const a of data.activated) {
    const pc = m.preCommits.get(a.sectorNumber)!
    const s: ActiveSectorState = {
      sectorNumber: a.sectorNumber,
      sealProof: pc.sealProof,
      sealedCid: pc.sealedCid,
      unsealedCid: pc.unsealedCid ?? zeroCommDCid(m.sectorSize),
      activation: e,
      expiration: pc.expiration,
      ...activationWeights(e, pc.expiration, a),
      initialPledge: 0n,
      deadline: 0,
      partition: 0,
      powerBaseEpoch: e,
      flags: SIMPLE_QA_POWER,
    }
    s.initialPledge = sectorQaPower(s, m.sectorSize) * rt.params.initialPledgePerByte
    pledge += s.initialPledge
    sectors.push(s)
  }
  require(minerAvailableBalance(m) >=
    pledge, ExitCode.ErrInsufficientFunds, `insufficient funds for aggregate initial pledge requirement ${pledge}, available: ${minerAvailableBalance(m)}`)
  m.initialPledge += pledge
  const preCommits = sectors.length > 0 ? writablePreCommits(m) : m.preCommits
  const active = sectors.length > 0 ? writableSectors(m) : m.sectors
  for (const s of sectors) {
    preCommits.delete(s.sectorNumber)
    const { deadline, partition } = assignSector(rt, m, s.sectorNumber)
    active.set(s.sectorNumber, { ...s, deadline, partition })
  }
  return finishActivation(rt, m, toActivate, data.activated, fails, p.requireNotificationSuccess)
}

/**
 * Puts a new sector into the mutable deadline with the fewest live sectors (lowest index wins
 * ties), filling its last partition before opening a new one.
 */
export function assignSector(
  rt: ActorRuntime,
  m: MinerState,
  sectorNumber: number,
): { deadline: number; partition: number } {
  // Like the actor's assignment, minimise partitions first (fill an open partition), then
  // balance live sectors across deadlines.
  let best = -1
  let bestKey: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]
  for (let i = 0; i < rt.params.wpostPeriodDeadlines; i++) {
    if (!deadlineIsMutable(rt.params, m.provingPeriodStart, i, rt.epoch)) continue
    const parts = m.deadlines[i]!.partitions
    let live = 0
    for (const part of parts) live += liveCount(part)
    const last = parts[parts.length - 1]
    const hasRoom = last !== undefined && last.all.size < m.partitionSectors ? 0 : 1
    if (hasRoom < bestKey[0] || (hasRoom === bestKey[0] && live < bestKey[1])) {
      best = i
      bestKey = [hasRoom, live]
    }
  }
  const dl = writableDeadline(m, best)
  let partIdx = dl.partitions.length - 1
  if (partIdx < 0 || dl.partitions[partIdx]!.all.size >= m.partitionSectors) {
    dl.partitions.push(emptyPartition())
    partIdx = dl.partitions.length - 1
  }
  const part = dl.partitions[partIdx]!
  part.all.add(sectorNumber)
  part.unproven.add(sectorNumber)
  return { deadline: best, partition: partIdx }
}
