/**
 * `venus-sector-manager util sealer sectors finalize | resend-pre | resend-prove | find-deal`:
 * repairs of one sector through the running daemon. The daemon checks the records, the messager
 * and the chain and answers with its plan; without `--really-do-it` the plan is shown and nothing
 * changes.
 */
import { VenusError } from '@venus-cluster/core'
import type { WireDealSector, WireSectorActionPlan } from '@venus-cluster/manager'
import type { Command } from 'commander'
import { minerArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import type { DaemonCall } from './manager-common.js'

const key = (id: { Miner: number; Number: number }) => `m-${id.Miner}-n-${id.Number}`

/** The lines of a sector repair's plan. */
export function planLines(p: WireSectorActionPlan, really: boolean): string[] {
  const c = p.Chain
  const m = p.Message
  const lines = [
    `Sector: ${key(p.Sector)} (${p.State ?? 'no record'})`,
    `On chain: ${c.Activation !== null ? `proven at epoch ${c.Activation}, expires ${c.Expiration}` : c.PreCommitEpoch !== null ? `precommitted at epoch ${c.PreCommitEpoch}` : 'nothing'}`,
    ...(m === null
      ? []
      : [
          `Message: ${m.Uid}: ${m.State}${m.ExitCode !== null ? ` (exit ${m.ExitCode})` : ''}${m.Error ? ` ${m.Error}` : ''}`,
        ]),
    ...(p.Reservation === null
      ? []
      : [`Store space: ${p.Reservation.Size} bytes reserved in ${p.Reservation.Store}`]),
    ...p.Steps.map((s) => `Would: ${s}`),
    ...p.Refusals.map((r) => `Refused: ${r}`),
  ]
  if (p.Refusals.length > 0) return lines
  if (!really) return [...lines, 'nothing done; pass --really-do-it to do it']
  if (p.Result !== null && !p.Applied)
    return [...lines, `the manager refused: ${p.Result.Desc ?? `result ${p.Result.Res}`}`]
  return [...lines, 'done']
}

/** Reports a plan; a refused one (or a refused resubmission) exits non-zero with its reasons. */
function reportPlan(cmd: Command, p: WireSectorActionPlan, really: boolean): void {
  const lines = planLines(p, really)
  if (p.Refusals.length > 0 || (really && !p.Applied))
    throw new VenusError('SECTOR_STATE_INVALID', lines.join('\n'), { details: { plan: p } })
  report(cmd, p, lines)
}

/**
 * Adds the repair commands under `sectors`; `call` reaches the daemon of a command.
 *
 * @example
 * ```ts
 * registerRepairCommands(sealer.command('sectors'), (cmd) => daemonCall('127.0.0.1:1789'))
 * ```
 */
export function registerRepairCommands(sectors: Command, call: (cmd: Command) => DaemonCall): void {
  const id = (m: string, n: string) => ({ Miner: minerArg(m, '<miner>'), Number: uintArg(n, '<number>') })
  sectors
    .command('finalize')
    .argument('<miner>')
    .argument('<number>')
    .option('--really-do-it', 'move the record offline (without it: show the plan)', false)
    .description(
      'mark a sector proven on chain as finalized when its worker never reported it, and release its store space (no message is sent)',
    )
    .action(async (m: string, n: string, o: { reallyDoIt: boolean }, cmd: Command) => {
      const p = (await call(cmd)('Venus.SectorFinalize', [id(m, n), o.reallyDoIt])) as WireSectorActionPlan
      reportPlan(cmd, p, o.reallyDoIt)
    })
  for (const [name, method, what] of [
    ['resend-pre', 'Venus.SectorResendPreCommit', 'precommit'],
    ['resend-prove', 'Venus.SectorResendProof', 'prove-commit'],
  ] as const) {
    sectors
      .command(name)
      .argument('<miner>')
      .argument('<number>')
      .option('--really-do-it', `queue the ${what} again (without it: show the plan)`, false)
      .option('--force', 'resend even while the last message may still land (it may pay twice)', false)
      .description(`send a sector's ${what} again, after its message was lost or failed`)
      .action(async (m: string, n: string, o: { reallyDoIt: boolean; force: boolean }, cmd: Command) => {
        const p = (await call(cmd)(method, [id(m, n), o.reallyDoIt, o.force])) as WireSectorActionPlan
        reportPlan(cmd, p, o.reallyDoIt)
      })
  }
  sectors
    .command('find-deal')
    .argument('<deal>', 'deal id')
    .description('which sector carries a deal')
    .action(async (d: string, _o: unknown, cmd: Command) => {
      const deal = uintArg(d, '<deal>')
      if (deal === 0) throw new VenusError('CLI_USAGE', '<deal> 0 is a filler piece, not a deal')
      const found = (await call(cmd)('Venus.FindSectorsWithDeal', [deal])) as WireDealSector[]
      if (found.length === 0)
        throw new VenusError('NOT_FOUND', `no sector of this manager carries deal ${deal}`, {
          details: { deal },
        })
      report(
        cmd,
        found,
        found.map(
          (f) =>
            `deal ${deal}: ${key(f.Sector)} (${f.Online ? 'being sealed' : 'offline'}, ${f.State}), piece ${f.PieceCID['/']} of ${f.PieceSize} bytes`,
        ),
      )
    })
}
