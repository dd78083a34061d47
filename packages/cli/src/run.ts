/**
 * The one top-level handler of every bin: parses argv, runs the command, and turns failures
 * into one readable line (or `err.toJSON()` with `--json`) — never a stack trace.
 */

import { isVenusError, VenusError } from '@venus-cluster/core'
import { type Command, CommanderError } from 'commander'

/** Where a program writes; tests swap these for buffers. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

/** Applies the shared settings (error output, help after errors) to a program. */
export function configureProgram(program: Command, io: CliIo = processIo): Command {
  program
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (str, write) => write(str) })
    .option('--json', 'print results and errors as JSON')
  return program
}

/**
 * Runs `program` on `argv` and returns the exit code (0 ok, 1 failure, 2 usage error).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(buildWorkerProgram(), process.argv)
 * ```
 */
export async function runCli(program: Command, argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    await program.parseAsync(argv)
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander printed the message and the help already.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0
      return err.exitCode === 0 ? 0 : 2
    }
    const json = argv.includes('--json')
    const venus = isVenusError(err)
      ? err
      : new VenusError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err })
    if (json) io.err(`${JSON.stringify(venus.toJSON())}\n`)
    else io.err(`error: ${venus.message}\n`)
    return 1
  }
}
