/**
 * `venus-sector-manager util worker wdpost list | reset | remove | remove-all`: the WindowPoSt jobs
 * of PoSt workers (`daemon run --worker-prover`), as damocles' commands of the same names.
 */
import {
  VenusError,
  type WireWdPoStBriefJob,
  wdPoStBriefJobFromWire,
  wdPoStDisplayState,
} from '@venus-cluster/core'
import type { Command } from 'commander'
import { report } from '../../output.js'
import { type DaemonCall, daemonCall, homeOf } from './manager-common.js'

const callOf = (cmd: Command): DaemonCall => daemonCall(String(cmd.optsWithGlobals().listen), homeOf(cmd))

const time = (s: number) => (s === 0 ? '-' : new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19))

async function allJobs(cmd: Command, all: boolean): Promise<{ jobs: WireWdPoStBriefJob[]; maxTry: number }> {
  const res = (await callOf(cmd)('Venus.WdPoStAllJobs', [all])) as { Jobs?: unknown; MaxTry?: unknown }
  const list = Array.isArray(res?.Jobs) ? res.Jobs : []
  return { jobs: list.map(wdPoStBriefJobFromWire), maxTry: typeof res?.MaxTry === 'number' ? res.MaxTry : 0 }
}

function jobIds(ids: string[]): string[] {
  if (ids.length === 0)
    throw new VenusError('CLI_USAGE', 'give at least one job id (see `util worker wdpost list`)')
  return ids
}

/**
 * Adds `wdpost list|reset|remove|remove-all` under `util worker`.
 *
 * @example
 * ```ts
 * registerWdPoStCommands(registerWorkerRemoteCommands(util))
 * ```
 */
export function registerWdPoStCommands(worker: Command): Command {
  const wdpost = worker
    .command('wdpost')
    .description('WindowPoSt jobs of PoSt workers (daemon run --worker-prover)')

  wdpost
    .command('list')
    .option('--all', 'succeeded jobs too', false)
    .option('--detail', 'more columns: sectors, times', false)
    .description(
      'jobs with their miner, deadline, partitions, worker, state, tries, and sectors, skipped and faulty counts',
    )
    .action(async (o: { all: boolean; detail: boolean }, cmd: Command) => {
      const { jobs, maxTry } = await allJobs(cmd, o.all)
      const now = Math.floor(Date.now() / 1000)
      const rows = jobs.map((j) => ({
        ...j,
        DisplayState: wdPoStDisplayState(j),
        // Sectors the poster skipped in this job: the faulty ones it reported.
        Skipped: j.Faults,
      }))
      const head = `JobID        MinerID  DDL  Partitions  Sectors  Faulty  Worker            State       Try${o.detail ? '  CreateAt             StartedAt            HeartbeatAt          FinishedAt' : '  Elapsed'}  Error`
      report(cmd, { Jobs: rows, MaxTry: maxTry }, [
        ...(rows.length === 0 ? ['no WindowPoSt jobs'] : [head]),
        ...rows.map((j) => {
          const elapsed = j.StartedAt === 0 ? '-' : `${(j.FinishedAt || now) - j.StartedAt}s`
          const tries = `${j.TryNum}/${maxTry}${j.TryNum >= maxTry ? '!' : ''}`
          return [
            j.Id.padEnd(12),
            `t0${j.Input.MinerId}`.padEnd(8),
            String(j.DeadlineIdx).padEnd(4),
            j.Partitions.join(',').padEnd(11),
            String(j.Sectors).padEnd(8),
            String(j.Faults).padEnd(7),
            (j.WorkerName || '-').padEnd(17),
            j.DisplayState.padEnd(11),
            tries.padEnd(4),
            o.detail
              ? `${time(j.CreatedAt).padEnd(20)} ${time(j.StartedAt).padEnd(20)} ${time(j.HeartbeatAt).padEnd(20)} ${time(j.FinishedAt).padEnd(20)}`
              : elapsed.padEnd(7),
            j.ErrorReason.slice(0, 120),
          ].join(' ')
        }),
      ])
    })

  wdpost
    .command('reset')
    .argument('<job-ids...>', 'job ids')
    .description('put jobs back to ready-to-run with their tries cleared')
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      for (const id of jobIds(ids)) await callOf(cmd)('Venus.WdPoStResetJob', [id])
      report(
        cmd,
        { Reset: ids },
        ids.map((id) => `job ${id} reset`),
      )
    })

  wdpost
    .command('remove')
    .argument('<job-ids...>', 'job ids')
    .description('delete jobs (a poster still waiting for one publishes it again)')
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      for (const id of jobIds(ids)) await callOf(cmd)('Venus.WdPoStRemoveJob', [id])
      report(
        cmd,
        { Removed: ids },
        ids.map((id) => `job ${id} removed`),
      )
    })

  wdpost
    .command('remove-all')
    .option('--really-do-it', 'remove every job', false)
    .description('delete every job')
    .action(async (o: { reallyDoIt: boolean }, cmd: Command) => {
      const { jobs } = await allJobs(cmd, true)
      if (!o.reallyDoIt) {
        report(cmd, { Jobs: jobs.length, Removed: false }, [
          `${jobs.length} job(s); pass --really-do-it to remove them`,
        ])
        return
      }
      for (const j of jobs) await callOf(cmd)('Venus.WdPoStRemoveJob', [j.Id])
      report(cmd, { Removed: jobs.length }, [`${jobs.length} job(s) removed`])
    })
  return wdpost
}
