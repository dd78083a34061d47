/**
 * `venus-sector-manager util message search | wait <uid>`: a message the manager (or a command)
 * pushed through venus-messager, by its uid — where it is now, or waiting until it is buried
 * `--confidence` epochs deep. `wait` shows that it is alive while it waits and exits non-zero when
 * the message failed.
 */
import { type MessagerMessage, MessageState, messageStateName, VenusError } from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { millisecondsArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { liveProgress } from '../../progress.js'
import { clientsOf } from './manager-common.js'

/** Longest uid accepted (messager uids are UUIDs or CIDs). */
const UID_MAX = 256

function uidArg(uid: string): string {
  if (uid.length === 0 || uid.length > UID_MAX || /\s/.test(uid))
    throw new VenusError('CLI_USAGE', `<uid>: ${JSON.stringify(uid.slice(0, 40))} is not a message uid`)
  return uid
}

/** The lines of a message as the messager holds it. */
export function messageLines(m: MessagerMessage): string[] {
  const landed = m.State === MessageState.OnChainMsg || m.State === MessageState.NonceConflictMsg
  return [
    `ID: ${m.ID}`,
    `State: ${messageStateName(m.State)}`,
    `From: ${m.From}  To: ${m.To}  Method: ${m.Method}  Value: ${m.Value} attoFIL`,
    ...(landed
      ? [
          `Cid: ${m.SignedCid?.['/'] ?? '-'}`,
          `Height: ${m.Height}  Confidence: ${m.Confidence}`,
          `Tipset: ${(m.TipSetKey ?? []).map((c) => c['/']).join(', ') || '-'}`,
          `ExitCode: ${m.Receipt?.ExitCode ?? '-'}`,
          `GasUsed: ${m.Receipt?.GasUsed ?? '-'}`,
        ]
      : []),
    ...(m.ErrorMsg ? [`Error: ${m.ErrorMsg}`] : []),
  ]
}

/** Whether a message has settled: landed (`ok` by its receipt) or failed. */
function settled(m: MessagerMessage, confidence: number): { done: boolean; ok: boolean } {
  if (m.State === MessageState.FailedMsg) return { done: true, ok: false }
  if (m.State === MessageState.OnChainMsg || m.State === MessageState.NonceConflictMsg)
    return {
      done: m.Confidence >= confidence,
      ok: m.State === MessageState.OnChainMsg && m.Receipt?.ExitCode === 0,
    }
  return { done: false, ok: false }
}

/**
 * Adds the `message` group under `util`.
 *
 * @example
 * ```ts
 * registerMessageCommands(program.command('util'))
 * ```
 */
export function registerMessageCommands(util: Command): Command {
  const message = util.command('message').description('messages pushed through venus-messager, by uid')
  const get = async (cmd: Command, uid: string): Promise<MessagerMessage> => {
    const { messagerClient } = await clientsOf(cmd)
    // The raw call: an unknown uid answers null here rather than an error.
    const m = await messagerClient.call<MessagerMessage | null>('GetMessageByUid', [uid])
    if (m === null)
      throw new VenusError('MESSAGE_NOT_FOUND', `the messager knows no message ${uid}`, { details: { uid } })
    return m
  }
  message
    .command('search')
    .argument('<uid>', 'the message uid at the messager')
    .description('where a message is now: state, and once on chain its height, exit code and gas')
    .action(async (uid: string, _o: unknown, cmd: Command) => {
      const m = await get(cmd, uidArg(uid))
      report(cmd, m, messageLines(m))
    })
  message
    .command('wait')
    .argument('<uid>', 'the message uid at the messager')
    .option('--confidence <epochs>', 'epochs it must be buried under', '5')
    .addOption(new Option('--timeout <ms>', 'give up after this long (0 = never)').default('0'))
    .addOption(new Option('--poll <ms>', 'messager poll interval').default('3000'))
    .description('wait until a message is on chain and buried --confidence epochs deep (exit 1 if it failed)')
    .action(async (uid: string, o: { confidence: string; timeout: string; poll: string }, cmd: Command) => {
      const id = uidArg(uid)
      const confidence = uintArg(o.confidence, '--confidence')
      const pollMs = millisecondsArg('--poll', o.poll)
      const timeoutMs = o.timeout === '0' ? 0 : millisecondsArg('--timeout', o.timeout)
      const progress = liveProgress(`waiting for message ${id}`)
      let m: MessagerMessage
      try {
        for (;;) {
          m = await get(cmd, id)
          const s = settled(m, confidence)
          if (s.done) break
          progress.update(
            `message ${id}: ${messageStateName(m.State)}${m.State === MessageState.OnChainMsg ? `, ${m.Confidence}/${confidence} confirmations` : ''}${m.ErrorMsg ? ` (${m.ErrorMsg})` : ''}`,
          )
          if (timeoutMs > 0 && progress.elapsedMs() >= timeoutMs)
            throw new VenusError(
              'TIMEOUT',
              `message ${id} is ${messageStateName(m.State)} after ${timeoutMs} ms`,
              {
                details: { uid: id, state: m.State },
              },
            )
          await new Promise((r) => setTimeout(r, pollMs))
        }
      } finally {
        progress.stop()
      }
      const lines = messageLines(m)
      if (!settled(m, confidence).ok)
        throw new VenusError('MESSAGE_FAILED', lines.join('\n'), { details: { uid: id, state: m.State } })
      report(cmd, m, lines)
    })
  return message
}
