/** `venus-worker worker list|pause|resume`: the control API of a running worker. */
import { loadWorkerConfig } from '@venus-cluster/core'
import { workerControlClient, workerManagerToken } from '@venus-cluster/sealer'
import type { Command } from 'commander'
import { report } from '../../output.js'
import { pauseLine, resumeLine, threadIndexArg, threadLine } from '../../worker-threads.js'

async function controlUrl(opts: { config?: string; url?: string }): Promise<string> {
  if (opts.url !== undefined) return opts.url
  let port = 17890
  let host = '127.0.0.1'
  if (opts.config !== undefined) {
    const cfg = await loadWorkerConfig(opts.config)
    port = cfg.rpcServer.port
    if (cfg.rpcServer.host !== '0.0.0.0' && cfg.rpcServer.host !== '::') host = cfg.rpcServer.host
  }
  return `http://${host}:${port}/`
}

/** Adds `worker` with `list`, `pause` and `resume`. */
export function registerWorkerControlCommands(program: Command): Command {
  const worker = program
    .command('worker')
    .description('inspect, pause and resume the sealing threads of a running worker')
    .option('-c, --config <file>', 'venus-worker.toml (for the control port)')
    .option('--url <url>', 'control API URL (default http://127.0.0.1:17890/)')
  const client = async (cmd: Command) =>
    workerControlClient(await controlUrl(cmd.optsWithGlobals() as { config?: string; url?: string }), {
      // The control API checks tokens with the manager: any manager token with the permission works.
      token: workerManagerToken({}),
    })
  worker
    .command('list')
    .description('list sealing threads with their state and last error')
    .action(async (_o: unknown, cmd: Command) => {
      const c = await client(cmd)
      try {
        const list = await c.list()
        report(cmd, list, list.map(threadLine))
      } finally {
        await c.close()
      }
    })
  worker
    .command('pause')
    .description('pause a sealing thread at its next step boundary')
    .requiredOption('-i, --index <n>', 'thread index')
    .action(async (o: { index: string }, cmd: Command) => {
      const c = await client(cmd)
      try {
        const i = threadIndexArg(o.index)
        const ok = await c.pause(i)
        report(cmd, ok, [pauseLine(i, ok)])
      } finally {
        await c.close()
      }
    })
  worker
    .command('resume')
    .description('resume a paused sealing thread, optionally into a named state')
    .requiredOption('-i, --index <n>', 'thread index')
    .option('-s, --state <State>', 'state to resume into (exact name, e.g. TreeDBuilt, Aborted)')
    .action(async (o: { index: string; state?: string }, cmd: Command) => {
      const c = await client(cmd)
      try {
        const i = threadIndexArg(o.index)
        const ok = await c.resume(i, o.state ?? null)
        report(cmd, ok, [resumeLine(i, ok)])
      } finally {
        await c.close()
      }
    })
  return worker
}
