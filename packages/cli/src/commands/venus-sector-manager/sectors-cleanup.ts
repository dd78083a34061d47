/**
 * `venus-sector-manager util sealer sectors state | remove | expired`: one sector's record, and
 * reclaiming disk from sectors that are gone from chain (expired, terminated, never committed).
 * Records come from the running daemon; what is on chain comes from the chain node.
 */
import { runsToNumbers, VenusError } from '@venus-cluster/core'
import type { WireSectorState } from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { minerArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import type { DaemonCall } from './manager-common.js'
import { daemonSectorPages, minerContextOf, minerPartitions } from './manager-common.js'

/** WinningPoStSectorSetLookback: the chain state `expired` judges by, unless told an epoch. */
const WINNING_POST_LOOKBACK = 10

const key = (id: { Miner: number; Number: number }) => `m-${id.Miner}-n-${id.Number}`

function idArgs(miner: string, number: string): { Miner: number; Number: number } {
  return { Miner: minerArg(miner, '<miner>'), Number: uintArg(number, '<number>') }
}

/** The lines `sectors state` prints for a record. */
function stateLines(s: WireSectorState, online: boolean): string[] {
  const l = s.LatestState
  return [
    `${key(s.ID)} (${online ? 'online: being sealed' : 'offline'})`,
    `SectorType: ${s.SectorType}`,
    `Deals: ${
      (s.Deals ?? [])
        .filter((d) => d.ID !== 0)
        .map((d) => d.ID)
        .join(', ') || 'none'
    }`,
    `Ticket: ${s.Ticket ? `epoch ${s.Ticket.Epoch}` : '-'}`,
    `Seed: ${s.Seed ? `epoch ${s.Seed.Epoch}` : '-'}`,
    `CommR: ${s.Pre?.CommR['/'] ?? '-'}`,
    `PreCommit message: ${s.MessageInfo.PreCommitCid?.['/'] ?? '-'}`,
    `ProveCommit message: ${s.MessageInfo.CommitCid?.['/'] ?? '-'}`,
    `Latest report: ${l ? `${l.Worker.Instance} @ ${l.Worker.Location}: ${l.StateChange.Prev} => ${l.StateChange.Next}${l.Failure ? ` (${l.Failure.Level}: ${l.Failure.Desc})` : ''}` : '-'}`,
    `Finalized: ${s.Finalized}  Removed: ${s.Removed === true}`,
    ...(s.AbortReason ? [`Aborted: ${s.AbortReason}`] : []),
    ...(s.TerminateInfo
      ? [
          `Termination: ${s.TerminateInfo.TerminatedAt > 0 ? `landed at ${s.TerminateInfo.TerminatedAt}` : s.TerminateInfo.TerminateCid ? `sent (${s.TerminateInfo.TerminateCid['/']})` : 'queued'}`,
        ]
      : []),
  ]
}

/**
 * Adds `state`, `remove` and `expired` under `sectors`; `call` reaches the daemon of a command.
 *
 * @example
 * ```ts
 * registerCleanupCommands(sealer.command('sectors'), (cmd) => daemonCall('127.0.0.1:1789'))
 * ```
 */
export function registerCleanupCommands(sectors: Command, call: (cmd: Command) => DaemonCall): void {
  sectors
    .command('state')
    .argument('<miner>')
    .argument('<number>')
    .option('--offline', 'look at finalized/aborted records only', false)
    .description("one sector's record: ticket, seed, messages, the last worker report, removal")
    .action(async (m: string, n: string, o: { offline: boolean }, cmd: Command) => {
      const id = idArgs(m, n)
      const find = (which: 'online' | 'offline') =>
        call(cmd)('Venus.FindSector', [which, id]) as Promise<WireSectorState | null>
      const online = o.offline ? null : await find('online')
      const state = online ?? (await find('offline'))
      if (state === null)
        throw new VenusError(
          'SECTOR_NOT_FOUND',
          `the manager has no ${o.offline ? 'offline ' : ''}record of ${key(id)}`,
        )
      report(cmd, state, stateLines(state, online !== null))
    })

  sectors
    .command('remove')
    .argument('<miner>')
    .argument('<number>')
    .option('--really-do-it', 'confirm: the sealed file and the cache are deleted', false)
    .description('delete the files of a sector that is gone from chain (the record stays, marked removed)')
    .action(async (m: string, n: string, o: { reallyDoIt: boolean }, cmd: Command) => {
      const id = idArgs(m, n)
      if (!o.reallyDoIt)
        throw new VenusError(
          'CLI_USAGE',
          `removing ${key(id)} deletes its sealed file and cache for good; pass --really-do-it`,
        )
      await call(cmd)('Venus.RemoveSector', [id])
      report(cmd, { removed: id }, [`removed the files of ${key(id)}`])
    })

  sectors
    .command('expired')
    .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))
    .option('--show-removed', 'also list sectors whose files are already removed', false)
    .option(
      '--remove-expired',
      'remove the files of the sectors listed (asks for --confirm-remove-count)',
      false,
    )
    .addOption(
      new Option('--confirm-remove-count <n>', 'how many sectors the first run said it would remove'),
    )
    .addOption(
      new Option(
        '--expired-epoch <epoch>',
        `judge by the chain at this epoch (default: head − ${WINNING_POST_LOOKBACK})`,
      ),
    )
    .description('offline sectors that are no longer on chain: expired, terminated, or never committed')
    .action(
      async (
        o: {
          showRemoved: boolean
          removeExpired: boolean
          confirmRemoveCount?: string
          expiredEpoch?: string
        },
        cmd: Command,
      ) => {
        const confirm =
          o.confirmRemoveCount === undefined
            ? undefined
            : uintArg(o.confirmRemoveCount, '--confirm-remove-count')
        if (confirm !== undefined && o.expiredEpoch === undefined)
          throw new VenusError(
            'CLI_USAGE',
            '--confirm-remove-count needs the --expired-epoch the first run printed',
          )
        const { chain, miner, actor } = await minerContextOf(cmd)
        const head = await chain.chainHead()
        const epoch =
          o.expiredEpoch === undefined
            ? head.Height - WINNING_POST_LOOKBACK
            : uintArg(o.expiredEpoch, '--expired-epoch')
        if (epoch < 0 || epoch > head.Height)
          throw new VenusError(
            'CLI_USAGE',
            `--expired-epoch must be between 0 and the head (${head.Height}), got ${epoch}`,
          )
        const ts = await chain.chainGetTipSetByHeight(epoch, head.Cids)

        // Offline records of this miner whose numbers the chain allocated but no longer holds.
        // Only what the cleanup needs of each record, page by page (history may be long).
        const records: Pick<WireSectorState, 'ID' | 'Removed'>[] = []
        for await (const page of daemonSectorPages(call(cmd), 'offline'))
          for (const s of page) if (s.ID.Miner === actor) records.push({ ID: s.ID, Removed: s.Removed })
        const allocated = new Set(runsToNumbers(await chain.stateMinerAllocated(miner, ts.Cids)))
        const live = new Set<number>()
        const { partitions } = await minerPartitions(chain, miner, ts.Cids)
        for (const p of partitions.flat()) for (const s of runsToNumbers(p.LiveSectors)) live.add(s)
        const candidates = records.filter((s) => allocated.has(s.ID.Number) && !live.has(s.ID.Number))
        const preCommitted = await Promise.all(
          candidates.map((s) => chain.stateSectorPreCommitInfo(miner, s.ID.Number, ts.Cids)),
        )
        const gone = candidates.filter((_s, i) => preCommitted[i] === null)
        const toRemove = gone.filter((s) => s.Removed !== true)
        const shown = o.showRemoved && confirm === undefined ? gone : toRemove
        const lines = [
          `Sectors of ${miner} gone from chain at epoch ${epoch}: ${shown.length}${o.showRemoved ? ' (removed ones included)' : ''}`,
          ...shown.map((s) => `${s.ID.Number}${s.Removed ? '\t(removed)' : ''}`),
        ]
        const json = {
          Miner: miner,
          Epoch: epoch,
          Sectors: shown.map((s) => ({ Number: s.ID.Number, Removed: s.Removed === true })),
        }
        if (!o.removeExpired) {
          report(cmd, json, lines)
          return
        }
        if (confirm === undefined) {
          report(cmd, { ...json, ToRemove: toRemove.length }, [
            ...lines,
            `${toRemove.length} sector(s) would lose their sealed files and caches; to do it, run:`,
            `  venus-sector-manager util sealer sectors expired --miner ${actor} --remove-expired --confirm-remove-count=${toRemove.length} --expired-epoch=${epoch}`,
          ])
          return
        }
        if (confirm !== toRemove.length)
          throw new VenusError(
            'CLI_USAGE',
            `--confirm-remove-count ${confirm} does not match the ${toRemove.length} sector(s) that can be removed now`,
            { details: { removable: toRemove.length } },
          )
        const results: { Number: number; Error: string | null }[] = []
        for (const s of toRemove) {
          // One failure (e.g. a read-only store) must not stop the others.
          const error = await call(cmd)('Venus.RemoveSector', [s.ID]).then(
            () => null,
            (err: unknown) => (err instanceof Error ? err.message : String(err)),
          )
          results.push({ Number: s.ID.Number, Error: error })
        }
        report(cmd, { ...json, Removed: results }, [
          ...results.map((r) => `removing ${r.Number}: ${r.Error === null ? 'ok' : `ERROR ${r.Error}`}`),
        ])
        if (results.some((r) => r.Error !== null))
          throw new VenusError(
            'INTERNAL',
            `${results.filter((r) => r.Error !== null).length} removal(s) failed`,
          )
      },
    )
}
