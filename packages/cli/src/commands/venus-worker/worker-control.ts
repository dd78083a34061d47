/**
 * `venus-worker worker list|pause|resume`: the control API of a running worker. On the worker's
 * host it sends the worker's local control token (`<worker home>/control.token`), so it works
 * whatever manager the worker has and whether or not that manager is up.
 */
import { loadWorkerConfig, VenusError } from '@venus-cluster/core'
import {
  defaultWorkerHome,
  LOCAL_CONTROL_TOKEN_FILE,
  readLocalControlToken,
  WORKER_CONTROL_TOKEN_ENV,
  workerControlClient,
} from '@venus-cluster/sealer'
import type { Command } from 'commander'
import { expandHome } from '../../home.js'
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
    .option(
      '--home <dir>',
      `the worker's home, where its ${LOCAL_CONTROL_TOKEN_FILE} is (env VENUS_WORKER_HOME, default ~/.venus-worker)`,
    )
  const client = async (cmd: Command) => {
    const opts = cmd.optsWithGlobals() as { config?: string; url?: string; home?: string }
    const home = expandHome(opts.home ?? defaultWorkerHome())
    const token = process.env[WORKER_CONTROL_TOKEN_ENV] || (await readLocalControlToken(home))
    const c = workerControlClient(await controlUrl(opts), { token })
    // A refusal names where the token was looked for.
    const explain = <T>(p: Promise<T>): Promise<T> =>
      p.catch((err: unknown) => {
        if (err instanceof VenusError && err.code === 'UNAUTHENTICATED')
          throw new VenusError(
            'UNAUTHENTICATED',
            token === undefined
              ? `the control API wants a token and ${home}/${LOCAL_CONTROL_TOKEN_FILE} does not exist: run this on the worker's host as the worker's user, or give --home (or ${WORKER_CONTROL_TOKEN_ENV})`
              : `the control API refused the token from ${process.env[WORKER_CONTROL_TOKEN_ENV] ? WORKER_CONTROL_TOKEN_ENV : `${home}/${LOCAL_CONTROL_TOKEN_FILE}`}: is it the home of the worker at that address?`,
            { cause: err },
          )
        throw err
      })
    return {
      // The answer as the worker sent it: `--json` prints the wire, lines read it.
      list: () => explain(c.listWire()),
      pause: (i: number) => explain(c.pause(i)),
      resume: (i: number, s: string | null) => explain(c.resume(i, s)),
      close: () => c.close(),
    }
  }
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
