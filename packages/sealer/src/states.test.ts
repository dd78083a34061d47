import { describe, expect, it } from 'vitest'
import { isTerminalState, nextSealingState, parseSealingState, SEALING_STATES } from './states.js'

describe('sealing state machine', () => {
  it('keeps the on-disk enum order of v0.1.2', () => {
    expect(SEALING_STATES.indexOf('TreeDBuilt')).toBe(4)
    expect(SEALING_STATES.indexOf('Finished')).toBe(16)
    expect(SEALING_STATES.indexOf('Aborted')).toBe(17)
    expect(SEALING_STATES.length).toBe(20)
  })

  it('walks the happy path from Empty to Finished', () => {
    const events = [
      'Allocate',
      'AcquireDeals',
      'AddPiece',
      'BuildTreeD',
      'AssignTicket',
      'PC1',
      'PC2',
      'SubmitPC',
      'CheckPC',
      'Persist',
      'SubmitPersistance',
      'AssignSeed',
      'C1',
      'C2',
      'SubmitProof',
      'Finish',
    ] as const
    let s: (typeof SEALING_STATES)[number] = 'Empty'
    for (const e of events) s = nextSealingState(s, e)
    expect(s).toBe('Finished')
  })

  it('sends re-submits back to PC2Done and C2Done', () => {
    expect(nextSealingState('PCSubmitted', 'ReSubmitPC')).toBe('PC2Done')
    expect(nextSealingState('ProofSubmitted', 'ReSubmitProof')).toBe('C2Done')
  })

  it('accepts Abort from every non-terminal state and refuses it from terminal ones', () => {
    for (const s of SEALING_STATES) {
      if (isTerminalState(s)) expect(() => nextSealingState(s, 'Abort')).toThrow(/not allowed/)
      else expect(nextSealingState(s, 'Abort')).toBe('Aborted')
    }
  })

  it('refuses events the table does not list for a state', () => {
    expect(() => nextSealingState('Empty', 'PC1')).toThrow(/event PC1 is not allowed in state Empty/)
    expect(() => nextSealingState('Finished', 'Finish')).toThrow(/not allowed/)
  })

  it('parses exact state names for resume and rejects others', () => {
    expect(parseSealingState('Aborted')).toBe('Aborted')
    expect(() => parseSealingState('Abort')).toThrow(/unknown sealing state "Abort"/)
  })
})
