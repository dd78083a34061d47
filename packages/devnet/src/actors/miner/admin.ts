/**
 * Administrative methods of the miner actor: terminations (9), worker and owner changes (3, 21,
 * 23), debt repayment (22), sector number masks (20), expiration extensions (32) and withdrawals
 * (16).
 */
import {
  beneficiaryAvailable,
  ExitCode,
  type ExpirationExtension2,
  type SectorLocationSet,
} from '@venus-cluster/core'
import { type ActorRuntime, require } from '../../actor-types.js'
import { deadlineIsMutable } from '../../deadline.js'
import {
  activeSectors,
  liveSectors,
  type MinerState,
  minerAvailableBalance,
  writableAllocated,
  writableDeadline,
  writableSectors,
} from '../../state.js'
import { accountId, chargePenalty, repayDebt, requireControl, requireOwnerOrWorker } from './common.js'

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
    const part = writableDeadline(m, d.deadline).partitions[d.partition]
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
      writableSectors(m).delete(s)
      chargePenalty(rt, m, rt.params.terminationFeePerSector)
    }
  }
  return true
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
    // The owner's withdrawals follow it; a pending beneficiary change is dropped.
    if (m.beneficiary === m.owner) m.beneficiary = proposed
    m.pendingBeneficiary = null
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
  const allocated = writableAllocated(m)
  for (const n of mask) allocated.add(n)
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
    const sectors = writableSectors(m)
    for (const n of d.sectors) sectors.set(n, { ...sectors.get(n)!, expiration: d.newExpiration })
  }
}

/**
 * Miner.WithdrawBalance (method 16): the owner or the beneficiary moves available funds to the
 * beneficiary (within its quota and term when it is not the owner). Returns the amount.
 */
export function withdrawBalance(rt: ActorRuntime, m: MinerState, requested: bigint): bigint {
  require(rt.caller === m.owner ||
    rt.caller === m.beneficiary, ExitCode.ErrForbidden, 'only the owner or the beneficiary can withdraw')
  require(requested >= 0n, ExitCode.ErrIllegalArgument, 'negative withdrawal')
  // Measured before the debt is repaid: the available balance already accounts for it.
  const avail = minerAvailableBalance(m)
  repayDebt(rt, m)
  let amount = requested < avail ? requested : avail
  if (m.beneficiary !== m.owner) {
    const left = beneficiaryAvailable(m.beneficiaryTerm, rt.epoch)
    require(left >
      0n, ExitCode.ErrForbidden, `beneficiary expiration of epoch ${m.beneficiaryTerm.expiration} passed or quota of ${m.beneficiaryTerm.quota} depleted with ${m.beneficiaryTerm.usedQuota} used`)
    if (amount > left) amount = left
    m.beneficiaryTerm.usedQuota += amount
  }
  m.balance -= amount
  const to = rt.world.accounts.get(m.beneficiary)
  if (to) to.balance += amount
  return amount
}
