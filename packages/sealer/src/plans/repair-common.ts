/**
 * What the repair plans (`rebuild`, `unseal`) share: the allocation spec a thread sends, from its
 * `[sealing]` settings, and a transition table that accepts `Abort` from every working state.
 */
import {
  type EpochRandomness,
  proverId,
  type SectorId,
  sealProofFacts,
  sectorIdToWire,
  ticketToWire,
  VenusError,
} from '@venus-cluster/core'
import { abort, describeError, permanent } from '../failure.js'
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

/** What every repair task gives: the sector and the ticket it was sealed with. */
interface RepairTaskBase {
  id: SectorId
  proofType: number
  ticket: EpochRandomness
}

/**
 * The `Empty` step of a repair plan: asks the manager for a task (`ask`; a failed call is retried
 * forever, as `AllocateSector` is, without spending the retry budget), records it (`record` fills
 * the plan's fields) before anything else, and gives it back as failed (`giveBack`) when the
 * record cannot be written, so it can be queued again. Resolves the task, or null when there is
 * none now (after sleeping `recover_interval`).
 */
export async function allocateRepairTask<T extends RepairTaskBase>(
  ctx: StepContext,
  method: string,
  ask: (spec: {
    allowedMiners: number[] | null
    allowedProofTypes: number[] | null
    worker: string
  }) => Promise<T | null>,
  record: (task: T) => void,
  giveBack: (task: T, reason: string) => Promise<void>,
): Promise<T | null> {
  let got: T | null
  try {
    got = await ask({ ...allocationSpec(ctx), worker: ctx.thread.instance })
  } catch (err) {
    ctx.log.warn({ err: describeError(err) }, `${method} failed; retrying`)
    got = null
  }
  if (got === null) {
    await ctx.sleep(ctx.sealing.recoverIntervalMs)
    return null
  }
  const rec = ctx.record
  rec.base = {
    allocated: { ID: sectorIdToWire(got.id), ProofType: got.proofType },
    prove_input: [Buffer.from(proverId(got.id.miner)).toString('base64'), got.id.number],
  }
  rec.phases.ticket = ticketToWire(got.ticket)
  record(got)
  try {
    await ctx.checkpoint()
  } catch (err) {
    await giveBack(
      got,
      `worker ${ctx.thread.instance} could not record the task: ${describeError(err)}`,
    ).catch(() => {})
    throw err
  }
  return got
}

/** The states both repair plans pass through (each uses a subset of the sealer's steps). */
export const REPAIR_STATES: readonly SealingState[] = [
  'Empty',
  'Allocated',
  'PieceAdded',
  'TreeDBuilt',
  'PC1Done',
  'PC2Done',
  'Persisted',
  'Finished',
  'Aborted',
]

/**
 * Ends a repair plan's submit step: 1 (Accepted) and 2 (DuplicateSubmit, already done) both mean
 * the manager has the result; anything else aborts the task with the manager's reason.
 *
 * @throws the abort failure naming `what` and the manager's answer.
 */
export function requireAccepted(
  r: { result: number; desc?: string | null | undefined },
  what: string,
): 'Finish' {
  if (r.result !== 1 && r.result !== 2)
    throw abort(`the manager refused the ${what}: ${r.desc ?? `result ${r.result}`}`)
  return 'Finish'
}
