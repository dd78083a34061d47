/**
 * `venus-sector-manager util sealer actor set-owner | propose-change-worker |
 * confirm-change-worker | repay-debt | compact-allocated`: the rarer changes to a miner actor,
 * each checked against the chain before anything is sent, and sent only with `--really-do-it`
 * where lotus-miner asks for it too.
 */
import {
  type ChainClient,
  encodeBitfieldRuns,
  encodeChangeOwnerAddress,
  encodeChangeWorkerAddress,
  encodeCompactSectorNumbers,
  type LotusMinerInfo,
  MinerMethod,
  VenusError,
} from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { addressArg, millisecondsArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { amountArg, fil, messageOptions, stderrLine } from './actor-common.js'
import { type MinerContext, minerContextOf } from './manager-common.js'
import { type CliMessage, pushAndWait } from './messager-send.js'

/** Options of a command that sends (see {@link really}). */
export interface SendOptions {
  reallyDoIt: boolean
  exid: string
  poll: string
}

const NO_WORKER_CHANGE = '<empty>'

/**
 * The actor id address of `address`, or a usage error naming the argument. The syntax is
 * checked before anything is asked of the chain, so a typo sends no request at all.
 */
export async function idOf(chain: ChainClient, address: string, what: string): Promise<string> {
  try {
    return await chain.stateLookupID(address)
  } catch (err) {
    throw new VenusError('CLI_USAGE', `${what}: ${address} has no actor on chain`, { cause: err })
  }
}

/**
 * Shows `plan` and stops without `--really-do-it`; otherwise sends `msg` and waits for it.
 * Returns the message uid, or null when nothing was sent.
 */
export async function sendIfReally(
  cmd: Command,
  ctx: MinerContext,
  o: SendOptions,
  plan: { lines: string[]; json: Record<string, unknown> },
  msg: CliMessage,
  what: { label: string; kind: string },
): Promise<string | null> {
  if (!o.reallyDoIt) {
    report(cmd, { ...plan.json, Sent: false }, [
      ...plan.lines,
      `nothing sent; pass --really-do-it to send ${what.label} from ${msg.From}`,
    ])
    return null
  }
  const sent = await pushAndWait(ctx.messager, msg, {
    ...what,
    exid: o.exid,
    pollMs: millisecondsArg('--poll', o.poll),
    log: stderrLine,
  })
  return sent.uid
}

/** Adds `--really-do-it`, `--exid` and `--poll` to a command that sends `what`. */
export const really = (c: Command, what: string) =>
  messageOptions(
    c.option('--really-do-it', `send the ${what} message (without it: show what it would do)`, false),
  )

const controlsOf = (info: LotusMinerInfo) => info.ControlAddresses ?? []

/**
 * Adds the owner, worker, fee-debt and number-compaction commands under `actor`.
 *
 * @example
 * ```ts
 * registerActorAdminCommands(sealer.command('actor'))
 * ```
 */
export function registerActorAdminCommands(actor: Command): void {
  really(
    actor
      .command('set-owner')
      .argument('<new-owner>', 'the address that becomes the owner')
      .argument('<sender>', 'the current owner (to propose) or the new owner (to accept)')
      .description(
        'change the owner in two steps: the owner proposes, then the new owner accepts (ChangeOwnerAddress)',
      ),
    'ChangeOwnerAddress',
  ).action(async (newOwner: string, sender: string, o: SendOptions, cmd: Command) => {
    addressArg(newOwner, '<new-owner>')
    addressArg(sender, '<sender>')
    const ctx = await minerContextOf(cmd)
    const { chain, miner } = ctx
    const [newId, senderId, info] = await Promise.all([
      idOf(chain, newOwner, '<new-owner>'),
      idOf(chain, sender, '<sender>'),
      chain.stateMinerInfo(miner),
    ])
    const pending = info.PendingOwnerAddress
    let step: 'propose' | 'revoke' | 'accept'
    if (senderId === info.Owner) {
      if (newId === info.Owner && pending === null)
        throw new VenusError('CLI_USAGE', `${newOwner} is already the owner of ${miner}`)
      step = newId === info.Owner ? 'revoke' : 'propose'
    } else if (pending !== null && senderId === pending) {
      if (newId !== pending)
        throw new VenusError(
          'CLI_USAGE',
          `${miner} has ${pending} proposed as owner; <new-owner> must be it, got ${newOwner}`,
        )
      step = 'accept'
    } else
      throw new VenusError(
        'CLI_USAGE',
        `<sender> ${sender} is neither the owner (${info.Owner}) nor the proposed owner (${pending ?? 'none'}) of ${miner}`,
      )
    const lines = [
      `Miner: ${miner}`,
      `Owner now: ${info.Owner}`,
      step === 'propose'
        ? `Proposes ${newId} as owner (it must then accept with: set-owner --really-do-it ${newId} ${newId})`
        : step === 'revoke'
          ? `Revokes the proposal of ${pending} as owner`
          : `Accepts the owner role for ${newId}`,
    ]
    const uid = await sendIfReally(
      cmd,
      ctx,
      o,
      { lines, json: { Miner: miner, Owner: info.Owner, NewOwner: newId, Step: step } },
      {
        To: miner,
        From: sender,
        Value: 0n,
        Method: MinerMethod.ChangeOwnerAddress,
        Params: encodeChangeOwnerAddress(newId),
      },
      { label: 'ChangeOwnerAddress', kind: 'set-owner' },
    )
    if (uid === null) return
    const after = await chain.stateMinerInfo(miner)
    report(
      cmd,
      { Miner: miner, Owner: after.Owner, PendingOwner: after.PendingOwnerAddress, Step: step, Uid: uid },
      [
        ...lines,
        step === 'accept'
          ? `the owner of ${miner} is now ${after.Owner}`
          : step === 'revoke'
            ? 'the proposal is revoked'
            : `${after.PendingOwnerAddress} is proposed; it becomes the owner when it accepts`,
      ],
    )
  })

  really(
    actor
      .command('propose-change-worker')
      .argument('<address>', 'the new worker (a BLS address)')
      .description(
        'propose a new worker; it can be confirmed after the worker key change delay (ChangeWorkerAddress)',
      ),
    'ChangeWorkerAddress',
  ).action(async (address: string, o: SendOptions, cmd: Command) => {
    addressArg(address, '<address>')
    const ctx = await minerContextOf(cmd)
    const { chain, miner } = ctx
    const [newId, info] = await Promise.all([idOf(chain, address, '<address>'), chain.stateMinerInfo(miner)])
    if (newId === info.Worker)
      throw new VenusError('CLI_USAGE', `${address} is already the worker of ${miner}`)
    if (info.NewWorker !== NO_WORKER_CHANGE)
      throw new VenusError(
        'CLI_USAGE',
        info.NewWorker === newId
          ? `the change to ${newId} is already proposed; confirm it from epoch ${info.WorkerChangeEpoch} with confirm-change-worker`
          : `a change to ${info.NewWorker} is pending (from epoch ${info.WorkerChangeEpoch}); confirm it first`,
        { details: { newWorker: info.NewWorker, workerChangeEpoch: info.WorkerChangeEpoch } },
      )
    // The actor takes only BLS workers; saying so here beats an exit code after the fee is spent.
    const key = await chain.stateAccountKey(newId).catch(() => null)
    if (key === null || !/^[ft]3/.test(key))
      throw new VenusError(
        'CLI_USAGE',
        `<address>: the worker must be a BLS account (f3…/t3…), ${address} is not`,
      )
    const lines = [`Miner: ${miner}`, `Worker now: ${info.Worker}`, `Proposed worker: ${newId} (${key})`]
    const uid = await sendIfReally(
      cmd,
      ctx,
      o,
      { lines, json: { Miner: miner, Worker: info.Worker, NewWorker: newId } },
      {
        To: miner,
        From: info.Owner,
        Value: 0n,
        Method: MinerMethod.ChangeWorkerAddress,
        // The control addresses go along unchanged.
        Params: encodeChangeWorkerAddress({ newWorker: newId, newControlAddresses: controlsOf(info) }),
      },
      { label: 'ChangeWorkerAddress', kind: 'propose-worker' },
    )
    if (uid === null) return
    const after = await chain.stateMinerInfo(miner)
    report(
      cmd,
      { Miner: miner, NewWorker: after.NewWorker, WorkerChangeEpoch: after.WorkerChangeEpoch, Uid: uid },
      [
        ...lines,
        `proposed; confirm from epoch ${after.WorkerChangeEpoch} with: confirm-change-worker --really-do-it ${newId}`,
      ],
    )
  })

  really(
    actor
      .command('confirm-change-worker')
      .argument('<address>', 'the proposed worker')
      .description('put the proposed worker in place once its epoch has come (ConfirmChangeWorkerAddress)'),
    'ConfirmChangeWorkerAddress',
  ).action(async (address: string, o: SendOptions, cmd: Command) => {
    addressArg(address, '<address>')
    const ctx = await minerContextOf(cmd)
    const { chain, miner } = ctx
    const [newId, info, head] = await Promise.all([
      idOf(chain, address, '<address>'),
      chain.stateMinerInfo(miner),
      chain.chainHead(),
    ])
    if (info.NewWorker === NO_WORKER_CHANGE)
      throw new VenusError('CLI_USAGE', `${miner} has no worker change proposed`)
    if (info.NewWorker !== newId)
      throw new VenusError(
        'CLI_USAGE',
        `the proposed worker of ${miner} is ${info.NewWorker}, not ${address}`,
      )
    if (head.Height < info.WorkerChangeEpoch)
      throw new VenusError(
        'CLI_USAGE',
        `the change can be confirmed from epoch ${info.WorkerChangeEpoch}; the head is at ${head.Height} (${info.WorkerChangeEpoch - head.Height} epochs to go)`,
        { details: { workerChangeEpoch: info.WorkerChangeEpoch, head: head.Height } },
      )
    const lines = [`Miner: ${miner}`, `Worker now: ${info.Worker}`, `New worker: ${newId}`]
    const uid = await sendIfReally(
      cmd,
      ctx,
      o,
      { lines, json: { Miner: miner, Worker: info.Worker, NewWorker: newId } },
      {
        To: miner,
        From: info.Owner,
        Value: 0n,
        Method: MinerMethod.ConfirmChangeWorkerAddress,
        Params: new Uint8Array(0),
      },
      { label: 'ConfirmChangeWorkerAddress', kind: 'confirm-worker' },
    )
    if (uid === null) return
    const after = await chain.stateMinerInfo(miner)
    if (after.Worker !== newId)
      throw new VenusError(
        'MESSAGE_FAILED',
        `ConfirmChangeWorkerAddress landed but the worker of ${miner} is still ${after.Worker}`,
      )
    report(cmd, { Miner: miner, Worker: after.Worker, Uid: uid }, [
      ...lines,
      `the worker of ${miner} is now ${after.Worker}`,
      'update the Sender settings in sector-manager.cfg that name the old worker',
    ])
  })

  messageOptions(
    actor
      .command('repay-debt')
      .argument('[amount]', 'FIL to send (default: the whole fee debt)')
      .addOption(
        new Option(
          '--from <address>',
          'sender: the owner, the worker or a control address (default: worker)',
        ),
      )
      .description("pay the miner's fee debt (RepayDebt)"),
  ).action(
    async (
      amountText: string | undefined,
      o: { from?: string; exid: string; poll: string },
      cmd: Command,
    ) => {
      const ctx = await minerContextOf(cmd)
      const { chain, miner } = ctx
      const [state, info] = await Promise.all([chain.stateReadState(miner), chain.stateMinerInfo(miner)])
      const debtText = state.State.FeeDebt
      if (typeof debtText !== 'string' || !/^\d+$/.test(debtText))
        throw new VenusError('CHAIN_ERROR', `StateReadState of ${miner} has no FeeDebt`, {
          details: { state: state.State },
        })
      const debt = BigInt(debtText)
      const amount = amountText === undefined ? debt : amountArg(amountText, '[amount]')
      if (amount === 0n) throw new VenusError('CLI_USAGE', `${miner} has no fee debt`)
      const from = o.from === undefined ? info.Worker : addressArg(o.from, '--from')
      const fromId = await idOf(chain, from, '--from')
      if (![info.Owner, info.Worker, ...controlsOf(info)].includes(fromId))
        throw new VenusError(
          'CLI_USAGE',
          `--from ${from} is not the owner, the worker or a control address of ${miner}`,
        )
      const sent = await pushAndWait(
        ctx.messager,
        { To: miner, From: from, Value: amount, Method: MinerMethod.RepayDebt, Params: new Uint8Array(0) },
        {
          label: 'RepayDebt',
          kind: 'repay-debt',
          exid: o.exid,
          pollMs: millisecondsArg('--poll', o.poll),
          log: stderrLine,
        },
      )
      const left = BigInt(String((await chain.stateReadState(miner)).State.FeeDebt ?? '0'))
      report(
        cmd,
        { Miner: miner, From: from, Amount: amount, FeeDebtBefore: debt, FeeDebt: left, Uid: sent.uid },
        [
          `sent ${fil(amount)} from ${from} to repay the fee debt of ${miner} (${fil(debt)})`,
          `fee debt now: ${fil(left)}`,
        ],
      )
    },
  )

  really(
    actor
      .command('compact-allocated')
      .addOption(
        new Option('--mask-last-offset <n>', 'mask every number up to the highest allocated one minus n'),
      )
      .addOption(new Option('--mask-upto-n <n>', 'mask the numbers 0 … n-1'))
      .description('mark sector numbers allocated on chain so they are never used (CompactSectorNumbers)'),
    'CompactSectorNumbers',
  ).action(async (o: SendOptions & { maskLastOffset?: string; maskUptoN?: string }, cmd: Command) => {
    if ((o.maskLastOffset === undefined) === (o.maskUptoN === undefined))
      throw new VenusError('CLI_USAGE', 'give exactly one of --mask-last-offset and --mask-upto-n')
    const flag = o.maskLastOffset !== undefined ? '--mask-last-offset' : '--mask-upto-n'
    const n = uintArg(o.maskLastOffset ?? o.maskUptoN ?? '', flag)
    const ctx = await minerContextOf(cmd)
    const { chain, miner } = ctx
    const [runs, info] = await Promise.all([chain.stateMinerAllocated(miner), chain.stateMinerInfo(miner)])
    let end = 0
    let highest = -1
    ;(runs ?? []).forEach((len, i) => {
      end += len
      if (i % 2 === 1 && len > 0) highest = end - 1
    })
    let count: number
    if (o.maskLastOffset !== undefined) {
      if (highest < 0) throw new VenusError('CLI_USAGE', `${miner} has no sector numbers allocated yet`)
      if (highest <= n + 1)
        throw new VenusError(
          'CLI_USAGE',
          `the highest allocated sector number (${highest}) is not above the mask offset ${n + 1}`,
        )
      count = highest - n
    } else {
      if (n === 0) throw new VenusError('CLI_USAGE', '--mask-upto-n must be more than 0')
      count = n
    }
    // Counted on the runs: a miner may have millions of numbers allocated.
    let allocatedBelow = 0
    let pos = 0
    ;(runs ?? []).forEach((len, i) => {
      if (i % 2 === 1) allocatedBelow += Math.max(0, Math.min(pos + len, count) - pos)
      pos += len
    })
    const lines = [
      `Miner: ${miner}`,
      `Highest allocated sector number: ${highest < 0 ? 'none' : highest}`,
      `Masks sector numbers 0 … ${count - 1} (${count - allocatedBelow} not allocated yet)`,
    ]
    const uid = await sendIfReally(
      cmd,
      ctx,
      o,
      { lines, json: { Miner: miner, MaskFrom: 0, MaskTo: count - 1, Highest: highest } },
      {
        To: miner,
        From: info.Worker,
        Value: 0n,
        Method: MinerMethod.CompactSectorNumbers,
        Params: encodeCompactSectorNumbers({ maskSectorNumbers: encodeBitfieldRuns([0, count]) }),
      },
      { label: 'CompactSectorNumbers', kind: 'compact-allocated' },
    )
    if (uid === null) return
    report(cmd, { Miner: miner, MaskFrom: 0, MaskTo: count - 1, Highest: highest, Sent: true, Uid: uid }, [
      ...lines,
      `sector numbers 0 … ${count - 1} are now allocated on chain`,
    ])
  })
}
