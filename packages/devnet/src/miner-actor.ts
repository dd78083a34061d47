/**
 * The storage miner and power actors of the devnet: CreateMiner, PreCommitSectorBatch2,
 * ProveCommitSectors3, SubmitWindowedPoSt, DeclareFaults(Recovered), TerminateSectors and the
 * end-of-deadline cron. Checks and exit codes follow builtin-actors v18.
 */
import {
  AddressProtocol,
  addressFromBytes,
  type BatchReturn,
  blake2bHash,
  type CreateMinerParams,
  DomainSeparationTag,
  ExitCode,
  type ExpirationExtension2,
  nextNotElapsed,
  proverId,
  provingPeriodOffset,
  randomnessEntropy,
  type SectorLocationSet,
  type SubmitWindowedPoStParams,
  sealProofFacts,
} from '@venus-cluster/core'
import {
  ActorAbort,
  type ActorRuntime,
  type PreCommitInfoParam,
  type ProveCommitSectors3Param,
  require,
} from './actor-types.js'
import { commitmentOf, zeroCommDCid } from './commitments.js'
import { currentProvingPeriodStart, type DeadlineInfo, deadlineInfo, deadlineIsMutable } from './deadline.js'
import { maxProveCommitDuration } from './params.js'
import { sealProofSectorSize, windowPoStInfo } from './proof-types.js'
import {
  type ActiveSectorState,
  activeSectors,
  adoptMiner,
  type DeadlineState,
  emptyPartition,
  liveSectors,
  type MinerState,
  minerAvailableBalance,
  mutableMiner,
  type PartitionState,
} from './state.js'

/** Computes the data commitment of a sector's pieces (market actor's ComputeDataCommitment). */
export type CommDFromPieces = (
  pieces: { commP: Uint8Array; paddedSize: number }[],
  sectorSize: number,
) => Uint8Array

/** Power.CreateMiner (method 2 on f04). Returns the new miner's id and robust address. */
export function createMiner(
  rt: ActorRuntime,
  p: CreateMinerParams,
): { idAddress: string; robustAddress: string; id: number } {
  const owner = rt.resolve(p.owner)
  const worker = rt.resolve(p.worker)
  require(owner !== undefined &&
    rt.world.accounts.has(owner), ExitCode.ErrIllegalArgument, `owner ${p.owner} is not an account`)
  require(worker !== undefined &&
    rt.world.accounts.has(worker), ExitCode.ErrIllegalArgument, `worker ${p.worker} is not an account`)
  const workerKey = rt.world.accounts.get(worker)?.key ?? ''
  require(workerKey.slice(1, 2) ===
    '3', ExitCode.ErrIllegalArgument, `worker ${p.worker} must be a BLS account`)
  const post = windowPoStInfo(p.windowPoStProofType)
  require(post !==
    undefined, ExitCode.ErrIllegalArgument, `unknown window post proof type ${p.windowPoStProofType}`)
  require(rt.params.allowedSectorSizes.includes(
    post.sectorSize,
  ), ExitCode.ErrIllegalArgument, `sector size ${post.sectorSize} not allowed on this network`)
  require(rt.value >=
    rt.params
      .minerCreationDeposit, ExitCode.ErrInsufficientFunds, `insufficient balance for miner creation deposit: ${rt.value} < ${rt.params.minerCreationDeposit}`)
  const id = rt.world.nextActorId++
  const robustPayload = blake2bHash(new TextEncoder().encode(`robust:${rt.caller}:${rt.epoch}:${id}`), 20)
  const robustAddress = addressFromBytes(
    Uint8Array.of(AddressProtocol.ACTOR, ...robustPayload),
    rt.params.addressPrefix,
  ).toString()
  const deadlines: DeadlineState[] = []
  for (let i = 0; i < rt.params.wpostPeriodDeadlines; i++)
    deadlines.push({ partitions: [], postSubmissions: new Set() })
  const miner: MinerState = {
    id,
    robust: robustAddress,
    owner,
    worker,
    controls: [],
    pendingWorker: null,
    pendingOwner: null,
    peerId: p.peer,
    multiaddrs: p.multiaddrs,
    windowPoStProofType: p.windowPoStProofType,
    sectorSize: post.sectorSize,
    partitionSectors: post.partitionSectors,
    balance: rt.value,
    preCommitDeposits: 0n,
    initialPledge: rt.value,
    feeDebt: 0n,
    provingPeriodStart: 0,
    currentDeadline: 0,
    allocated: new Set(),
    preCommits: new Map(),
    sectors: new Map(),
    deadlines,
    creationEpoch: rt.epoch,
  }
  rt.world.miners.set(id, miner)
  adoptMiner(rt.world, id)
  const offset = provingPeriodOffset(rt.idAddress(id), rt.epoch, rt.params.wpostProvingPeriod)
  miner.provingPeriodStart = currentProvingPeriodStart(rt.params, rt.epoch, offset)
  miner.currentDeadline = Math.floor((rt.epoch - miner.provingPeriodStart) / rt.params.wpostChallengeWindow)
  return { id, idAddress: rt.idAddress(id), robustAddress }
}

/** The miner state of `minerId`, or an abort with exit 5 (invalid receiver). */
export function loadMiner(rt: ActorRuntime, minerId: number): MinerState {
  const m = mutableMiner(rt.world, minerId)
  if (m === undefined) throw new ActorAbort(ExitCode.SysErrInvalidReceiver, `actor ${minerId} is not a miner`)
  return m
}

function requireControl(rt: ActorRuntime, m: MinerState): void {
  const ok = rt.caller === m.owner || rt.caller === m.worker || m.controls.includes(rt.caller)
  require(ok, ExitCode.ErrForbidden, `caller ${rt.idAddress(rt.caller)} is not the owner, worker or a control address`)
}

function requireOwnerOrWorker(rt: ActorRuntime, m: MinerState): void {
  require(rt.caller === m.owner ||
    rt.caller ===
      m.worker, ExitCode.ErrForbidden, `caller ${rt.idAddress(rt.caller)} is not the owner or worker`)
}

/** Repays (burns) fee debt from the unlocked balance; aborts (19) when it cannot. */
function repayDebt(rt: ActorRuntime, m: MinerState): void {
  if (m.feeDebt === 0n) return
  const unlocked = m.balance - m.preCommitDeposits - m.initialPledge
  require(unlocked >=
    m.feeDebt, ExitCode.ErrInsufficientFunds, `unlocked balance can not repay fee debt (${m.feeDebt})`)
  m.balance -= m.feeDebt
  rt.world.burnt += m.feeDebt
  m.feeDebt = 0n
}

/** The deadline open at the current epoch for the miner (cron keeps `currentDeadline` in step). */
export function currentDeadlineInfo(rt: ActorRuntime, m: MinerState): DeadlineInfo {
  return deadlineInfo(rt.params, m.provingPeriodStart, m.currentDeadline, rt.epoch)
}

function preCommitDeposit(rt: ActorRuntime, m: MinerState): bigint {
  return BigInt(m.sectorSize) * rt.params.preCommitDepositPerByte
}

/** Initial pledge for one sector of the miner's size. */
export function initialPledgeFor(sectorSize: number, pledgePerByte: bigint): bigint {
  return BigInt(sectorSize) * pledgePerByte
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
  for (const s of sectors) {
    m.allocated.add(s.sectorNumber)
    m.preCommits.set(s.sectorNumber, { ...s, deposit, preCommitEpoch: e })
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
      1, ExitCode.ErrIllegalArgument, `aggregate proof type must be SnarkPackV2 (1)`)
    require(n >= 4 && n <= 819, ExitCode.ErrIllegalArgument, `aggregate of ${n} sectors outside [4, 819]`)
    require(p.aggregateProof.length <= 81960, ExitCode.ErrIllegalArgument, 'aggregate proof too large')
  }
  const e = rt.epoch
  const entropy = randomnessEntropy(rt.idAddress(m.id))
  const prover = proverId(m.id)
  const fails: { idx: number; code: number; message: string }[] = []
  const ok: { idx: number; sectorNumber: number }[] = []
  const seals: (import('./actor-types.js').DevnetSealToVerify & { idx: number })[] = []
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

  // Funds: the value joins the balance, deposits are released, then the pledge must fit.
  m.balance += rt.value
  let released = 0n
  for (const o of ok) released += m.preCommits.get(o.sectorNumber)!.deposit
  m.preCommitDeposits -= released
  const pledge = initialPledgeFor(m.sectorSize, rt.params.initialPledgePerByte) * BigInt(ok.length)
  require(minerAvailableBalance(m) >=
    pledge, ExitCode.ErrInsufficientFunds, `insufficient funds for aggregate initial pledge requirement ${pledge}, available: ${minerAvailableBalance(m)}`)
  m.initialPledge += pledge
  for (const o of ok) {
    const pc = m.preCommits.get(o.sectorNumber)!
    m.preCommits.delete(o.sectorNumber)
    const { deadline, partition } = assignSector(rt, m, o.sectorNumber)
    const sector: ActiveSectorState = {
      sectorNumber: o.sectorNumber,
      sealProof: pc.sealProof,
      sealedCid: pc.sealedCid,
      unsealedCid: pc.unsealedCid ?? zeroCommDCid(m.sectorSize),
      activation: e,
      expiration: pc.expiration,
      dealWeight: 0n,
      verifiedDealWeight: 0n,
      initialPledge: initialPledgeFor(m.sectorSize, rt.params.initialPledgePerByte),
      deadline,
      partition,
    }
    m.sectors.set(o.sectorNumber, sector)
  }
  return { successCount: ok.length, failCodes: fails.map(({ idx, code }) => ({ index: idx, code })) }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
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
    for (const part of parts) live += liveSectors(part).size
    const last = parts[parts.length - 1]
    const hasRoom = last !== undefined && last.all.size < m.partitionSectors ? 0 : 1
    if (hasRoom < bestKey[0] || (hasRoom === bestKey[0] && live < bestKey[1])) {
      best = i
      bestKey = [hasRoom, live]
    }
  }
  const dl = m.deadlines[best]!
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

/** Miner.SubmitWindowedPoSt (method 5). */
export async function submitWindowedPoSt(
  rt: ActorRuntime,
  m: MinerState,
  p: SubmitWindowedPoStParams,
): Promise<void> {
  requireControl(rt, m)
  const e = rt.epoch
  require(p.deadline <
    rt.params.wpostPeriodDeadlines, ExitCode.ErrIllegalArgument, `invalid deadline ${p.deadline}`)
  const cur = currentDeadlineInfo(rt, m)
  require(p.deadline ===
    cur.index, ExitCode.ErrIllegalArgument, `invalid deadline ${p.deadline} at epoch ${e}, expected ${cur.index}`)
  require(p.proofs.length ===
    1, ExitCode.ErrIllegalArgument, `expected exactly one proof, got ${p.proofs.length}`)
  const proof = p.proofs[0]!
  require(proof.postProof ===
    m.windowPoStProofType, ExitCode.ErrIllegalArgument, `expected proof of type ${m.windowPoStProofType}, got ${proof.postProof}`)
  require(p.partitions.length > 0 &&
    p.partitions.length <=
      rt.params
        .postedPartitionsMax, ExitCode.ErrIllegalArgument, `too many partitions ${p.partitions.length}, max ${rt.params.postedPartitionsMax}`)
  require(proof.proofBytes.length <=
    192 * p.partitions.length, ExitCode.ErrIllegalArgument, 'proof too large')
  require(p.chainCommitEpoch >=
    cur.challenge, ExitCode.ErrIllegalArgument, `expected chain commit epoch ${p.chainCommitEpoch} >= challenge ${cur.challenge}`)
  require(p.chainCommitEpoch <
    e, ExitCode.ErrIllegalArgument, `chain commit epoch ${p.chainCommitEpoch} must be less than the current epoch ${e}`)
  require(p.chainCommitRand.length <= 32, ExitCode.ErrIllegalArgument, 'chain commit randomness too long')
  const commitRand = rt.ticketRandomness(
    DomainSeparationTag.PoStChainCommit,
    p.chainCommitEpoch,
    new Uint8Array(),
  )
  require(bytesEqual(
    commitRand,
    p.chainCommitRand,
  ), ExitCode.ErrIllegalArgument, 'post commit randomness mismatched')

  const dl = m.deadlines[p.deadline]!
  const seenParts = new Set<number>()
  const proving: { part: PartitionState; index: number; good: Set<number>; skipped: Set<number> }[] = []
  for (const pp of p.partitions) {
    const part = dl.partitions[pp.index]
    require(part !== undefined, ExitCode.ErrNotFound, `no such partition ${p.deadline}:${pp.index}`)
    require(!seenParts.has(pp.index), ExitCode.ErrIllegalArgument, `partition ${pp.index} listed twice`)
    seenParts.add(pp.index)
    require(!dl.postSubmissions.has(
      pp.index,
    ), ExitCode.ErrIllegalArgument, `partition ${pp.index} already proven`)
    const skipped = new Set(pp.skipped)
    const live = liveSectors(part)
    for (const s of skipped)
      require(live.has(
        s,
      ), ExitCode.ErrIllegalArgument, `skipped sector ${s} not live in partition ${pp.index}`)
    const good = new Set<number>()
    for (const s of live) {
      if (skipped.has(s)) continue
      if (part.faulty.has(s) && !part.recovering.has(s)) continue
      good.add(s)
    }
    proving.push({ part, index: pp.index, good, skipped })
  }
  const allGood = proving.flatMap((x) => [...x.good]).sort((a, b) => a - b)
  require(allGood.length > 0, ExitCode.ErrIllegalArgument, 'no active sectors to prove')
  // The verifier's sector list mirrors Lotus: every live sector of each partition in order, with
  // sectors not proven replaced by the lowest proven sector of the message.
  const standIn = allGood[0]!
  const list: number[] = []
  for (const x of proving)
    for (const s of [...liveSectors(x.part)].sort((a, b) => a - b)) list.push(x.good.has(s) ? s : standIn)
  const entropy = randomnessEntropy(rt.idAddress(m.id))
  const randomness = rt
    .beaconRandomness(DomainSeparationTag.WindowedPoStChallengeSeed, cur.challenge, entropy)
    .slice()
  randomness[31] = randomness[31]! & 0x3f
  const valid = await rt.proofs.verifyWindowPoSt({
    registeredPoStProof: proof.postProof,
    proverId: proverId(m.id),
    randomness,
    sectors: list.map((s) => {
      const info = m.sectors.get(s)!
      return {
        sectorNumber: s,
        sealProof: info.sealProof,
        commR: commitmentOf(info.sealedCid, 'sealed', 'sealed CID'),
      }
    }),
    proof: proof.proofBytes,
  })
  require(valid, ExitCode.ErrIllegalArgument, 'invalid PoSt')
  for (const x of proving) {
    for (const s of x.good) {
      x.part.faulty.delete(s)
      x.part.recovering.delete(s)
      x.part.unproven.delete(s)
    }
    for (const s of x.skipped) {
      x.part.faulty.add(s)
      x.part.recovering.delete(s)
      x.part.unproven.delete(s)
    }
    dl.postSubmissions.add(x.index)
  }
}

function declarationTarget(rt: ActorRuntime, m: MinerState, d: SectorLocationSet): PartitionState {
  require(d.deadline <
    rt.params.wpostPeriodDeadlines, ExitCode.ErrIllegalArgument, `invalid deadline ${d.deadline}`)
  const target = nextNotElapsed(deadlineInfo(rt.params, m.provingPeriodStart, d.deadline, rt.epoch))
  require(rt.epoch <
    target.faultCutoff, ExitCode.ErrIllegalArgument, `late fault or recovery declaration for deadline ${d.deadline} at ${rt.epoch}, cutoff ${target.faultCutoff}`)
  const part = m.deadlines[d.deadline]!.partitions[d.partition]
  require(part !== undefined, ExitCode.ErrNotFound, `no such partition ${d.deadline}:${d.partition}`)
  for (const s of d.sectors)
    require(part.all.has(
      s,
    ), ExitCode.ErrIllegalArgument, `sector ${s} not in partition ${d.deadline}:${d.partition}`)
  return part
}

/** Miner.DeclareFaults (method 10). */
export function declareFaults(rt: ActorRuntime, m: MinerState, entries: SectorLocationSet[]): void {
  requireControl(rt, m)
  for (const d of entries) {
    const part = declarationTarget(rt, m, d)
    for (const s of d.sectors) {
      if (part.terminated.has(s)) continue
      part.faulty.add(s)
      part.recovering.delete(s)
      part.unproven.delete(s)
    }
  }
}

/** Miner.DeclareFaultsRecovered (method 11). */
export function declareFaultsRecovered(rt: ActorRuntime, m: MinerState, entries: SectorLocationSet[]): void {
  requireControl(rt, m)
  repayDebt(rt, m)
  for (const d of entries) {
    const part = declarationTarget(rt, m, d)
    for (const s of d.sectors) if (part.faulty.has(s) && !part.terminated.has(s)) part.recovering.add(s)
  }
}

/** Miner.TerminateSectors (method 9). Returns `done`. */
export function terminateSectors(rt: ActorRuntime, m: MinerState, entries: SectorLocationSet[]): boolean {
  requireOwnerOrWorker(rt, m)
  for (const d of entries) {
    require(d.deadline <
      rt.params.wpostPeriodDeadlines, ExitCode.ErrIllegalArgument, `invalid deadline ${d.deadline}`)
    require(deadlineIsMutable(
      rt.params,
      m.provingPeriodStart,
      d.deadline,
      rt.epoch,
    ), ExitCode.ErrIllegalArgument, `cannot terminate sectors in immutable deadline ${d.deadline}`)
    const part = m.deadlines[d.deadline]!.partitions[d.partition]
    require(part !== undefined, ExitCode.ErrNotFound, `no such partition ${d.deadline}:${d.partition}`)
    const live = liveSectors(part)
    for (const s of d.sectors)
      require(live.has(
        s,
      ), ExitCode.ErrIllegalArgument, `sector ${s} is not live in ${d.deadline}:${d.partition}`)
    for (const s of d.sectors) {
      part.terminated.add(s)
      part.faulty.delete(s)
      part.recovering.delete(s)
      part.unproven.delete(s)
      const info = m.sectors.get(s)
      if (info) m.initialPledge -= info.initialPledge
      m.sectors.delete(s)
      chargePenalty(rt, m, rt.params.terminationFeePerSector)
    }
  }
  return true
}

/** Burns `amount` from the miner's unlocked funds, the rest becoming fee debt. */
function chargePenalty(rt: ActorRuntime, m: MinerState, amount: bigint): void {
  const unlocked = m.balance - m.preCommitDeposits - m.initialPledge - m.feeDebt
  const paid = unlocked >= amount ? amount : unlocked > 0n ? unlocked : 0n
  m.balance -= paid
  m.feeDebt += amount - paid
  rt.world.burnt += paid
}

/**
 * End-of-epoch cron of one miner: at the last epoch of the open deadline, partitions without a
 * proof turn faulty (failed recoveries stay faulty), every faulty sector is charged the fault
 * fee, then the next deadline becomes current. Also cleans up expired pre-commits.
 */
export function minerCron(rt: ActorRuntime, shared: MinerState): void {
  const cur = currentDeadlineInfo(rt, shared)
  if (rt.epoch < cur.close - 1) return
  const m = mutableMiner(rt.world, shared.id)!
  const dl = m.deadlines[cur.index]!
  let faultyCount = 0
  dl.partitions.forEach((part, idx) => {
    if (!dl.postSubmissions.has(idx)) {
      for (const s of liveSectors(part)) {
        if (!part.faulty.has(s)) part.faulty.add(s)
        part.unproven.delete(s)
      }
      part.recovering.clear()
    }
    faultyCount += part.faulty.size
  })
  if (faultyCount > 0) chargePenalty(rt, m, rt.params.faultFeePerSector * BigInt(faultyCount))
  dl.postSubmissions.clear()
  m.currentDeadline++
  if (m.currentDeadline >= rt.params.wpostPeriodDeadlines) {
    m.currentDeadline = 0
    m.provingPeriodStart += rt.params.wpostProvingPeriod
  }
  const expiry = maxProveCommitDuration(rt.params) + 960
  for (const [num, pc] of m.preCommits) {
    if (rt.epoch > pc.preCommitEpoch + expiry) {
      m.preCommits.delete(num)
      m.preCommitDeposits -= pc.deposit
      m.balance -= pc.deposit
      rt.world.burnt += pc.deposit
    }
  }
}

/** The account actor id of `address`, or an abort with exit 16 (illegal argument). */
function accountId(rt: ActorRuntime, address: string, what: string): number {
  const id = rt.resolve(address)
  require(id !== undefined &&
    rt.world.accounts.has(id), ExitCode.ErrIllegalArgument, `${what} ${address} is not an account`)
  return id
}

/**
 * Miner.ChangeWorkerAddress (method 3): only the owner. Control addresses change at once; a new
 * worker is only proposed, effective `workerKeyChangeDelay` epochs later through
 * ConfirmChangeWorkerAddress. A proposal already pending is kept (as the actor does).
 */
export function changeWorkerAddress(
  rt: ActorRuntime,
  m: MinerState,
  p: { newWorker: string; newControlAddresses: string[] },
): void {
  require(rt.caller ===
    m.owner, ExitCode.ErrForbidden, 'only the owner can change the worker and control addresses')
  const worker = accountId(rt, p.newWorker, 'worker')
  const controls = p.newControlAddresses.map((a) => accountId(rt, a, 'control address'))
  m.controls = controls
  if (worker !== m.worker && m.pendingWorker === null)
    m.pendingWorker = { worker, effectiveAt: rt.epoch + rt.params.workerKeyChangeDelay }
}

/**
 * Miner.ConfirmChangeWorkerAddress (method 21): only the owner; applies a pending worker change
 * whose effective epoch has come, and does nothing otherwise.
 */
export function confirmChangeWorkerAddress(rt: ActorRuntime, m: MinerState): void {
  require(rt.caller === m.owner, ExitCode.ErrForbidden, 'only the owner can confirm a worker change')
  if (m.pendingWorker === null || rt.epoch < m.pendingWorker.effectiveAt) return
  m.worker = m.pendingWorker.worker
  m.pendingWorker = null
}

/**
 * Miner.ChangeOwnerAddress (method 23), two steps: the owner proposes an ID address (proposing
 * itself revokes), then the proposed address sends the same address to take over.
 */
export function changeOwnerAddress(rt: ActorRuntime, m: MinerState, newOwner: string): void {
  require(/^[ft]0\d+$/.test(newOwner), ExitCode.ErrIllegalArgument, 'owner address must be an ID address')
  const proposed = accountId(rt, newOwner, 'owner')
  if (rt.caller === m.owner || m.pendingOwner === null) {
    require(rt.caller === m.owner, ExitCode.ErrForbidden, 'only the owner can propose a new owner')
    m.pendingOwner = proposed
  } else {
    require(rt.caller ===
      m.pendingOwner, ExitCode.ErrForbidden, 'only the proposed owner can confirm the change')
    require(proposed ===
      m.pendingOwner, ExitCode.ErrIllegalArgument, `expected confirmation of ${rt.idAddress(m.pendingOwner)} got ${newOwner}`)
    m.owner = proposed
  }
  if (m.pendingOwner === m.owner) m.pendingOwner = null
}

/** Miner.RepayDebt (method 22): owner, worker or a control address; pays the fee debt (value included). */
export function repayDebtMethod(rt: ActorRuntime, m: MinerState): void {
  requireControl(rt, m)
  repayDebt(rt, m)
}

/**
 * Miner.CompactSectorNumbers (method 20): owner, worker or a control address; marks every number
 * of the mask allocated so it can never be used.
 */
export function compactSectorNumbers(rt: ActorRuntime, m: MinerState, mask: number[]): void {
  requireControl(rt, m)
  require(mask.length > 0, ExitCode.ErrIllegalArgument, 'the mask of sector numbers is empty')
  for (const n of mask) m.allocated.add(n)
}

/** Declarations one `ExtendSectorExpiration2` may carry, and sectors it may address (policy). */
const DECLARATIONS_MAX = 3000
const ADDRESSED_SECTORS_MAX = 25_000

/**
 * Miner.ExtendSectorExpiration2 (method 32): owner, worker or a control address; moves the
 * expiration of active sectors later, within `sectorMaxLifetime` from activation and
 * `maxSectorExpirationExtension` from now. Sectors with verified claims are refused: the devnet
 * keeps no verified registry.
 */
export function extendSectorExpiration2(rt: ActorRuntime, m: MinerState, p: ExpirationExtension2[]): void {
  requireControl(rt, m)
  require(p.length <=
    DECLARATIONS_MAX, ExitCode.ErrIllegalArgument, `too many declarations ${p.length}, max ${DECLARATIONS_MAX}`)
  const addressed = p.reduce((n, d) => n + d.sectors.length + d.sectorsWithClaims.length, 0)
  require(addressed <=
    ADDRESSED_SECTORS_MAX, ExitCode.ErrIllegalArgument, `too many sectors ${addressed}, max ${ADDRESSED_SECTORS_MAX}`)
  const e = rt.epoch
  for (const d of p) {
    const where = `deadline ${d.deadline} partition ${d.partition}`
    require(d.deadline <
      rt.params
        .wpostPeriodDeadlines, ExitCode.ErrIllegalArgument, `deadline ${d.deadline} not in range 0..${rt.params.wpostPeriodDeadlines}`)
    require(d.sectorsWithClaims.length ===
      0, ExitCode.ErrIllegalArgument, `${where}: sectors with verified claims cannot be extended on the devnet`)
    const part = m.deadlines[d.deadline]?.partitions[d.partition]
    require(part !== undefined, ExitCode.ErrNotFound, `no such partition ${where}`)
    const active = activeSectors(part)
    for (const n of d.sectors) {
      require(active.has(
        n,
      ), ExitCode.ErrIllegalArgument, `${where}: refusing to replace inactive sector ${n}`)
      const s = m.sectors.get(n)!
      require(s.expiration >=
        e, ExitCode.ErrForbidden, `cannot extend expiration for expired sector ${n} at ${s.expiration}`)
      require(d.newExpiration >=
        s.expiration, ExitCode.ErrIllegalArgument, `cannot reduce sector ${n} expiration to ${d.newExpiration} from ${s.expiration}`)
      require(s.verifiedDealWeight ===
        0n, ExitCode.ErrIllegalArgument, `claim missing from declaration for sector ${n} with non-zero verified deal weight`)
      require(d.newExpiration - s.activation <=
        rt.params
          .sectorMaxLifetime, ExitCode.ErrIllegalArgument, `sector ${n}: invalid expiration ${d.newExpiration}, total sector lifetime (${d.newExpiration - s.activation}) exceeds ${rt.params.sectorMaxLifetime}`)
      require(d.newExpiration <=
        e +
          rt.params
            .maxSectorExpirationExtension, ExitCode.ErrIllegalArgument, `sector ${n}: invalid expiration ${d.newExpiration}, cannot be more than ${rt.params.maxSectorExpirationExtension} past current epoch ${e}`)
    }
    for (const n of d.sectors) m.sectors.set(n, { ...m.sectors.get(n)!, expiration: d.newExpiration })
  }
}

/** Miner.WithdrawBalance (method 16): moves available funds to the owner. Returns the amount. */
export function withdrawBalance(rt: ActorRuntime, m: MinerState, requested: bigint): bigint {
  require(rt.caller === m.owner, ExitCode.ErrForbidden, 'only the owner can withdraw')
  require(requested >= 0n, ExitCode.ErrIllegalArgument, 'negative withdrawal')
  repayDebt(rt, m)
  const avail = minerAvailableBalance(m)
  const amount = requested < avail ? requested : avail
  m.balance -= amount
  const owner = rt.world.accounts.get(m.owner)
  if (owner) owner.balance += amount
  return amount
}
