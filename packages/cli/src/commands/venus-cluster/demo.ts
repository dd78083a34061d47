/**
 * `venus-cluster demo`: a devnet, a sector manager and sealing workers on loopback seal a few
 * sectors end to end, then a summary of stage times, messages, gas, fees and power is printed.
 * Ctrl-C stops everything and removes the scratch home (unless --keep).
 */
import { parseSectorSize, VenusError } from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { type DemoProofsChoice, runDemo } from '../../demo/index.js'
import { summaryLines } from '../../demo/summary.js'
import { expandHome } from '../../home.js'
import { report, wantsJson } from '../../output.js'
import { parseBlockTime } from './devnet.js'

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1)
      throw new VenusError(
        'CLI_USAGE',
        `${name} must be a whole number of at least 1, got ${JSON.stringify(v)}`,
      )
    return n
  }
}

function wholeNumber(flag: string, v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw new VenusError('CLI_USAGE', `${flag} must be a whole number, got ${JSON.stringify(v)}`)
  return n
}

interface DemoFlags {
  proofs: DemoProofsChoice
  sectors: number
  workers: number
  sectorSize: string
  blockTime: string
  timeout?: string
  home?: string
  keep?: boolean
  stay?: boolean
  post: boolean
  batch?: boolean
  verified: string
  snap: string
}

/** Adds `demo` to the `venus-cluster` program. */
export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description('seal sectors end to end on a local devnet with a manager and workers, then print a summary')
    .addOption(
      new Option(
        '--proofs <kind>',
        'proofs backend: native needs the addon and parameters; auto falls back to mock',
      )
        .choices(['auto', 'mock', 'native'])
        .default('auto'),
    )
    .addOption(new Option('--sectors <n>', 'sectors to seal').argParser(positiveInt('--sectors')).default(4))
    .addOption(new Option('--workers <n>', 'sealing workers').argParser(positiveInt('--workers')).default(1))
    .addOption(new Option('--sector-size <size>', 'sector size').default('2KiB'))
    .addOption(new Option('--block-time <duration>', 'devnet time between tipsets').default('100ms'))
    .addOption(new Option('--timeout <duration>', 'give up after this long (default 5m mock, 30m native)'))
    .option('--home <dir>', 'scratch directory (default: a new temporary directory)')
    .option('--no-post', 'end once the sectors are active on chain, without waiting for WindowPoSt (power)')
    .option(
      '--batch',
      'one PreCommitSectorBatch2 and one ProveCommitSectors3 (aggregated from 4 sectors) for all sectors, instead of one message per sector',
    )
    .addOption(
      new Option(
        '--verified <n>',
        'sectors (of --sectors) filled with a Fil+ verified piece, onboarded directly (DDO) against a client allocation',
      ).default('0'),
    )
    .addOption(
      new Option(
        '--snap <n>',
        'CC sectors (of --sectors) snapped up once proven (SnapDeals): a direct piece encoded into each, one ProveReplicaUpdates3, power before and after',
      ).default('0'),
    )
    .option('--keep', 'keep the scratch directory at the end')
    .option('--stay', 'after the summary, keep the manager and devnet running (dashboard) until Ctrl-C')
    .action(async (flags: DemoFlags, cmd: Command) => {
      const controller = new AbortController()
      const onSignal = () => controller.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        const summary = await runDemo({
          proofs: flags.proofs,
          sectors: flags.sectors,
          windowPoSt: flags.post,
          batch: flags.batch === true,
          verified: wholeNumber('--verified', flags.verified),
          snap: wholeNumber('--snap', flags.snap),
          workers: flags.workers,
          sectorSize: parseSectorSize(flags.sectorSize),
          blockTimeMs: parseBlockTime(flags.blockTime),
          timeoutMs: flags.timeout === undefined ? undefined : parseBlockTime(flags.timeout),
          home: flags.home === undefined ? undefined : expandHome(flags.home),
          keep: flags.keep === true,
          signal: controller.signal,
          // Progress goes to stderr, so `--json` leaves stdout one JSON line.
          progress: process.stderr,
          beforeStop:
            flags.stay === true
              ? async (s) => {
                  report(cmd, s, [...summaryLines(s), '', `dashboard: ${s.dashboardUrl}`, 'Ctrl-C to stop.'])
                  await new Promise<void>((resolve) => {
                    if (controller.signal.aborted) resolve()
                    controller.signal.addEventListener('abort', () => resolve(), { once: true })
                  })
                }
              : undefined,
        })
        if (flags.stay !== true) report(cmd, summary, summaryLines(summary))
      } catch (err) {
        if (controller.signal.aborted && !wantsJson(cmd) && flags.stay !== true)
          process.stderr.write('\ndemo stopped; everything was shut down\n')
        throw err
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}
