/**
 * Partition maintenance of the miner actor: `CompactPartitions` (method 19) drops the terminated
 * sectors of the named partitions of a deadline and packs their live sectors, faults and
 * recoveries kept, into as few new partitions as they need, appended after the untouched ones.
 * As the actor, it refuses an immutable deadline (open, or opening within one challenge window)
 * and partitions with proofs still in the dispute window are not tracked by the devnet.
 */
import { ExitCode } from '@venus-cluster/core'
import { type ActorRuntime, require } from '../../actor-types.js'
import { deadlineIsMutable } from '../../deadline.js'
import { liveSectors, type MinerState, type PartitionState } from '../../state.js'
import { requireOwnerOrWorker } from './common.js'

/** Miner.CompactPartitions (method 19). */
export function compactPartitions(
  rt: ActorRuntime,
  m: MinerState,
  p: { deadline: number; partitions: number[] },
): void {
  requireOwnerOrWorker(rt, m)
  require(p.deadline <
    rt.params.wpostPeriodDeadlines, ExitCode.ErrIllegalArgument, `invalid deadline ${p.deadline}`)
  require(deadlineIsMutable(
    rt.params,
    m.provingPeriodStart,
    p.deadline,
    rt.epoch,
  ), ExitCode.ErrForbidden, `cannot compact deadline ${p.deadline} during its challenge window, or the prior challenge window`)
  const dl = m.deadlines[p.deadline]!
  require(p.partitions.length > 0, ExitCode.ErrIllegalArgument, 'no partitions to compact')
  require(p.partitions.length <=
    rt.params.postedPartitionsMax * 1000, ExitCode.ErrIllegalArgument, 'too many partitions')
  const chosen = new Set(p.partitions)
  for (const i of chosen)
    require(dl.partitions[i] !== undefined, ExitCode.ErrNotFound, `no such partition ${p.deadline}:${i}`)
  const kept: PartitionState[] = []
  const moving: { sector: number; faulty: boolean; recovering: boolean; unproven: boolean }[] = []
  dl.partitions.forEach((part, i) => {
    if (!chosen.has(i)) {
      kept.push(part)
      return
    }
    for (const s of liveSectors(part))
      moving.push({
        sector: s,
        faulty: part.faulty.has(s),
        recovering: part.recovering.has(s),
        unproven: part.unproven.has(s),
      })
  })
  moving.sort((a, b) => a.sector - b.sector)
  const packed: PartitionState[] = []
  for (const mv of moving) {
    let last = packed[packed.length - 1]
    if (last === undefined || last.all.size >= m.partitionSectors) {
      last = {
        all: new Set(),
        faulty: new Set(),
        recovering: new Set(),
        terminated: new Set(),
        unproven: new Set(),
      }
      packed.push(last)
    }
    last.all.add(mv.sector)
    if (mv.faulty) last.faulty.add(mv.sector)
    if (mv.recovering) last.recovering.add(mv.sector)
    if (mv.unproven) last.unproven.add(mv.sector)
  }
  dl.partitions = [...kept, ...packed]
  dl.postSubmissions.clear()
  dl.partitions.forEach((part, idx) => {
    for (const s of part.all) {
      const info = m.sectors.get(s)
      if (info !== undefined) info.partition = idx
    }
  })
}
