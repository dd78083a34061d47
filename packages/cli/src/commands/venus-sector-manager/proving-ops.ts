/**
 * `venus-sector-manager util sealer proving recover-faults | compact-partitions | run-wdpost |
 * leases`: the WindowPoSt operations an operator runs by hand — declare a deadline's faulty
 * sectors recovered, compact its partitions, prove one deadline now through the running daemon,
 * and see who holds which deadline lease.
 */
import {
  encodeCompactPartitions,
  encodeDeclareFaultsRecovered,
  type LotusDeadlineInfo,
  MinerMethod,
  runsToNumbers,
  VenusError,
} from '@venus-cluster/core'
import type { Command } from 'commander'
import { millisecondsArg } from '../../args.js'
import { report } from '../../output.js'
import { messageOptions, stderrLine } from './actor-common.js'
import { daemonCall, homeOf, type MinerContext, minerContextOf } from './manager-common.js'
import { pushAndWait } from './messager-send.js'

function deadlineArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) >= 48)
    throw new VenusError('CLI_USAGE', `--deadline: a deadline index in [0, 48), got ${JSON.stringify(v)}`)
  return Number(v)
}

function partitionsArg(v: string): number[] {
  const list = v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
  if (list.length === 0 || list.some((x) => !/^\d+$/.test(x) || Number(x) > 3000))
    throw new VenusError(
      'CLI_USAGE',
      `--partitions: a comma-separated list of partition indexes, got ${JSON.stringify(v)}`,
    )
  return [...new Set(list.map(Number))].sort((a, b) => a - b)
}

/**
 * The daemon these commands talk to: `--listen` of `util sealer` (one option for every command
 * under it; a second `--listen` on a subcommand would never see the value, as the parent's
 * option takes it).
 */
function daemonOf(cmd: Command) {
  return daemonCall(String(cmd.optsWithGlobals().listen ?? '127.0.0.1:1789'), homeOf(cmd))
}

interface SendOpts {
  reallyDoIt: boolean
  exid: string
  poll: string
  from?: string
}

/** The open epoch of the next occurrence of deadline `index` whose window has not closed. */
function nextWindowOpen(di: LotusDeadlineInfo, index: number): number {
  const open = di.PeriodStart + index * di.WPoStChallengeWindow
  return open + di.WPoStChallengeWindow <= di.CurrentEpoch ? open + di.WPoStProvingPeriod : open
}

/** Sends one message to the miner (from `--from`, else its worker) and waits for it to land. */
async function sendToMiner(
  ctx: MinerContext,
  o: SendOpts,
  msg: { method: number; params: Uint8Array; label: string; kind: string },
): Promise<{ uid: string }> {
  const from = o.from ?? (await ctx.chain.stateMinerInfo(ctx.miner)).Worker
  return pushAndWait(
    ctx.messager,
    { To: ctx.miner, From: from, Value: 0n, Method: msg.method, Params: msg.params },
    {
      label: msg.label,
      kind: msg.kind,
      exid: o.exid,
      pollMs: millisecondsArg('--poll', o.poll),
      log: stderrLine,
    },
  )
}

/**
 * Adds the WindowPoSt operations under `proving`.
 *
 * @example
 * ```ts
 * registerProvingOpsCommands(registerProvingCommands(sealer))
 * ```
 */
export function registerProvingOpsCommands(proving: Command): Command {
  messageOptions(
    proving
      .command('recover-faults')
      .requiredOption(
        '--deadline <index>',
        'deadline whose faulty sectors are declared recovered',
        deadlineArg,
      )
      .option('--from <address>', 'sender (default: the miner worker)')
      .option('--really-do-it', 'send DeclareFaultsRecovered (without it: show what it would declare)', false)
      .description(
        "declare every faulty (and not yet recovering) sector of a deadline recovered, so the deadline's next proof proves them again; refused after the deadline's fault cutoff",
      ),
  ).action(async (o: SendOpts & { deadline: number }, cmd: Command) => {
    const ctx = await minerContextOf(cmd)
    const { chain, miner } = ctx
    const di = await chain.stateMinerProvingDeadline(miner)
    // The next occurrence of the deadline that has not closed, and its fault cutoff.
    const open = nextWindowOpen(di, o.deadline)
    const cutoff = open - di.FaultDeclarationCutoff
    const parts = await chain.stateMinerPartitions(miner, o.deadline)
    const entries = parts
      .map((p, partition) => {
        const recovering = new Set(runsToNumbers(p.RecoveringSectors))
        return {
          deadline: o.deadline,
          partition,
          sectors: runsToNumbers(p.FaultySectors).filter((s) => !recovering.has(s)),
        }
      })
      .filter((e) => e.sectors.length > 0)
    const count = entries.reduce((n, e) => n + e.sectors.length, 0)
    const lines = [
      `Deadline ${o.deadline} (opens at ${open}, fault cutoff ${cutoff}, now ${di.CurrentEpoch}): ${count} faulty sector(s) to declare recovered`,
      ...entries.map((e) => `  partition ${e.partition}: ${e.sectors.join(' ')}`),
    ]
    if (count === 0) {
      report(cmd, { Deadline: o.deadline, Sectors: 0, Sent: false }, [...lines, 'nothing to declare'])
      return
    }
    if (di.CurrentEpoch + 1 >= cutoff)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `deadline ${o.deadline}: its fault cutoff (epoch ${cutoff}) has passed or is next; declare after its window at ${open} closes`,
      )
    if (!o.reallyDoIt) {
      report(cmd, { Deadline: o.deadline, Entries: entries, Sent: false }, [
        ...lines,
        'nothing sent; pass --really-do-it to send DeclareFaultsRecovered',
      ])
      return
    }
    const sent = await sendToMiner(ctx, o, {
      method: MinerMethod.DeclareFaultsRecovered,
      params: encodeDeclareFaultsRecovered({ entries }),
      label: 'DeclareFaultsRecovered',
      kind: 'recover-faults',
    })
    report(cmd, { Deadline: o.deadline, Entries: entries, Sent: true, Uid: sent.uid }, [
      ...lines,
      `DeclareFaultsRecovered ${sent.uid} landed`,
    ])
  })

  messageOptions(
    proving
      .command('compact-partitions')
      .requiredOption('--deadline <index>', 'deadline whose partitions are compacted', deadlineArg)
      .requiredOption('--partitions <list>', 'partition indexes, comma separated (e.g. 0,1,2)', partitionsArg)
      .option('--from <address>', 'sender (default: the miner worker)')
      .option('--really-do-it', 'send CompactPartitions (without it: show what it would do)', false)
      .description(
        'remove terminated sectors from partitions of a deadline and pack the live ones into fewer partitions (CompactPartitions); refused while the deadline is open or opens next',
      ),
  ).action(async (o: SendOpts & { deadline: number; partitions: number[] }, cmd: Command) => {
    const ctx = await minerContextOf(cmd)
    const { chain, miner } = ctx
    const di = await chain.stateMinerProvingDeadline(miner)
    const parts = await chain.stateMinerPartitions(miner, o.deadline)
    for (const p of o.partitions)
      if (p >= parts.length)
        throw new VenusError(
          'CLI_USAGE',
          `--partitions: deadline ${o.deadline} has ${parts.length} partition(s); there is no partition ${p}`,
        )
    const open = nextWindowOpen(di, o.deadline)
    if (open - di.WPoStChallengeWindow <= di.CurrentEpoch + 1)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `deadline ${o.deadline} opens at ${open}: it cannot be compacted during its challenge window or the one before it; try after epoch ${open + di.WPoStChallengeWindow}`,
      )
    const live = o.partitions.reduce((n, p) => n + runsToNumbers(parts[p]?.LiveSectors).length, 0)
    const all = o.partitions.reduce((n, p) => n + runsToNumbers(parts[p]?.AllSectors).length, 0)
    const lines = [
      `Deadline ${o.deadline}, partitions ${o.partitions.join(',')}: ${all} sector(s), ${live} live; terminated ones are dropped`,
    ]
    if (!o.reallyDoIt) {
      report(cmd, { Deadline: o.deadline, Partitions: o.partitions, Sent: false }, [
        ...lines,
        'nothing sent; pass --really-do-it to send CompactPartitions',
      ])
      return
    }
    const sent = await sendToMiner(ctx, o, {
      method: MinerMethod.CompactPartitions,
      params: encodeCompactPartitions({ deadline: o.deadline, partitions: o.partitions }),
      label: 'CompactPartitions',
      kind: 'compact-partitions',
    })
    const after = await chain.stateMinerPartitions(miner, o.deadline)
    report(
      cmd,
      {
        Deadline: o.deadline,
        Partitions: o.partitions,
        Sent: true,
        Uid: sent.uid,
        PartitionsAfter: after.length,
      },
      [
        ...lines,
        `CompactPartitions ${sent.uid} landed; deadline ${o.deadline} now has ${after.length} partition(s)`,
      ],
    )
  })

  proving
    .command('run-wdpost')
    .requiredOption('--deadline <index>', 'deadline to prove now', deadlineArg)
    .description(
      'prove one deadline now through the running daemon (--poster): when it is the open deadline or the next one, a failed, missed or elsewhere-held job starts again under a fresh lease and its proof is submitted',
    )
    .action(async (o: { deadline: number }, cmd: Command) => {
      const ctx = await minerContextOf(cmd)
      const r = (await daemonOf(cmd)('Venus.PoStProveDeadline', [ctx.actor, o.deadline])) as {
        Deadline: number
        Open: number
        State: string
      }
      report(cmd, r, [`${ctx.miner} deadline ${r.Deadline} (open ${r.Open}): ${r.State}`])
    })

  proving
    .command('leases')
    .option('--all-miners', 'every miner, not only --miner', false)
    .description(
      'deadline leases: which manager proves (or proved) each deadline, its fencing token, and takeovers',
    )
    .action(async (o: { allMiners: boolean }, cmd: Command) => {
      const ctx = o.allMiners ? undefined : await minerContextOf(cmd)
      const rows = (await daemonOf(cmd)('Venus.PoStLeases', [ctx?.actor ?? null])) as {
        Miner: number
        Deadline: number
        Open: number
        Holder: string
        Token: number
        ExpiresAt: number
        Released: boolean
        Takeovers: number
      }[]
      const now = Date.now()
      report(cmd, rows, [
        'miner     deadline  open      token  state     takeovers  holder',
        ...rows.map(
          (l) =>
            `${`t0${l.Miner}`.padEnd(9)} ${String(l.Deadline).padEnd(9)} ${String(l.Open).padEnd(9)} ${String(l.Token).padEnd(6)} ${(l.Released ? 'released' : l.ExpiresAt > now ? 'held' : 'expired').padEnd(9)} ${String(l.Takeovers).padEnd(10)} ${l.Holder}`,
        ),
      ])
    })
  return proving
}
