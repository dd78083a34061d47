/**
 * Sending one message through venus-messager from a CLI command and waiting for its receipt:
 * `util miner create`, `util sealer actor withdraw|add-balance`. A message is pushed under a uid;
 * with `--exid` the uid is stable, so a second run waits for the message the first one pushed
 * instead of sending it again.
 */
import { randomUUID } from 'node:crypto'
import {
  decodeBase64Json,
  type MessagerClient,
  MessageState,
  toLotusMessage,
  unfilledMessage,
  VenusError,
} from '@venus-cluster/core'

/** A message as `Message.PushMessageWithId` takes it (gas left to the messager). */
export interface CliMessage {
  To: string
  From: string
  Value: bigint
  Method: number
  Params: Uint8Array
}

/** Options of {@link pushAndWait}. */
export interface PushAndWaitOptions {
  /** What the message does, for errors and progress lines (`CreateMiner`, `WithdrawBalance`). */
  label: string
  /** `--exid`: a stable uid `<kind>-<exid>`; '' = a fresh random uid. */
  exid: string
  /** Uid prefix with `exid` (`create-miner`). */
  kind: string
  /** Messager poll interval in ms. */
  pollMs: number
  /** Progress lines (stderr). */
  log: (line: string) => void
  /** What {@link pushedBefore} answered, when the caller asked already. */
  alreadyPushed?: boolean | undefined
  /** Epochs the message must be buried under before it counts (the messager's `Confidence`; default 0). */
  confidence?: number | undefined
}

/** What {@link pushAndWait} resolves: the uid, whether it was pushed before, and the receipt's return. */
export interface SentMessage {
  uid: string
  alreadyPushed: boolean
  /** The receipt's `Return` bytes. */
  ret: Uint8Array
}

/**
 * Pushes `msg` through the messager (unless a message with the same uid exists) and polls
 * until it is on chain. Rejects with `MESSAGE_FAILED` when the messager gives up or the
 * receipt's exit code is not 0.
 *
 * @example
 * ```ts
 * const { ret } = await pushAndWait(messager, msg, { label: 'WithdrawBalance', kind: 'withdraw', exid: '', pollMs: 30_000, log })
 * ```
 */
export async function pushAndWait(
  messager: MessagerClient,
  msg: CliMessage,
  opts: PushAndWaitOptions,
): Promise<SentMessage> {
  const uid = opts.exid === '' ? randomUUID() : `${opts.kind}-${opts.exid}`
  const alreadyPushed = opts.alreadyPushed ?? (await pushedBefore(messager, opts.kind, opts.exid))
  if (!alreadyPushed)
    await messager.pushMessageWithId(
      uid,
      toLotusMessage(
        unfilledMessage({
          to: msg.To,
          from: msg.From,
          value: msg.Value,
          method: msg.Method,
          params: msg.Params,
        }),
      ),
      { expireEpoch: 0, gasOverEstimation: 1.25, maxFee: '0', maxFeeCap: '0', gasOverPremium: 0 },
    )
  opts.log(`message ${uid} ${alreadyPushed ? 'already pushed' : 'pushed'}, waiting for it to land`)
  let lastError = ''
  let announced = false
  for (;;) {
    const m = await messager.getMessageByUid(uid)
    if (m.State === MessageState.FailedMsg)
      throw new VenusError('MESSAGE_FAILED', `${opts.label} failed: ${m.ErrorMsg ?? ''}`)
    // The messager keeps retrying an unfillable message; say why it waits.
    if (m.State !== MessageState.OnChainMsg && (m.ErrorMsg ?? '') !== '' && m.ErrorMsg !== lastError) {
      lastError = m.ErrorMsg ?? ''
      opts.log(`messager: ${lastError} (still waiting; Ctrl-C to stop)`)
    }
    if (m.State === MessageState.OnChainMsg && m.Receipt) {
      if (m.Receipt.ExitCode !== 0)
        throw new VenusError('MESSAGE_FAILED', `${opts.label} exited with code ${m.Receipt.ExitCode}`, {
          details: { uid, exitCode: m.Receipt.ExitCode },
        })
      const want = opts.confidence ?? 0
      if ((m.Confidence ?? 0) >= want)
        return { uid, alreadyPushed, ret: decodeBase64Json(m.Receipt.Return ?? '', 'Receipt.Return') }
      if (!announced) {
        announced = true
        opts.log(`landed at epoch ${m.Height ?? '?'}; waiting for ${want} confirmations`)
      }
    }
    await new Promise((r) => setTimeout(r, opts.pollMs))
  }
}

/** Whether a message with this `--exid` was pushed before (a re-run then only waits for it). */
export async function pushedBefore(messager: MessagerClient, kind: string, exid: string): Promise<boolean> {
  return exid !== '' && (await messager.hasMessageByUid(`${kind}-${exid}`)) === true
}
