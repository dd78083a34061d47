/**
 * What a WindowPoSt scheduler reports: one event per step, each with its `type`, which is also its
 * name on the scheduler's {@link WindowPoStEvents} emitter.
 */
import type { Logger, TypedEmitter } from '@venus-cluster/core'
import { onEach } from './util.js'

/** Progress of a WindowPoSt scheduler, one event per step. */
export type WindowPoStEvent =
  | { type: 'head'; miner: string; height: number }
  | { type: 'proving-started'; miner: string; deadline: number; open: number; height: number }
  | {
      type: 'sectors-skipped'
      miner: string
      deadline: number
      open: number
      sectors: { sectorNumber: number; reason: string }[]
    }
  | {
      type: 'proof-generated'
      miner: string
      deadline: number
      open: number
      batch: number
      partitions: number[]
      sectors: number
      ms: number
    }
  | { type: 'proof-invalid'; miner: string; deadline: number; open: number; batch: number }
  | {
      type: 'submitted'
      miner: string
      deadline: number
      open: number
      batch: number
      partitions: number[]
      cid: string
      height: number
    }
  | {
      type: 'landed'
      miner: string
      deadline: number
      open: number
      batch: number
      cid: string
      height: number
      exitCode: number
      /** Epochs of the deadline's challenge window (how late `height` is: `(height - open) / window`). */
      window?: number
    }
  | { type: 'deadline-proven'; miner: string; deadline: number; open: number; height: number }
  | { type: 'deadline-missed'; miner: string; deadline: number; open: number; reason: string }
  | { type: 'deadline-reset'; miner: string; deadline: number; open: number; revertHeight: number }
  | {
      type: 'declared'
      miner: string
      kind: 'faults' | 'recoveries'
      deadline: number
      sectors: number[]
      cid: string
    }
  | {
      /** A fault or recovery declaration on chain and buried by `confidence` epochs. */
      type: 'declaration-landed'
      miner: string
      kind: 'faults' | 'recoveries'
      deadline: number
      cid: string
      height: number
    }
  | {
      /** Another poster holds the deadline's lease: this one neither proves nor declares for it. */
      type: 'lease-refused'
      miner: string
      deadline: number
      open: number
    }
  | {
      /** The lease was lost while proving: nothing more is sent for the deadline. */
      type: 'lease-lost'
      miner: string
      deadline: number
      open: number
    }
  | { type: 'error'; miner: string; deadline?: number; open?: number; message: string }

/**
 * The scheduler's events by name, for core's `TypedEmitter`: `events.on('landed', (e) => …)`.
 *
 * @example
 * ```ts
 * const events = new TypedEmitter<WindowPoStEvents>()
 * events.on('deadline-missed', (e) => alert(`${e.miner} missed deadline ${e.deadline}: ${e.reason}`))
 * ```
 */
export type WindowPoStEvents = { [E in WindowPoStEvent as E['type']]: E }

/** Every event name of {@link WindowPoStEvents}. */
export const windowPoStEventTypes = Object.freeze([
  'head',
  'proving-started',
  'sectors-skipped',
  'proof-generated',
  'proof-invalid',
  'submitted',
  'landed',
  'deadline-proven',
  'deadline-missed',
  'deadline-reset',
  'declared',
  'declaration-landed',
  'lease-refused',
  'lease-lost',
  'error',
] as const satisfies readonly WindowPoStEvent['type'][])

// Every event type is listed above (a new one fails to compile here until it is added).
type Missing = Exclude<WindowPoStEvent['type'], (typeof windowPoStEventTypes)[number]>
const _allListed: Missing extends never ? true : Missing = true
void _allListed

/**
 * Calls `listener` for every event of `events`, whatever its type (to log them all, or to feed
 * {@link postResultListener}); returns the function that unsubscribes it.
 *
 * @example
 * ```ts
 * const off = onAnyWindowPoStEvent(poster.events, (e) => console.log(e.type, e.miner))
 * ```
 */
export function onAnyWindowPoStEvent(
  events: Pick<TypedEmitter<WindowPoStEvents>, 'on'>,
  listener: (e: WindowPoStEvent) => void,
): () => void {
  return onEach(events, windowPoStEventTypes, listener)
}

/** Delivers `e` to the listeners of its type. */
export function emitWindowPoStEvent(events: TypedEmitter<WindowPoStEvents>, e: WindowPoStEvent): void {
  events.emit(e.type, e as never)
}

/**
 * Logs a scheduler event at its level: heads at debug, skipped sectors, invalid proofs, lost
 * leases and errors at warn, missed deadlines at error, the rest at info.
 */
export function logWindowPoStEvent(logger: Logger, e: WindowPoStEvent): void {
  const { type, ...fields } = e
  if (type === 'head') logger.debug(fields, type)
  else if (type === 'deadline-missed') logger.error(fields, type)
  else if (
    type === 'error' ||
    type === 'sectors-skipped' ||
    type === 'proof-invalid' ||
    type === 'lease-lost'
  )
    logger.warn(fields, type)
  else logger.info(fields, type)
}
