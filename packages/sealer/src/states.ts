/**
 * The sealing state machine of one sector (planner "sealer"): the state enum whose
 * order is the on-disk format, the events, and the transition table.
 */
import { VenusError } from '@venus-cluster/core'

/**
 * Sealing states in on-disk order (the index is what the record stores).
 *
 * @example
 * ```ts
 * SEALING_STATES.indexOf('TreeDBuilt') // 4
 * ```
 */
export const SEALING_STATES = [
  'Empty',
  'Allocated',
  'DealsAcquired',
  'PieceAdded',
  'TreeDBuilt',
  'TicketAssigned',
  'PC1Done',
  'PC2Done',
  'PCSubmitted',
  'PCLanded',
  'Persisted',
  'PersistanceSubmitted',
  'SeedAssigned',
  'C1Done',
  'C2Done',
  'ProofSubmitted',
  'Finished',
  'Aborted',
  'SnapEncoded',
  'SnapProved',
] as const

/** One sealing state name. */
export type SealingState = (typeof SEALING_STATES)[number]

/** Event names of the sealer planner. */
export const SEALING_EVENTS = [
  'Allocate',
  'AcquireDeals',
  'AddPiece',
  'BuildTreeD',
  'AssignTicket',
  'PC1',
  'PC2',
  'SubmitPC',
  'ReSubmitPC',
  'CheckPC',
  'Persist',
  'SubmitPersistance',
  'AssignSeed',
  'C1',
  'C2',
  'SubmitProof',
  'ReSubmitProof',
  'Finish',
  'Abort',
] as const

/** One sealing event name. */
export type SealingEvent = (typeof SEALING_EVENTS)[number]

const TABLE: Partial<Record<SealingState, Partial<Record<SealingEvent, SealingState>>>> = {
  Empty: { Allocate: 'Allocated' },
  Allocated: { AcquireDeals: 'DealsAcquired' },
  DealsAcquired: { AddPiece: 'PieceAdded' },
  PieceAdded: { BuildTreeD: 'TreeDBuilt' },
  TreeDBuilt: { AssignTicket: 'TicketAssigned' },
  TicketAssigned: { PC1: 'PC1Done' },
  PC1Done: { PC2: 'PC2Done' },
  PC2Done: { SubmitPC: 'PCSubmitted' },
  PCSubmitted: { CheckPC: 'PCLanded', ReSubmitPC: 'PC2Done' },
  PCLanded: { Persist: 'Persisted' },
  Persisted: { SubmitPersistance: 'PersistanceSubmitted' },
  PersistanceSubmitted: { AssignSeed: 'SeedAssigned' },
  SeedAssigned: { C1: 'C1Done' },
  C1Done: { C2: 'C2Done' },
  C2Done: { SubmitProof: 'ProofSubmitted' },
  ProofSubmitted: { Finish: 'Finished', ReSubmitProof: 'C2Done' },
}

/**
 * The state an event leads to from `state`. `Abort` is accepted from every state that is not
 * terminal. Unlisted events, and events that would leave the state unchanged, are errors (the
 * original's guard against handler loops).
 *
 * @throws VenusError `WORKER_STATE_INVALID` for an event the table does not allow.
 * @example
 * ```ts
 * nextSealingState('PCSubmitted', 'ReSubmitPC') // 'PC2Done'
 * ```
 */
export function nextSealingState(state: SealingState, event: SealingEvent): SealingState {
  if (event === 'Abort' && state !== 'Finished' && state !== 'Aborted') return 'Aborted'
  const next = TABLE[state]?.[event]
  if (next === undefined || next === state) {
    throw new VenusError('WORKER_STATE_INVALID', `event ${event} is not allowed in state ${state}`, {
      details: { state, event },
    })
  }
  return next
}

/**
 * Parses a state name as `worker resume -s` takes it (exact enum name).
 *
 * @throws VenusError `INVALID_ARGUMENT` for an unknown name.
 * @example
 * ```ts
 * parseSealingState('Aborted') // 'Aborted'
 * ```
 */
export function parseSealingState(name: string): SealingState {
  const s = SEALING_STATES.find((x) => x === name)
  if (s === undefined) {
    throw new VenusError('INVALID_ARGUMENT', `unknown sealing state ${JSON.stringify(name)}`, {
      details: { name, known: [...SEALING_STATES] },
    })
  }
  return s
}

/** Whether a state ends the sector (the thread finalizes it and takes the next). */
export function isTerminalState(state: SealingState): boolean {
  return state === 'Finished' || state === 'Aborted'
}
