/**
 * The events of a sealing worker, through core's `TypedEmitter`: `worker.events.on(name, fn)`
 * returns its own unsubscribe. A listener that throws is logged and never stops a thread.
 */
import type { SectorId } from '@venus-cluster/core'
import type { FailureLevel } from './failure.js'
import type { SealingState } from './states.js'

/** After every step of a thread: a state change, or a failed step (`prev === next`). */
export interface ThreadStepEvent {
  /** The thread's index. */
  thread: number
  plan: string
  /** The sector (or task) of the thread; null before the manager gave it one. */
  sector: SectorId | null
  prev: SealingState
  next: SealingState
  failure: { level: FailureLevel; desc: string } | null
}

/** A sector moved to another state (a step that succeeded; also into `Aborted`). */
export interface SectorStateEvent {
  thread: number
  plan: string
  sector: SectorId
  prev: SealingState
  next: SealingState
}

/** A sector's task ended and its store was cleaned: the manager has been told. */
export interface SectorDoneEvent {
  thread: number
  plan: string
  sector: SectorId
  state: 'Finished' | 'Aborted'
  /** Why it was aborted (`Aborted` only). */
  reason: string | null
}

/** A thread paused: for an operator (`autoResumeInMs` null) or until it tries again on its own. */
export interface ThreadPausedEvent {
  thread: number
  state: SealingState
  /** The failure that paused it; null for a pause an operator asked for. */
  error: string | null
  autoResumeInMs: number | null
}

/** A paused thread goes on; `into` is the state an operator resumed it into, if any. */
export interface ThreadResumedEvent {
  thread: number
  into: SealingState | null
}

/**
 * Event name → payload of a worker (and of a thread on its own).
 *
 * @example
 * ```ts
 * const off = worker.events.on('sector:state', (e) => console.log(e.sector.number, e.next))
 * worker.events.on('thread:paused', (e) => alert(`thread ${e.thread}: ${e.error}`))
 * off()
 * ```
 */
export type WorkerEvents = {
  'thread:step': ThreadStepEvent
  'sector:state': SectorStateEvent
  'sector:done': SectorDoneEvent
  'thread:paused': ThreadPausedEvent
  'thread:resumed': ThreadResumedEvent
}
