/**
 * `util sealer snap fetch | candidates | cancel-commit`: the operator's side of snap-up
 * (SnapDeals) in the running daemon — fill the candidate pool of CC sectors from the chain, list
 * it, and cancel a snap-up whose `ProveReplicaUpdates3` was not sent yet.
 */
import type { Command } from 'commander'
import { minerArg, uintArg } from '../../args.js'
import { report } from '../../output.js'

type Call = (cmd: Command) => (method: string, params: unknown[]) => Promise<unknown>

/**
 * Registers the `snap` subcommands under `sealer`.
 *
 * @example
 * ```ts
 * registerSnapCommands(sealer, (cmd) => daemonCall(String(cmd.optsWithGlobals().listen), homeOf(cmd)))
 * ```
 */
export function registerSnapCommands(sealer: Command, call: Call): void {
  const snap = sealer.command('snap').description('snap-up (SnapDeals): CC sectors upgraded with deal data')
  snap
    .command('fetch')
    .argument('<miner>', 'miner actor id')
    .argument('[deadline]', 'only the sectors of this deadline index')
    .description("read the miner's CC sectors from the chain into the candidate pool")
    .action(async (m: string, dl: string | undefined, _o: unknown, cmd: Command) => {
      const miner = minerArg(m, 'miner')
      const deadline = dl === undefined ? null : uintArg(dl, 'deadline')
      const got = (await call(cmd)('Venus.SnapUpPreFetch', [miner, deadline])) as {
        Total: number
        Diff: number
      }
      report(cmd, got, [`${got.Diff} new candidates, ${got.Total} in the pool of miner ${miner}`])
    })
  snap
    .command('candidates')
    .argument('<miner>', 'miner actor id')
    .description('the CC sectors in the candidate pool, by deadline')
    .action(async (m: string, _o: unknown, cmd: Command) => {
      const miner = minerArg(m, 'miner')
      const list = (await call(cmd)('Venus.SnapUpCandidates', [miner])) as {
        Number: number
        Deadline: number
        Partition: number
        Expiration: number
      }[]
      const byDeadline = new Map<number, number[]>()
      for (const c of list) byDeadline.set(c.Deadline, [...(byDeadline.get(c.Deadline) ?? []), c.Number])
      const lines = [...byDeadline.entries()]
        .sort(([a], [b]) => a - b)
        .map(([d, ns]) => `deadline ${d}: ${ns.length} sectors (${ns.join(', ')})`)
      report(
        cmd,
        list,
        lines.length ? lines : [`no candidates for miner ${miner}; run: util sealer snap fetch ${miner}`],
      )
    })
  snap
    .command('cancel-commit')
    .argument('<miner>')
    .argument('<number>')
    .description('cancel a snap-up not yet sent on chain (its deals go back to the market)')
    .action(async (m: string, n: string, _o: unknown, cmd: Command) => {
      const id = { Miner: minerArg(m, 'miner'), Number: uintArg(n, 'number') }
      await call(cmd)('Venus.SnapUpCancelCommitment', [id])
      report(cmd, { cancelled: id }, [`snap-up of m-${id.Miner}-n-${id.Number} cancelled`])
    })
}
