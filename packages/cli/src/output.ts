import type { Command } from 'commander'

/** Whether `--json` was given anywhere on the command line of `cmd`. */
export function wantsJson(cmd: Command): boolean {
  return cmd.optsWithGlobals().json === true
}

/**
 * Prints a result: `lines` for people, `data` as one JSON line with `--json`.
 *
 * @example
 * ```ts
 * report(cmd, { home }, [`initialised ${home}`])
 * ```
 */
export function report(cmd: Command, data: unknown, lines: string[]): void {
  const write = (s: string) => process.stdout.write(s)
  if (wantsJson(cmd))
    write(`${JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`)
  else for (const line of lines) write(`${line}\n`)
}
