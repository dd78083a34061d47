/** `venus-sector-manager auth create-token --perm <read|write|sign|admin>`: API tokens. */
import { parsePermission, RPC_PERMISSIONS } from '@venus-cluster/core'
import { managerTokenAuthority } from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { homeOf } from './manager-common.js'

/** Adds the `auth` group. */
export function registerAuthCommands(program: Command): Command {
  const auth = program.command('auth').description('API tokens of the sector manager (Lotus-style JWT)')
  auth
    .command('create-token')
    .description(
      'print a token for workers, CLIs, the dashboard and /metrics; the secret is <home>/token.secret',
    )
    .addOption(
      new Option('--perm <perm>', 'permission: read, write, sign or admin (includes the weaker ones)')
        .choices([...RPC_PERMISSIONS])
        .makeOptionMandatory(),
    )
    .action(async (opts: { perm: string }, cmd: Command) => {
      const authority = await managerTokenAuthority(homeOf(cmd))
      process.stdout.write(`${await authority.issue(parsePermission(opts.perm))}\n`)
    })
  return auth
}
