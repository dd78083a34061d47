/**
 * `venus-worker daemon -c FILE`: runs the sealing worker until SIGINT/SIGTERM. `venus-worker mock`
 * runs the same worker against an in-process mock manager.
 */
import { loadWorkerConfig, parseGoDuration, type WorkerConfig } from '@venus-cluster/core'
import { createSealingWorker, defaultWorkerHome, poolProcessor, threadPlans } from '@venus-cluster/sealer'
import type { Command } from 'commander'
import { expandHome } from '../../home.js'
import { mockTarget, startMockManager } from '../../mock-manager.js'
import { proofsBackendLine } from '../../proofs-native.js'
import { poolBackend, proofsBackend, proofsChoice, workerLogger } from './worker-common.js'

interface DaemonFlags {
  config: string
  proofs?: string
  poolThreads: string
  threadStagger: string
  home?: string
}

const daemonOptions = (c: Command) =>
  c
    .requiredOption('-c, --config <file>', 'venus-worker.toml')
    .option('--proofs <backend>', 'proofs backend: mock or native (env VENUS_WORKER_PROOFS)')
    .option('--pool-threads <n>', 'worker threads for in-process stages', '4')
    .option('--thread-stagger <duration>', 'wait between the starts of sealing threads, e.g. "30s"', '0s')
    .option(
      '--home <dir>',
      'where the worker keeps its local control token and the manager control key (env VENUS_WORKER_HOME, default ~/.venus-worker)',
    )

/** Reads `-c`: the file, and the plans of its threads (refused here, before anything starts). */
async function loadConfig(opts: DaemonFlags): Promise<WorkerConfig> {
  const config = await loadWorkerConfig(opts.config)
  threadPlans(config)
  return { ...config, threadStartStaggerMs: parseGoDuration(opts.threadStagger) }
}

/**
 * Runs the worker of `config` until SIGINT/SIGTERM/SIGQUIT. SIGHUP and SIGUSR1 re-read the config
 * with `reloadConfig` and apply what can change live (see `diffWorkerConfig`); a config that does
 * not load leaves the worker as it was.
 */
async function runWorker(
  config: WorkerConfig,
  opts: DaemonFlags,
  reloadConfig: () => Promise<WorkerConfig>,
): Promise<void> {
  const log = workerLogger()
  const choice = proofsChoice(opts.proofs)
  // External processor children inherit the choice.
  process.env.VENUS_WORKER_PROOFS = choice
  const threads = Number(opts.poolThreads)
  const proofs = await proofsBackend(choice, log)
  // Which proofs, and whether they run on a GPU, before the first sector needs them. A native
  // addon that does not load is reported here; the stages report it again when they run.
  await proofsBackendLine(proofs).then(
    (line) => log.info({}, line),
    (err: unknown) => log.error({ err }, 'proofs backend unavailable'),
  )
  const worker = createSealingWorker({
    config,
    proofs,
    processor: poolProcessor({
      backend: poolBackend(choice),
      threads: Number.isInteger(threads) && threads > 0 ? threads : 4,
    }),
    home: expandHome(opts.home ?? defaultWorkerHome()),
    logger: log,
  })
  await worker.start()
  log.info({ control: worker.controlUrl, threads: worker.threads.length }, 'venus-worker daemon running')
  let reloading = Promise.resolve()
  const onReload = () => {
    reloading = reloading.then(async () => {
      try {
        const diff = await worker.reload(await reloadConfig())
        if (diff.live.length === 0 && diff.restart.length === 0)
          log.info({}, 'config reloaded: nothing changed')
        if (diff.restart.length > 0)
          log.warn({ keys: diff.restart }, 'config reloaded; these changes take effect after a restart')
      } catch (err) {
        log.error({ err: (err as Error).message }, 'config reload failed; the worker runs as before')
      }
    })
  }
  process.on('SIGHUP', onReload)
  process.on('SIGUSR1', onReload)
  try {
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      process.once('SIGQUIT', stop)
    })
  } finally {
    process.off('SIGHUP', onReload)
    process.off('SIGUSR1', onReload)
  }
  log.info({}, 'stopping')
  await reloading
  await worker.stop()
}

/** Adds `daemon` and `mock`. */
export function registerDaemonCommand(program: Command): Command {
  daemonOptions(
    program
      .command('mock')
      .description(
        'run the worker of -c against an in-process mock manager (simulated chain, one miner): try a config without a chain',
      )
      .requiredOption('-m, --miner <actor>', 'miner actor id to seal for')
      .requiredOption('-s, --sector-size <size>', 'its sector size: 2KiB, 8MiB, 512MiB, 32GiB or 64GiB'),
  ).action(async (opts: DaemonFlags & { miner: string; sectorSize: string }) => {
    const { actor, sectorSize } = mockTarget(opts.miner, opts.sectorSize)
    const config = await loadConfig(opts)
    const m = await startMockManager({
      actor,
      sectorSize,
      listen: '127.0.0.1:0',
      persistStores: config.attached.map((a) => ({ name: a.name, path: a.location, readOnly: a.readonly })),
      blockMs: 1000,
    })
    process.stderr.write(
      `mock manager at ${m.url} (miner t0${actor}, ${opts.sectorSize}); [sector_manager] of ${opts.config} is not used\n`,
    )
    const url = m.url.replace(/^http/, 'ws')
    const mocked = (c: WorkerConfig): WorkerConfig => ({
      ...c,
      sectorManager: { ...c.sectorManager, addr: url, url },
    })
    try {
      await runWorker(mocked(config), opts, async () => mocked(await loadConfig(opts)))
    } finally {
      await m.stop()
    }
  })

  return daemonOptions(
    program
      .command('daemon')
      .description('run the sealing worker: sealing threads, processors and the control API'),
  ).action(async (opts: DaemonFlags) => runWorker(await loadConfig(opts), opts, () => loadConfig(opts)))
}
