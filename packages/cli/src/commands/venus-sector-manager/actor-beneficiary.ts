/**
 * `venus-sector-manager util sealer actor propose-change-beneficiary | confirm-change-beneficiary`:
 * who receives the miner's withdrawals (FIP-0029). The owner proposes a beneficiary with a quota
 * and an expiration; the change takes effect once the nominee (and the current beneficiary, while
 * it still has quota and time left) sent the same terms. Each is checked against the chain first
 * and shows its plan without `--really-do-it`.
 */
import {
  beneficiaryAvailable,
  encodeChangeBeneficiary,
  type LotusMinerInfo,
  MinerMethod,
  parseFil,
  VenusError,
} from '@venus-cluster/core'
import type { Command } from 'commander'
import { addressArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { idOf, really, type SendOptions, sendIfReally } from './actor-admin.js'
import { fil } from './actor-common.js'
import { minerContextOf } from './manager-common.js'

/** A quota argument: a FIL amount, 0 allowed (the owner as beneficiary takes none). */
function quotaArg(text: string): bigint {
  try {
    const v = parseFil(text)
    if (v < 0n) throw new Error('must not be negative')
    return v
  } catch (err) {
    throw new VenusError('CLI_USAGE', `<quota>: ${(err as Error).message}`, { cause: err })
  }
}

const termOf = (info: LotusMinerInfo) => ({
  quota: BigInt(info.BeneficiaryTerm?.Quota ?? '0'),
  usedQuota: BigInt(info.BeneficiaryTerm?.UsedQuota ?? '0'),
  expiration: info.BeneficiaryTerm?.Expiration ?? 0,
})

function beneficiaryLines(info: LotusMinerInfo, head: number): string[] {
  const t = termOf(info)
  const p = info.PendingBeneficiaryTerm
  return [
    `Owner: ${info.Owner}`,
    info.Beneficiary === info.Owner
      ? `Beneficiary: ${info.Beneficiary} (the owner)`
      : `Beneficiary: ${info.Beneficiary}, quota ${fil(t.quota)} (${fil(t.usedQuota)} used, ${fil(beneficiaryAvailable(t, head))} left) until epoch ${t.expiration}`,
    p === null
      ? 'Pending change: none'
      : `Pending change: ${p.NewBeneficiary}, quota ${fil(BigInt(p.NewQuota))} until epoch ${p.NewExpiration}; approved by the beneficiary: ${p.ApprovedByBeneficiary ? 'yes' : 'no'}, by the nominee: ${p.ApprovedByNominee ? 'yes' : 'no'}`,
  ]
}

/**
 * Adds the beneficiary commands under `actor`.
 *
 * @example
 * ```ts
 * registerBeneficiaryCommands(sealer.command('actor'))
 * ```
 */
export function registerBeneficiaryCommands(actor: Command): void {
  really(
    actor
      .command('propose-change-beneficiary')
      .argument('<address>', 'the new beneficiary')
      .argument('<quota>', 'FIL it may withdraw in all, e.g. "100 FIL" (0 when it is the owner)')
      .argument('<expiration>', 'epoch at which its rights end (0 when it is the owner)')
      .option('--overwrite-pending-change', 'replace a change that is proposed and not yet confirmed', false)
      .description('the owner proposes a new beneficiary of withdrawals (ChangeBeneficiary)'),
    'ChangeBeneficiary',
  ).action(
    async (
      address: string,
      quotaText: string,
      expirationText: string,
      o: SendOptions & { overwritePendingChange: boolean },
      cmd: Command,
    ) => {
      addressArg(address, '<address>')
      const quota = quotaArg(quotaText)
      const expiration = uintArg(expirationText, '<expiration>')
      const ctx = await minerContextOf(cmd)
      const { chain, miner } = ctx
      const [newId, info, head] = await Promise.all([
        idOf(chain, address, '<address>'),
        chain.stateMinerInfo(miner),
        chain.chainHead(),
      ])
      if (newId === info.Owner && (quota !== 0n || expiration !== 0))
        throw new VenusError(
          'CLI_USAGE',
          'the owner as beneficiary takes a quota of 0 and an expiration of 0',
        )
      if (newId !== info.Owner) {
        if (quota === 0n)
          throw new VenusError(
            'CLI_USAGE',
            '<quota> must be more than 0 for a beneficiary other than the owner',
          )
        if (expiration <= head.Height)
          throw new VenusError(
            'CLI_USAGE',
            `<expiration> ${expiration} is not after the head (${head.Height}): the beneficiary could never withdraw`,
          )
      }
      const p = info.PendingBeneficiaryTerm
      if (p !== null && !o.overwritePendingChange)
        throw new VenusError(
          'CLI_USAGE',
          `a change to ${p.NewBeneficiary} is pending; confirm it, or pass --overwrite-pending-change to replace it`,
          { details: { pending: p } },
        )
      if (
        newId === info.Beneficiary &&
        p === null &&
        termOf(info).quota === quota &&
        termOf(info).expiration === expiration
      )
        throw new VenusError('CLI_USAGE', `${newId} is the beneficiary of ${miner} on these terms already`)
      const lines = [
        `Miner: ${miner}`,
        ...beneficiaryLines(info, head.Height),
        `Proposes: ${newId}, quota ${fil(quota)} until epoch ${expiration} (sent from the owner ${info.Owner})`,
      ]
      const uid = await sendIfReally(
        cmd,
        ctx,
        o,
        {
          lines,
          json: {
            Miner: miner,
            Beneficiary: info.Beneficiary,
            NewBeneficiary: newId,
            NewQuota: quota.toString(),
            NewExpiration: expiration,
          },
        },
        {
          To: miner,
          From: info.Owner,
          Value: 0n,
          Method: MinerMethod.ChangeBeneficiary,
          Params: encodeChangeBeneficiary({
            newBeneficiary: newId,
            newQuota: quota,
            newExpiration: expiration,
          }),
        },
        { label: 'ChangeBeneficiary', kind: 'propose-beneficiary' },
      )
      if (uid === null) return
      const after = await chain.stateMinerInfo(miner)
      const pending = after.PendingBeneficiaryTerm
      report(cmd, { Miner: miner, Beneficiary: after.Beneficiary, Pending: pending, Uid: uid }, [
        ...beneficiaryLines(after, head.Height),
        pending === null
          ? `the beneficiary of ${miner} is now ${after.Beneficiary}`
          : `proposed; confirm with: confirm-change-beneficiary --new-beneficiary --really-do-it${pending.ApprovedByBeneficiary ? '' : ', and --existing-beneficiary'}`,
      ])
    },
  )

  really(
    actor
      .command('confirm-change-beneficiary')
      .option('--existing-beneficiary', 'confirm as the current beneficiary', false)
      .option('--new-beneficiary', 'confirm as the proposed beneficiary', false)
      .description(
        'approve the proposed beneficiary change, as the current or the proposed beneficiary (ChangeBeneficiary)',
      ),
    'ChangeBeneficiary',
  ).action(
    async (o: SendOptions & { existingBeneficiary: boolean; newBeneficiary: boolean }, cmd: Command) => {
      if (o.existingBeneficiary === o.newBeneficiary)
        throw new VenusError('CLI_USAGE', 'pass exactly one of --existing-beneficiary and --new-beneficiary')
      const ctx = await minerContextOf(cmd)
      const { chain, miner } = ctx
      const [info, head] = await Promise.all([chain.stateMinerInfo(miner), chain.chainHead()])
      const p = info.PendingBeneficiaryTerm
      if (p === null) throw new VenusError('CLI_USAGE', `${miner} has no beneficiary change proposed`)
      const as = o.existingBeneficiary ? 'existing' : 'new'
      if (as === 'existing' && p.ApprovedByBeneficiary)
        throw new VenusError(
          'CLI_USAGE',
          `the current beneficiary ${info.Beneficiary} has approved already (or need not)`,
        )
      if (as === 'new' && p.ApprovedByNominee)
        throw new VenusError('CLI_USAGE', `the proposed beneficiary ${p.NewBeneficiary} has approved already`)
      const from = as === 'existing' ? info.Beneficiary : p.NewBeneficiary
      const lines = [
        `Miner: ${miner}`,
        ...beneficiaryLines(info, head.Height),
        `Approves the change as the ${as === 'existing' ? 'current' : 'proposed'} beneficiary, from ${from}`,
      ]
      const uid = await sendIfReally(
        cmd,
        ctx,
        o,
        { lines, json: { Miner: miner, Pending: p, From: from } },
        {
          To: miner,
          From: from,
          Value: 0n,
          Method: MinerMethod.ChangeBeneficiary,
          Params: encodeChangeBeneficiary({
            newBeneficiary: p.NewBeneficiary,
            newQuota: BigInt(p.NewQuota),
            newExpiration: p.NewExpiration,
          }),
        },
        { label: 'ChangeBeneficiary', kind: `confirm-beneficiary-${as}` },
      )
      if (uid === null) return
      const after = await chain.stateMinerInfo(miner)
      report(
        cmd,
        { Miner: miner, Beneficiary: after.Beneficiary, Pending: after.PendingBeneficiaryTerm, Uid: uid },
        [
          ...beneficiaryLines(after, head.Height),
          after.PendingBeneficiaryTerm === null
            ? `the beneficiary of ${miner} is now ${after.Beneficiary}`
            : 'approved; the change takes effect once the other side approves too',
        ],
      )
    },
  )
}
