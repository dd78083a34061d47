/** The miner actor's end-of-epoch cron. */
import type { ActorRuntime } from '../../actor-types.js'
import { maxProveCommitDuration } from '../../params.js'
import {
  liveSectors,
  type MinerState,
  mutableMiner,
  writableDeadline,
  writablePreCommits,
} from '../../state.js'
import { chargePenalty, currentDeadlineInfo } from './common.js'

/**
 * End-of-epoch cron of one miner: at the last epoch of the open deadline, partitions without a
 * proof turn faulty (failed recoveries stay faulty), every faulty sector is charged the fault
 * fee, then the next deadline becomes current. Also cleans up expired pre-commits.
 */
export function minerCron(rt: ActorRuntime, shared: MinerState): void {
  const cur = currentDeadlineInfo(rt, shared)
  if (rt.epoch < cur.close - 1) return
  const m = mutableMiner(rt.world, shared.id)!
  const dl = writableDeadline(m, cur.index)
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
  const expired = [...m.preCommits].filter(([, pc]) => rt.epoch > pc.preCommitEpoch + expiry)
  const preCommits = expired.length > 0 ? writablePreCommits(m) : m.preCommits
  for (const [num, pc] of expired) {
    preCommits.delete(num)
    m.preCommitDeposits -= pc.deposit
    m.balance -= pc.deposit
    rt.world.burnt += pc.deposit
  }
}
