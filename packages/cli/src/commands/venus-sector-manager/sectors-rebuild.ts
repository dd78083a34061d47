/**
 * `venus-sector-manager util sealer sectors rebuild | unseal | repair-tasks`: queue the rebuild
 * of a sector whose files were lost, or the unsealing of one of its pieces, on the running daemon,
 * and follow the tasks. A worker thread of plan `rebuild` or `unseal` does the work.
 */
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseGoDuration, VenusError, type WireRepairTask } from '@venus-cluster/core'

import { type Command, Option } from 'commander'
import { minerArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { type DaemonCall, daemonToken, homeOf } from './manager-common.js'

type WireId = { Miner: number; Number: number }

/**
 * A sector named as `<miner> <number>` (`t01000 3`) or in one word: `m-1000-n-3`, `s-t01000-3`
 * or `t01000-3`.
 */
export function sectorArgs(words: readonly string[]): WireId {
  if (words.length === 2)
    return { Miner: minerArg(words[0] as string, '<miner>'), Number: uintArg(words[1] as string, '<number>') }
  const one = words.length === 1 ? (words[0] as string) : ''
  const m = /^m-(\d+)-n-(\d+)$/.exec(one) ?? /^(?:s-)?[tf]0(\d+)-(\d+)$/.exec(one)
  if (m === null)
    throw new VenusError(
      'CLI_USAGE',
      `<sector>: give <miner> <number> (t01000 3) or one of m-1000-n-3, s-t01000-3, got ${JSON.stringify(words.join(' '))}`,
    )
  return { Miner: uintArg(m[1] as string, '<miner>'), Number: uintArg(m[2] as string, '<number>') }
}

const key = (id: WireId) => `m-${id.Miner}-n-${id.Number}`

function taskLine(t: WireRepairTask): string {
  const what =
    t.Kind === 'unseal'
      ? `unseal ${t.PieceCid}`
      : `rebuild${t.Detail.cacheOnly === true ? ' (cache only)' : ''}`
  const who = t.Worker ? `\tworker ${t.Worker}` : ''
  return `${key(t.Sector)}\t${what}\t${t.State}${who}${t.Error ? `\t${t.Error}` : ''}`
}

function durationArg(flag: string, text: string): number {
  try {
    return parseGoDuration(text)
  } catch {
    throw new VenusError(
      'CLI_USAGE',
      `${flag} must be a duration like 30m or 1h, got ${JSON.stringify(text)}`,
    )
  }
}

/** Polls a task until it is done (resolves) or failed (throws), or `timeoutMs` passes. */
async function waitTask(
  call: DaemonCall,
  params: [string, WireId, string],
  timeoutMs: number,
  pollMs = 2_000,
): Promise<WireRepairTask> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const t = (await call('Venus.RepairTaskState', params)) as WireRepairTask | null
    if (t === null) throw new VenusError('NOT_FOUND', `the ${params[0]} task of ${key(params[1])} is gone`)
    if (t.State === 'done') return t
    if (t.State === 'failed')
      throw new VenusError(
        'SECTOR_STATE_INVALID',
        `the ${params[0]} of ${key(params[1])} failed: ${t.Error}`,
        {
          details: { task: t },
        },
      )
    if (Date.now() > end)
      throw new VenusError(
        'TIMEOUT',
        `the ${params[0]} of ${key(params[1])} is still ${t.State} after ${timeoutMs} ms`,
        {
          details: { task: t },
        },
      )
    await new Promise((r) => setTimeout(r, pollMs))
  }
}

/** Streams the daemon's `/piecestore/<cid>` into `output` (written under a temporary name, then renamed). */
async function download(
  listen: string,
  token: string | undefined,
  cid: string,
  output: string,
): Promise<number> {
  const hostPort = listen.startsWith(':') ? `127.0.0.1${listen}` : listen
  const res = await fetch(`http://${hostPort}/piecestore/${encodeURIComponent(cid)}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    redirect: 'manual',
    signal: AbortSignal.timeout(3_600_000),
  })
  if (res.status !== 200 || res.body === null)
    throw new VenusError(
      'NOT_FOUND',
      `the daemon does not serve piece ${cid}: HTTP ${res.status} ${(await res.text()).trim()}`,
    )
  const tmp = `${output}.part`
  let bytes = 0
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)
  body.on('data', (c: Buffer) => {
    bytes += c.length
  })
  try {
    await pipeline(body, createWriteStream(tmp))
    await rename(tmp, output)
  } catch (err) {
    await rm(tmp, { force: true })
    throw new VenusError('STORE_IO', `writing ${output} failed: ${(err as Error).message}`, { cause: err })
  }
  return bytes
}

/**
 * Adds `rebuild`, `unseal` and `repair-tasks` under `sectors`; `call` reaches the daemon.
 *
 * @example
 * ```ts
 * registerRebuildCommands(sealer.command('sectors'), (cmd) => daemonCall('127.0.0.1:1789'))
 * ```
 */
export function registerRebuildCommands(sectors: Command, call: (cmd: Command) => DaemonCall): void {
  sectors
    .command('rebuild')
    .argument('<sector...>', '<miner> <number>, or m-1000-n-3 / s-t01000-3')
    .option(
      '--cache-only',
      'rebuild only the cache, beside the surviving sealed file (default: when it survived)',
    )
    .option('--full', 'rebuild the sealed file too, even when it survived')
    .option(
      '--force',
      'rebuild even when the files look whole; queue again a rebuild whose worker is gone',
      false,
    )
    .description(
      'queue the rebuild of a sector whose sealed file or cache was lost (a worker thread with plan = "rebuild" does it)',
    )
    .action(
      async (words: string[], o: { cacheOnly?: boolean; full?: boolean; force: boolean }, cmd: Command) => {
        const id = sectorArgs(words)
        if (o.cacheOnly && o.full)
          throw new VenusError('CLI_USAGE', '--cache-only and --full exclude each other')
        const cacheOnly = o.cacheOnly ? true : o.full ? false : null
        const r = (await call(cmd)('Venus.SectorSetForRebuild', [
          id,
          { CacheOnly: cacheOnly, Force: o.force },
        ])) as {
          Created: boolean
          Task: WireRepairTask
        }
        report(cmd, r, [
          r.Created
            ? `rebuild of ${key(id)} queued${r.Task.Detail.cacheOnly === true ? ' (cache only: the sealed file survived)' : ''}; follow it with: util sealer sectors repair-tasks`
            : `rebuild of ${key(id)} is ${r.Task.State} already${r.Task.Worker ? ` on worker ${r.Task.Worker}` : ''}`,
        ])
      },
    )

  sectors
    .command('unseal')
    .argument('<sector...>', '<miner> <number>, or m-1000-n-3 / s-t01000-3')
    .requiredOption('--piece <cid>', 'the piece CID (baga…) to unseal')
    .option('--output <file>', 'wait for the unsealed copy and write it to this file')
    .addOption(new Option('--timeout <duration>', 'how long --output waits for the unseal').default('1h'))
    .description('queue the unsealing of a piece of a sector (a worker thread with plan = "unseal" does it)')
    .action(async (words: string[], o: { piece: string; output?: string; timeout: string }, cmd: Command) => {
      const id = sectorArgs(words)
      const timeoutMs = durationArg('--timeout', o.timeout)
      const daemon = call(cmd)
      const r = (await daemon('Venus.UnsealPieceRequest', [id, o.piece])) as {
        Created: boolean
        Task: WireRepairTask
      }
      if (o.output === undefined) {
        report(cmd, r, [
          r.Task.State === 'done'
            ? `piece ${o.piece} of ${key(id)} has an unsealed copy already`
            : `unseal of ${o.piece} from ${key(id)} ${r.Created ? 'queued' : `is ${r.Task.State} already`}`,
        ])
        return
      }
      const output = resolve(o.output)
      const task = await waitTask(daemon, ['unseal', id, r.Task.PieceCid], timeoutMs)
      const listen = String(cmd.optsWithGlobals().listen)
      const bytes = await download(listen, daemonToken(homeOf(cmd)), task.PieceCid, output)
      report(cmd, { ...task, Output: output, Bytes: bytes }, [
        `wrote ${bytes} bytes of ${task.PieceCid} to ${output}`,
      ])
    })

  sectors
    .command('repair-tasks')
    .addOption(new Option('--kind <kind>', 'only rebuild or unseal tasks').choices(['rebuild', 'unseal']))
    .description('rebuild and unseal tasks: queued, running (on which worker), done, failed (why)')
    .action(async (o: { kind?: string }, cmd: Command) => {
      const list = (await call(cmd)('Venus.RepairTasks', [o.kind ?? ''])) as WireRepairTask[]
      report(cmd, list, list.length ? list.map(taskLine) : ['no repair tasks'])
    })
}
