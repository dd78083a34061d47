/**
 * What the repair plans (`rebuild`, `unseal`) share: the allocation spec a thread sends, from its
 * `[sealing]` settings, and a transition table that accepts `Abort` from every working state.
 */
import { sealProofFacts, VenusError } from '@venus-cluster/core'
import { permanent } from '../failure.js'
import type { SealingEvent, SealingState } from '../states.js'
import type { StepContext } from './types.js'

/** The miners and proof types a thread may take tasks of (`allowed_miners`, `allowed_sizes`). */
export function allocationSpec(ctx: StepContext): {
  allowedMiners: number[] | null
  allowedProofTypes: number[] | null
} {
  const s = ctx.sealing
  const allowedProofTypes =
    s.allowedSizes === undefined
      ? null
      : s.allowedSizes.map((size) => {
          const id = [5, 6, 7, 8, 9].find((p) => sealProofFacts(p).sectorSize === size)
          if (id === undefined) throw permanent(`allowed size ${size} is not a sector size`)
          return id
        })
  return { allowedMiners: s.allowedMiners ?? null, allowedProofTypes }
}

/**
 * A pure transition function over `table`; `Abort` leads to `Aborted` from every state that is
 * not terminal, anything else not in the table is refused.
 *
 * @throws VenusError `WORKER_STATE_INVALID`.
 */
export function repairTransitions(
  plan: string,
  table: Partial<Record<SealingState, Partial<Record<SealingEvent, SealingState>>>>,
): (state: SealingState, event: SealingEvent) => SealingState {
  return (state, event) => {
    if (event === 'Abort' && state !== 'Finished' && state !== 'Aborted') return 'Aborted'
    const next = table[state]?.[event]
    if (next === undefined || next === state) {
      throw new VenusError(
        'WORKER_STATE_INVALID',
        `${plan}: event ${event} is not allowed in state ${state}`,
        {
          details: { plan, state, event },
        },
      )
    }
    return next
  }
}
