/** `venus-worker daemon -c FILE`: runs the sealing worker until SIGINT/SIGTERM. */
import { loadWorkerConfig, parseGoDuration } from '@venus-cluster/core'
import { createSealingWorker, poolProcessor } from '@venus-cluster/sealer'
import type { Command } from 'commander'
import { poolBackend, proofsBackend, proofsChoice, workerLogger } from './worker-common.js'

/** Adds `daemon`. */
export function registerDaemonCommand(program: Command): Command {
  return program
    .command('daemon')
    .description('run the sealing worker: sealing threads, processors and the control API')
    .requiredOption('-c, --config <file>', 'venus-worker.toml')
    .option('--proofs <backend>', 'proofs backend: mock or native (env VENUS_WORKER_PROOFS)')
    .option('--pool-threads <n>', 'worker threads for in-process stages', '4')
    .option('--thread-stagger <duration>', 'wait between the starts of sealing threads, e.g. "30s"', '0s')
    .action(async (opts: { config: string; proofs?: string; poolThreads: string; threadStagger: string }) => {
      const log = workerLogger()
      const choice = proofsChoice(opts.proofs)
      // External processor children inherit the choice.
      process.env.VENUS_WORKER_PROOFS = choice
      const config = await loadWorkerConfig(opts.config)
      const threads = Number(opts.poolThreads)
      const worker = createSealingWorker({
        config,
        proofs: await proofsBackend(choice),
        processor: poolProcessor({
          backend: poolBackend(choice),
          threads: Number.isInteger(threads) && threads > 0 ? threads : 4,
        }),
        threadStartStaggerMs: parseGoDuration(opts.threadStagger),
        log,
      })
      await worker.start()
      log.info({ control: worker.controlUrl, threads: worker.threads.length }, 'venus-worker daemon running')
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        process.once('SIGQUIT', stop)
      })
      log.info({}, 'stopping')
      await worker.stop()
    })
}
