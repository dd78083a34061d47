/**
 * WindowPoSt methods of the miner actor: `SubmitWindowedPoSt` (5, every proof verified at
 * submission), `DeclareFaults` (10) and `DeclareFaultsRecovered` (11).
 */
import {
  DomainSeparationTag,
  ExitCode,
  nextNotElapsed,
  proverId,
  randomnessEntropy,
  type SectorLocationSet,
  type SubmitWindowedPoStParams,
} from '@venus-cluster/core'
import { equals as bytesEqual } from 'multiformats/bytes'
import { type ActorRuntime, require } from '../../actor-types.js'
import { commitmentOf } from '../../commitments.js'
import { deadlineInfo } from '../../deadline.js'
import { liveSectors, type MinerState, type PartitionState, writableDeadline } from '../../state.js'
import { currentDeadlineInfo, repayDebt, requireControl } from './common.js'

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

  const dl = writableDeadline(m, p.deadline)
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
  const part = writableDeadline(m, d.deadline).partitions[d.partition]
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
