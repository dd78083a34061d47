/**
 * What the miner actor's methods share: loading the miner, caller checks, debts and penalties,
 * the current deadline, pledges. Checks and exit codes follow builtin-actors v18.
 */
import { ExitCode } from '@venus-cluster/core'
import { ActorAbort, type ActorRuntime, require } from '../../actor-types.js'
import { type DeadlineInfo, deadlineInfo } from '../../deadline.js'
import { type MinerState, mutableMiner } from '../../state.js'

/** Computes the data commitment of a sector's pieces (market actor's ComputeDataCommitment). */
export type CommDFromPieces = (
  pieces: { commP: Uint8Array; paddedSize: number }[],
  sectorSize: number,
) => Uint8Array

/** The miner state of `minerId`, or an abort with exit 5 (invalid receiver). */
export function loadMiner(rt: ActorRuntime, minerId: number): MinerState {
  const m = mutableMiner(rt.world, minerId)
  if (m === undefined) throw new ActorAbort(ExitCode.SysErrInvalidReceiver, `actor ${minerId} is not a miner`)
  return m
}

export function requireControl(rt: ActorRuntime, m: MinerState): void {
  const ok = rt.caller === m.owner || rt.caller === m.worker || m.controls.includes(rt.caller)
  require(ok, ExitCode.ErrForbidden, `caller ${rt.idAddress(rt.caller)} is not the owner, worker or a control address`)
}

export function requireOwnerOrWorker(rt: ActorRuntime, m: MinerState): void {
  require(rt.caller === m.owner ||
    rt.caller ===
      m.worker, ExitCode.ErrForbidden, `caller ${rt.idAddress(rt.caller)} is not the owner or worker`)
}

/** Repays (burns) fee debt from the unlocked balance; aborts (19) when it cannot. */
export function repayDebt(rt: ActorRuntime, m: MinerState): void {
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

/** Initial pledge for one sector of the miner's size. */
export function initialPledgeFor(sectorSize: number, pledgePerByte: bigint): bigint {
  return BigInt(sectorSize) * pledgePerByte
}

/** Burns `amount` from the miner's unlocked funds, the rest becoming fee debt. */
export function chargePenalty(rt: ActorRuntime, m: MinerState, amount: bigint): void {
  const unlocked = m.balance - m.preCommitDeposits - m.initialPledge - m.feeDebt
  const paid = unlocked >= amount ? amount : unlocked > 0n ? unlocked : 0n
  m.balance -= paid
  m.feeDebt += amount - paid
  rt.world.burnt += paid
}

/** The account actor id of `address`, or an abort with exit 16 (illegal argument). */
export function accountId(rt: ActorRuntime, address: string, what: string): number {
  const id = rt.resolve(address)
  require(id !== undefined &&
    rt.world.accounts.has(id), ExitCode.ErrIllegalArgument, `${what} ${address} is not an account`)
  return id
}
