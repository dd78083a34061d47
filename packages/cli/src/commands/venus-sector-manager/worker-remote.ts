/**
 * `venus-sector-manager util worker list|info|pause|resume`: every worker that pings the manager,
 * and its sealing threads through that worker's control API (the address it reports as `Dest`),
 * so an operator manages the whole cluster from the manager's host (v0.2 of the original).
 */
import { VenusError } from '@venus-cluster/core'
import type { WorkerPingInfo } from '@venus-cluster/manager'
import { type WorkerControlClient, workerControlClient } from '@venus-cluster/sealer'
import { type Command, Option } from 'commander'
import { report } from '../../output.js'
import { pauseLine, resumeLine, threadIndexArg, threadLine } from '../../worker-threads.js'
import { daemonCall, daemonToken, homeOf } from './manager-common.js'

const ago = (s: number) =>
  s < 60 ? `${s}s` : s < 3600 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`

/** `host:port` (or `[v6]:port`): a control address given instead of a worker name. */
const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/

/** The control address of a worker: by name from its pings, or the address itself. */
async function destOf(cmd: Command, nameOrAddr: string): Promise<string> {
  const call = daemonCall(String(cmd.optsWithGlobals().listen), homeOf(cmd))
  const info = (await call('Venus.WorkerGetPingInfo', [nameOrAddr])) as WorkerPingInfo | null
  if (info === null) {
    if (ADDRESS.test(nameOrAddr)) return nameOrAddr
    throw new VenusError(
      'NOT_FOUND',
      `no worker named ${JSON.stringify(nameOrAddr)} has pinged the manager`,
      {
        details: { worker: nameOrAddr },
      },
    )
  }
  if (info.Info.Dest === '')
    throw new VenusError('NOT_FOUND', `worker ${JSON.stringify(nameOrAddr)} reports no control API address`)
  return info.Info.Dest
}

/** Runs `fn` against a worker's control API; the manager's token is accepted there (it asks the manager). */
async function withWorker<T>(
  cmd: Command,
  name: string,
  fn: (c: WorkerControlClient) => Promise<T>,
): Promise<T> {
  const dest = await destOf(cmd, name)
  const c = workerControlClient(`http://${dest}/`, { token: daemonToken(homeOf(cmd)) })
  try {
    return await fn(c)
  } finally {
    await c.close()
  }
}

/**
 * Adds `worker` under `util`.
 *
 * @example
 * ```ts
 * registerWorkerRemoteCommands(program.command('util'))
 * ```
 */
export function registerWorkerRemoteCommands(util: Command): Command {
  const worker = util
    .command('worker')
    .description('workers that ping the manager, and their sealing threads')
    .addOption(new Option('--listen <addr>', 'daemon address').default('127.0.0.1:1789'))

  worker
    .command('list')
    .description('every worker that has pinged the manager: threads, empty, paused, errors, last ping')
    .action(async (_o: unknown, cmd: Command) => {
      const call = daemonCall(String(cmd.optsWithGlobals().listen), homeOf(cmd))
      const list = ((await call('Venus.WorkerPingInfoList', [])) as WorkerPingInfo[] | null) ?? []
      const now = Math.floor(Date.now() / 1000)
      report(
        cmd,
        list,
        list.length === 0
          ? ['no worker has pinged the manager']
          : list.map(
              (w) =>
                `${w.Info.Name}\t${w.Info.Dest || '-'}\tthreads ${w.Info.Summary.Threads}, empty ${w.Info.Summary.Empty}, paused ${w.Info.Summary.Paused}, errors ${w.Info.Summary.Errors}\tlast ping ${ago(Math.max(0, now - w.LastPing))} ago`,
            ),
      )
    })

  worker
    .command('info')
    .argument(
      '<name-or-addr>',
      'worker instance name (as `util worker list` shows it) or its control address host:port',
    )
    .description("a worker's sealing threads, from its control API")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const threads = await withWorker(cmd, name, (c) => c.list())
      report(cmd, threads, threads.map(threadLine))
    })

  worker
    .command('pause')
    .argument('<name-or-addr>', 'worker instance name or its control address host:port')
    .requiredOption('-i, --index <n>', 'thread index')
    .description('pause one sealing thread of a worker at its next step boundary')
    .action(async (name: string, o: { index: string }, cmd: Command) => {
      const i = threadIndexArg(o.index)
      const ok = await withWorker(cmd, name, (c) => c.pause(i))
      report(cmd, ok, [`${name} ${pauseLine(i, ok)}`])
    })

  worker
    .command('resume')
    .argument('<name-or-addr>', 'worker instance name or its control address host:port')
    .requiredOption('-i, --index <n>', 'thread index')
    .option('-s, --state <State>', 'state to resume into (exact name, e.g. TreeDBuilt, Aborted)')
    .description('resume a paused sealing thread of a worker, optionally into a named state')
    .action(async (name: string, o: { index: string; state?: string }, cmd: Command) => {
      const i = threadIndexArg(o.index)
      const ok = await withWorker(cmd, name, (c) => c.resume(i, o.state ?? null))
      report(cmd, ok, [`${name} ${resumeLine(i, ok)}`])
    })
  return worker
}
