/**
 * `venus-sector-manager auth create-token --perm <read|write|sign|admin>`: API tokens; with
 * `--worker`, a token for workers' control APIs instead (e.g. for Prometheus to scrape their
 * `/metrics`).
 */
import { parseGoDuration, RPC_PERMISSIONS, VenusError } from '@venus-cluster/core'
import { parsePermission } from '@venus-cluster/core/auth'
import { managerControlKey, managerTokenAuthority } from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { homeOf } from './manager-common.js'

/** Adds the `auth` group. */
export function registerAuthCommands(program: Command): Command {
  const auth = program.command('auth').description('API tokens of the sector manager (Lotus-style JWT)')
  auth
    .command('create-token')
    .description(
      "print a token for workers, CLIs, the dashboard and /metrics; the secret is <home>/token.secret. With --worker: a token for workers' control APIs (signed with <home>/worker-control.key)",
    )
    .addOption(
      new Option('--perm <perm>', 'permission: read, write, sign or admin (includes the weaker ones)')
        .choices([...RPC_PERMISSIONS])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--worker <name>',
        'a token for the control API and /metrics of the worker of this instance name only (read or write), or of every worker of this manager with "*" (read only)',
      ),
    )
    .addOption(
      new Option('--ttl <duration>', 'lifetime of a --worker token, e.g. "720h" (required with --worker)'),
    )
    .action(async (opts: { perm: string; worker?: string; ttl?: string }, cmd: Command) => {
      const perm = parsePermission(opts.perm)
      if (opts.worker === undefined) {
        if (opts.ttl !== undefined)
          throw new VenusError('CLI_USAGE', '--ttl applies to --worker tokens only; API tokens do not expire')
        const authority = await managerTokenAuthority(homeOf(cmd))
        process.stdout.write(`${await authority.issue(perm)}\n`)
        return
      }
      if (perm !== 'read' && perm !== 'write')
        throw new VenusError('CLI_USAGE', `--perm with --worker must be read or write, got ${perm}`)
      if (opts.ttl === undefined)
        throw new VenusError(
          'CLI_USAGE',
          '--worker needs --ttl, e.g. --ttl 720h: control tokens always expire',
        )
      const ms = parseGoDuration(opts.ttl)
      if (ms < 1000)
        throw new VenusError('CLI_USAGE', `--ttl must be at least 1s, got ${JSON.stringify(opts.ttl)}`)
      const signer = await managerControlKey(homeOf(cmd))
      try {
        process.stdout.write(
          `${await signer.issue({ worker: opts.worker, perm, ttlSeconds: Math.floor(ms / 1000) })}\n`,
        )
      } catch (err) {
        throw new VenusError('CLI_USAGE', `--worker: ${(err as Error).message}`, { cause: err })
      }
    })
  return auth
}
