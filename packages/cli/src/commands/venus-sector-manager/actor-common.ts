/**
 * What the `util sealer actor …` commands share: FIL amount arguments, the message options
 * (`--exid`, `--poll`) and progress lines on stderr.
 */
import { formatFil, parseFil, VenusError } from '@venus-cluster/core'
import { type Command, Option } from 'commander'

/** attoFIL as `1.5 FIL`. */
export const fil = (atto: bigint): string => formatFil(atto)

/** A positive FIL amount argument (`10`, `0.5 FIL`, `500 milliFIL`); `what` names the argument. */
export function amountArg(text: string, what: string): bigint {
  let v: bigint
  try {
    v = parseFil(text)
  } catch (err) {
    throw new VenusError('CLI_USAGE', `${what}: ${(err as Error).message}`, { cause: err })
  }
  if (v <= 0n) throw new VenusError('CLI_USAGE', `${what} must be more than 0, got ${JSON.stringify(text)}`)
  return v
}

/** A `--max-fee` FIL amount (0 = no cap); errors name the flag. */
export function maxFeeArg(text: string): bigint {
  let v: bigint
  try {
    v = parseFil(text)
  } catch (err) {
    throw new VenusError('CLI_USAGE', `--max-fee: ${(err as Error).message}`, { cause: err })
  }
  if (v < 0n) throw new VenusError('CLI_USAGE', `--max-fee must not be negative, got ${JSON.stringify(text)}`)
  return v
}

/** Adds `--exid` and `--poll` to a command that sends a message. */
export const messageOptions = (c: Command): Command =>
  c
    .addOption(
      new Option('--exid <id>', 'extra id making the message uid stable (a re-run waits for it)').default(''),
    )
    .addOption(new Option('--poll <ms>', 'messager poll interval').default('30000'))

/** A progress line on stderr (stdout stays for the result). */
export function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`)
}
