/**
 * The miner actor's beneficiary (FIP-0029): who receives withdrawals and how much of them.
 * `ChangeBeneficiary` (method 30) is proposed by the owner and takes effect once the current
 * beneficiary (when it still has quota and time left) and the nominee have both sent the same
 * terms; `GetBeneficiary` (method 31) reads it. Checks and exit codes follow builtin-actors v18.
 */
import { beneficiaryAvailable, ExitCode, type GetBeneficiaryReturn } from '@venus-cluster/core'
import { type ActorRuntime, require } from '../../actor-types.js'
import type { MinerState } from '../../state.js'

/** Miner.ChangeBeneficiary (method 30). */
export function changeBeneficiary(
  rt: ActorRuntime,
  m: MinerState,
  p: { newBeneficiary: string; newQuota: bigint; newExpiration: number },
): void {
  const nominee = rt.resolve(p.newBeneficiary)
  require(nominee !==
    undefined, ExitCode.ErrIllegalArgument, `unable to resolve address: ${p.newBeneficiary}`)
  const caller = rt.caller
  if (caller === m.owner) {
    if (nominee !== m.owner) {
      require(p.newQuota >
        0n, ExitCode.ErrIllegalArgument, `beneficial quota ${p.newQuota} must bigger than zero`)
    } else {
      require(p.newQuota ===
        0n, ExitCode.ErrIllegalArgument, `owner beneficial quota ${p.newQuota} must be zero`)
      require(p.newExpiration ===
        0, ExitCode.ErrIllegalArgument, `owner beneficial expiration ${p.newExpiration} must be zero`)
    }
    m.pendingBeneficiary = {
      beneficiary: nominee,
      quota: p.newQuota,
      expiration: p.newExpiration,
      // A beneficiary with nothing left to withdraw need not approve its replacement.
      approvedByBeneficiary: beneficiaryAvailable(m.beneficiaryTerm, rt.epoch) === 0n,
      approvedByNominee: false,
    }
  } else {
    const pending = m.pendingBeneficiary
    require(pending !== null, ExitCode.ErrForbidden, 'No changeBeneficiary proposal exists')
    require(caller === m.beneficiary ||
      caller ===
        pending.beneficiary, ExitCode.ErrForbidden, `message caller ${rt.idAddress(caller)} is neither proposal beneficiary ${p.newBeneficiary} nor current beneficiary ${rt.idAddress(m.beneficiary)}`)
    require(pending.beneficiary ===
      nominee, ExitCode.ErrIllegalArgument, `new beneficiary address must be equal expect ${rt.idAddress(pending.beneficiary)}, but got ${p.newBeneficiary}`)
    require(pending.quota ===
      p.newQuota, ExitCode.ErrIllegalArgument, `new beneficiary quota must be equal expect ${pending.quota}, but got ${p.newQuota}`)
    require(pending.expiration ===
      p.newExpiration, ExitCode.ErrIllegalArgument, `new beneficiary expire date must be equal expect ${pending.expiration}, but got ${p.newExpiration}`)
  }
  const pending = m.pendingBeneficiary
  if (pending === null) return
  if (caller === m.beneficiary) pending.approvedByBeneficiary = true
  if (caller === nominee) pending.approvedByNominee = true
  if (pending.approvedByBeneficiary && pending.approvedByNominee) {
    if (nominee !== m.beneficiary) m.beneficiaryTerm.usedQuota = 0n
    m.beneficiary = nominee
    m.beneficiaryTerm.quota = pending.quota
    m.beneficiaryTerm.expiration = pending.expiration
    m.pendingBeneficiary = null
  }
}

/** Miner.GetBeneficiary (method 31): the active beneficiary and any proposal. */
export function getBeneficiary(rt: ActorRuntime, m: MinerState): GetBeneficiaryReturn {
  const p = m.pendingBeneficiary
  return {
    active: { beneficiary: rt.idAddress(m.beneficiary), term: { ...m.beneficiaryTerm } },
    proposed:
      p === null
        ? null
        : {
            newBeneficiary: rt.idAddress(p.beneficiary),
            newQuota: p.quota,
            newExpiration: p.expiration,
            approvedByBeneficiary: p.approvedByBeneficiary,
            approvedByNominee: p.approvedByNominee,
          },
  }
}
