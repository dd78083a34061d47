/** `venus-worker processor <stage>` (external child mode) and `venus-worker cgroup prepare`. */
import { userInfo } from 'node:os'
import { VenusError } from '@venus-cluster/core'
import { cgroupPrepareScript, runProcessorChild, type SealStage } from '@venus-cluster/sealer'
import type { Command } from 'commander'
import { proofsBackend, proofsChoice } from './worker-common.js'

const STAGES: readonly SealStage[] = ['tree_d', 'pc1', 'pc2', 'c2', 'snap_encode', 'snap_prove']

/** Adds `processor <stage>` and `cgroup prepare`. */
export function registerProcessorCommands(program: Command): Command {
  program
    .command('processor')
    .description('serve one stage as an external processor over stdin/stdout (started by the daemon)')
    .argument('<stage>', `one of ${STAGES.join(', ')}`)
    .option('--proofs <backend>', 'proofs backend: mock or native (env VENUS_WORKER_PROOFS)')
    .action(async (stage: string, opts: { proofs?: string }) => {
      const s = STAGES.find((x) => x === stage)
      if (s === undefined) {
        throw new VenusError(
          'CLI_USAGE',
          `unknown processor stage ${JSON.stringify(stage)}; one of ${STAGES.join(', ')}`,
        )
      }
      await runProcessorChild({ stage: s, backend: await proofsBackend(proofsChoice(opts.proofs)) })
    })
  const cg = program.command('cgroup').description('cgroup helpers for external processors')
  cg.command('prepare')
    .description(
      'print a root shell script that creates the processor cgroup for this user (pipe it to `sudo sh`); only needed where the worker may not create it itself',
    )
    .option('--group <name>', 'parent group name', 'vc-worker')
    .option('--user <name>', 'user the worker runs as', userInfo().username)
    .action((o: { group: string; user: string }) => {
      process.stdout.write(cgroupPrepareScript(o.group, o.user))
    })
  return program
}
