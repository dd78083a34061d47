/**
 * `venus-sector-manager util sealer actor …`: the miner actor's funds and addresses — balance,
 * add-balance, withdraw, control list|set (owner and worker changes, fee debt and number
 * compaction are in `actor-admin.ts`). Reads go to the chain node; messages go through the
 * messager (`[Messager]` / `[Common.API] Messager`), as every other message of the manager.
 */
import {
  decodeWithdrawBalanceReturn,
  encodeChangeWorkerAddress,
  encodeWithdrawBalance,
  MinerMethod,
  VenusError,
} from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { addressArg, millisecondsArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { registerActorAdminCommands } from './actor-admin.js'
import { registerBeneficiaryCommands } from './actor-beneficiary.js'
import { amountArg, fil, messageOptions, stderrLine } from './actor-common.js'
import { minerContextOf } from './manager-common.js'
import { pushAndWait, pushedBefore } from './messager-send.js'

/**
 * Adds `actor` under `util sealer`.
 *
 * @example
 * ```ts
 * registerActorCommands(util.command('sealer'))
 * ```
 */
export function registerActorCommands(sealer: Command): Command {
  const actor = sealer
    .command('actor')
    .description("the miner actor's funds and addresses")
    .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))

  actor
    .command('balance')
    .description('balance of the miner actor: total, available to withdraw, locked')
    .action(async (_o: unknown, cmd: Command) => {
      const { chain, miner } = await minerContextOf(cmd)
      const [act, available] = await Promise.all([
        chain.stateGetActor(miner),
        chain.stateMinerAvailableBalance(miner),
      ])
      const balance = BigInt(act.Balance)
      const locked = balance - available
      report(cmd, { Miner: miner, Balance: balance, Available: available, Locked: locked }, [
        `Miner: ${miner}`,
        `Balance: ${fil(balance)}`,
        `Available: ${fil(available)}`,
        `Locked (pledge, deposits, vesting, fee debt): ${fil(locked)}`,
      ])
    })

  messageOptions(
    actor
      .command('add-balance')
      .argument('<from>', 'sending address')
      .argument('<amount>', 'FIL amount ("10", "0.5 FIL", "500 milliFIL")')
      .description('send FIL to the miner actor'),
  ).action(async (from: string, amountText: string, o: { exid: string; poll: string }, cmd: Command) => {
    const amount = amountArg(amountText, '<amount>')
    const { miner, messager } = await minerContextOf(cmd)
    const sent = await pushAndWait(
      messager,
      { To: miner, From: from, Value: amount, Method: 0, Params: new Uint8Array(0) },
      {
        label: 'add-balance',
        kind: 'add-balance',
        exid: o.exid,
        pollMs: millisecondsArg('--poll', o.poll),
        log: stderrLine,
      },
    )
    report(cmd, { Miner: miner, From: from, Amount: amount, Uid: sent.uid }, [
      `sent ${fil(amount)} from ${from} to ${miner}`,
    ])
  })

  messageOptions(
    actor
      .command('withdraw')
      .argument('[amount]', 'FIL amount (default: everything available)')
      .addOption(new Option('--confidence <epochs>', 'confirmations to wait for after it lands').default('6'))
      .description("withdraw available funds to the owner (sent from the owner's address)"),
  ).action(
    async (
      amountText: string | undefined,
      o: { exid: string; poll: string; confidence: string },
      cmd: Command,
    ) => {
      const confidence = uintArg(o.confidence, '--confidence')
      const { chain, miner, messager } = await minerContextOf(cmd)
      const requested = amountText === undefined ? undefined : amountArg(amountText, '[amount]')
      const pollMs = millisecondsArg('--poll', o.poll)
      const available = await chain.stateMinerAvailableBalance(miner)
      let amount = requested ?? available
      // A re-run with the same --exid only waits for the message already sent (whose funds are gone).
      const alreadyPushed = await pushedBefore(messager, 'withdraw', o.exid)
      if (!alreadyPushed) {
        if (available === 0n) throw new VenusError('CLI_USAGE', `${miner} has nothing available to withdraw`)
        if (amount > available)
          throw new VenusError(
            'CLI_USAGE',
            `${miner} has ${fil(available)} available, less than the ${fil(amount)} asked for`,
            { details: { available: available.toString(), requested: amount.toString() } },
          )
      } else amount = requested ?? 0n
      const info = await chain.stateMinerInfo(miner)
      const sent = await pushAndWait(
        messager,
        {
          To: miner,
          From: info.Owner,
          Value: 0n,
          Method: MinerMethod.WithdrawBalance,
          Params: encodeWithdrawBalance({ amountRequested: amount }),
        },
        {
          label: 'WithdrawBalance',
          kind: 'withdraw',
          exid: o.exid,
          pollMs,
          log: stderrLine,
          alreadyPushed,
          confidence,
        },
      )
      // The actor returns what it actually moved (it may be less if funds got locked meanwhile).
      const withdrawn = sent.ret.length > 0 ? decodeWithdrawBalanceReturn(sent.ret) : amount
      report(cmd, { Miner: miner, Owner: info.Owner, Withdrawn: withdrawn, Uid: sent.uid }, [
        `withdrew ${fil(withdrawn)} from ${miner} to its owner ${info.Owner}`,
      ])
    },
  )

  const control = actor.command('control').description('owner, worker and control addresses')
  messageOptions(
    control
      .command('set')
      .argument('<addresses...>', 'the new control addresses (replace the current ones; none = pass "none")')
      .option('--really-do-it', 'send the ChangeWorkerAddress message (without it: show the change)', false)
      .description(
        "replace the miner's control addresses (ChangeWorkerAddress from the owner; the worker stays)",
      ),
  ).action(
    async (addresses: string[], o: { reallyDoIt: boolean; exid: string; poll: string }, cmd: Command) => {
      const wanted = addresses.length === 1 && addresses[0] === 'none' ? [] : addresses
      const controls = wanted.map((a) => addressArg(a, '<addresses>'))
      const { chain, miner, messager } = await minerContextOf(cmd)
      const info = await chain.stateMinerInfo(miner)
      const ids = await Promise.all(wanted.map((a) => chain.stateLookupID(a)))
      const before = info.ControlAddresses ?? []
      const plan = [
        `Miner: ${miner}`,
        `Control addresses now: ${before.length ? before.join(', ') : 'none'}`,
        `Control addresses after: ${ids.length ? ids.join(', ') : 'none'}`,
      ]
      if (!o.reallyDoIt) {
        report(cmd, { Miner: miner, Before: before, After: ids, Sent: false }, [
          ...plan,
          'nothing sent; pass --really-do-it to send ChangeWorkerAddress from the owner',
        ])
        return
      }
      const sent = await pushAndWait(
        messager,
        {
          To: miner,
          From: info.Owner,
          Value: 0n,
          Method: MinerMethod.ChangeWorkerAddress,
          Params: encodeChangeWorkerAddress({ newWorker: info.Worker, newControlAddresses: controls }),
        },
        {
          label: 'ChangeWorkerAddress',
          kind: 'control-set',
          exid: o.exid,
          pollMs: millisecondsArg('--poll', o.poll),
          log: stderrLine,
        },
      )
      report(cmd, { Miner: miner, Before: before, After: ids, Sent: true, Uid: sent.uid }, [
        ...plan,
        'control addresses changed on chain',
      ])
    },
  )
  control
    .command('list')
    .option('--verbose', "also show what each address sends, from sector-manager.cfg's senders", false)
    .description('owner, worker, control and beneficiary addresses with their key addresses and balances')
    .action(async (o: { verbose: boolean }, cmd: Command) => {
      const { chain, miner, senders } = await minerContextOf(cmd)
      const info = await chain.stateMinerInfo(miner)
      // A sender that is none of the miner's addresses gets every message refused (exit 18).
      const senderIds = await Promise.all(
        senders.map(async (s) => ({ ...s, id: await chain.stateLookupID(s.address).catch(() => null) })),
      )
      const roles: [string, string][] = [
        ['owner', info.Owner],
        ['worker', info.Worker],
        ...(info.ControlAddresses ?? []).map((a, i): [string, string] => [`control-${i}`, a]),
      ]
      if (info.Beneficiary && info.Beneficiary !== info.Owner) roles.push(['beneficiary', info.Beneficiary])
      const rows = await Promise.all(
        roles.map(async ([role, id]) => {
          // Multisig and other non-account actors have no key address.
          const key = await chain.stateAccountKey(id).catch(() => null)
          const balance = await chain.walletBalance(id)
          return { Role: role, ID: id, Key: key, Balance: balance }
        }),
      )
      const withUse = rows.map((r) => ({
        ...r,
        Use: senderIds.filter((s) => s.id === r.ID).map((s) => s.use),
      }))
      const warnings = senderIds
        .filter((s) => !rows.some((r) => r.ID === s.id))
        .map(
          (s) =>
            `warning: the ${s.use} sender ${s.address} is not the owner, the worker or a control address of ${miner}; its messages will be refused`,
        )
      report(cmd, { Miner: miner, Addresses: withUse, Warnings: warnings }, [
        `Miner: ${miner}`,
        ...withUse.map(
          (r) =>
            `${r.Role}\t${r.ID}\t${r.Key ?? '-'}\t${fil(r.Balance)}${o.verbose ? `\t${r.Use.join(',') || '-'}` : ''}`,
        ),
        ...warnings,
      ])
    })
  registerActorAdminCommands(actor)
  registerBeneficiaryCommands(actor)
  return actor
}
