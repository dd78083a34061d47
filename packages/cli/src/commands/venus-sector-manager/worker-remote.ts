/**
 * `venus-sector-manager util worker list|info|pause|resume|remove`: every worker the manager
 * knows, and the sealing threads of a pinging one through its control API, so an operator
 * manages the whole cluster from the manager's host (v0.2 of the original).
 *
 * The control address is what the worker reported, so nothing powerful is sent there: for each
 * call the manager mints a token good only for that worker's control API, only at the address it
 * pinned for that name, for 90 seconds (`Venus.WorkerControlToken`). An address given by the
 * operator that no pinging worker reports gets no token at all (original workers need none).
 */

import type { WorkerPingInfo } from '@venus-cluster/core'
import { VenusError } from '@venus-cluster/core'
import type { WireKnownWorker, WorkerControlGrant } from '@venus-cluster/manager'
import { type WorkerControlClient, workerControlClient } from '@venus-cluster/sealer'
import { type Command, Option } from 'commander'
import { report } from '../../output.js'
import { pauseLine, resumeLine, threadIndexArg, threadLine } from '../../worker-threads.js'
import { type DaemonCall, daemonCall, homeOf } from './manager-common.js'

const ago = (s: number) =>
  s < 60 ? `${s}s` : s < 3600 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`

/** `host:port` (or `[v6]:port`): a control address given instead of a worker name. */
const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/

const callOf = (cmd: Command): DaemonCall => daemonCall(String(cmd.optsWithGlobals().listen), homeOf(cmd))

/** Where to reach a worker's control API and the token to send there (none for unknown addresses). */
async function controlTarget(
  cmd: Command,
  nameOrAddr: string,
  perm: 'read' | 'write',
): Promise<{ url: string; token: string | undefined; what: string }> {
  const call = callOf(cmd)
  let name = nameOrAddr
  if (ADDRESS.test(nameOrAddr) && (await call('Venus.WorkerGetPingInfo', [nameOrAddr])) === null) {
    const pings = ((await call('Venus.WorkerPingInfoList', [])) as WorkerPingInfo[] | null) ?? []
    const owner = pings.find((p) => p.Info.Dest === nameOrAddr)
    if (owner === undefined) return { url: `http://${nameOrAddr}/`, token: undefined, what: nameOrAddr }
    name = owner.Info.Name
  }
  const grant = (await call('Venus.WorkerControlToken', [name, perm])) as WorkerControlGrant
  return { url: `http://${grant.Dest}/`, token: grant.Token, what: `worker ${name} at ${grant.Dest}` }
}

/** Runs `fn` against a worker's control API with a token minted for that call. */
async function withWorker<T>(
  cmd: Command,
  name: string,
  perm: 'read' | 'write',
  fn: (c: WorkerControlClient) => Promise<T>,
): Promise<T> {
  const target = await controlTarget(cmd, name, perm)
  const c = workerControlClient(target.url, { token: target.token })
  try {
    return await fn(c)
  } catch (err) {
    if (err instanceof VenusError && err.code === 'UNAUTHENTICATED') {
      throw new VenusError(
        'UNAUTHENTICATED',
        target.token === undefined
          ? `${target.what} wants a token, and no worker that pings this manager reports that address: give the worker's name (util worker list), or run venus-worker worker … on its host`
          : `${target.what} refused the manager's control token: it has not fetched this manager's control key yet (it does at start and when it sees a new key), it runs under another name, or the clocks of the two hosts differ by more than 30 s; the worker's log says which`,
        { cause: err },
      )
    }
    throw err
  } finally {
    await c.close()
  }
}

function listLine(w: WireKnownWorker, now: number): string {
  const s = w.Summary
  const seen = Math.max(w.LastPing ?? 0, w.LastReport ?? 0)
  const when =
    seen === 0 ? 'not seen since the manager started' : `last seen ${ago(Math.max(0, now - seen))} ago`
  if (w.LastPing === null)
    return `${w.Name}\t-\tno control address (does not ping; known from its sector reports)\tsectors ${w.Sectors}\t${when}`
  return `${w.Name}\t${w.Dest || '-'}\tthreads ${s?.Threads ?? 0}, empty ${s?.Empty ?? 0}, paused ${s?.Paused ?? 0}, errors ${s?.Errors ?? 0}\tsectors ${w.Sectors}\t${when}`
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
    .description('workers the manager knows, and the sealing threads of those that ping it')
    .addOption(new Option('--listen <addr>', 'daemon address').default('127.0.0.1:1789'))

  worker
    .command('list')
    .description(
      'every worker that pings the manager or reports sector states to it: control address, threads, sectors in flight, last seen',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const list = ((await callOf(cmd)('Venus.KnownWorkers', [])) as WireKnownWorker[] | null) ?? []
      const now = Math.floor(Date.now() / 1000)
      report(
        cmd,
        list,
        list.length === 0
          ? ['no worker has pinged or reported to the manager']
          : list.map((w) => listLine(w, now)),
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
      // The answer as the worker sent it (an original worker's shapes included): `--json` prints it.
      const threads = await withWorker(cmd, name, 'read', (c) => c.listWire())
      report(cmd, threads, threads.map(threadLine))
    })

  worker
    .command('pause')
    .argument('<name-or-addr>', 'worker instance name or its control address host:port')
    .requiredOption('-i, --index <n>', 'thread index')
    .description('pause one sealing thread of a worker at its next step boundary')
    .action(async (name: string, o: { index: string }, cmd: Command) => {
      const i = threadIndexArg(o.index)
      const ok = await withWorker(cmd, name, 'write', (c) => c.pause(i))
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
      const ok = await withWorker(cmd, name, 'write', (c) => c.resume(i, o.state ?? null))
      report(cmd, ok, [`${name} ${resumeLine(i, ok)}`])
    })

  worker
    .command('remove')
    .argument('<name>', 'worker instance name')
    .description(
      'forget a worker: releases its name from the control address it pinned (a worker that moved), and drops it from the list until it pings or reports again',
    )
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const removed = (await callOf(cmd)('Venus.WorkerRemove', [name])) as boolean
      report(cmd, removed, [
        removed
          ? `${name} removed; its next ping registers it with the control address it reports`
          : `no worker named ${JSON.stringify(name)} is known to the manager`,
      ])
    })
  return worker
}
