/**
 * The plans a worker can run, by name. The package implements `sealer`, `snapup`, `wdpost` (PoSt
 * worker threads), `rebuild` and `unseal`, each one file under `plans/`. A sealing thread
 * configured with a plan that is not registered is refused when the worker is created, with the
 * file, line and key of the config and the plans there are.
 */
import { formatConfigKeyRef, VenusError, type WorkerConfig } from '@venus-cluster/core'
import { isTerminalState } from '../states.js'
import { rebuildPlan } from './rebuild.js'
import { sealerPlan } from './sealer.js'
import { snapUpPlan } from './snapup.js'
import type { Plan } from './types.js'
import { unsealPlan } from './unseal.js'
import { wdpostPlan } from './wdpost.js'

export { rebuildPlan } from './rebuild.js'
export { sealerPlan } from './sealer.js'
export { nextSnapUpState, type SnapUpEvent, snapUpPlan } from './snapup.js'
export type { Plan, PlanOutcome, StepContext, StepHandler } from './types.js'
export { unsealPlan } from './unseal.js'
export { WDPOST_HEARTBEAT_MS, wdpostPlan } from './wdpost.js'

/** The plans this package implements, in the order `planNames()` lists them. */
export const BUILTIN_PLANS: readonly Plan[] = Object.freeze([
  sealerPlan as Plan,
  snapUpPlan as Plan,
  wdpostPlan as Plan,
  rebuildPlan as Plan,
  unsealPlan as Plan,
])

/**
 * A set of plans by name: the built-in ones, plus any an embedder registers.
 *
 * @example
 * ```ts
 * const plans = new PlanRegistry(BUILTIN_PLANS).register(myRebuildPlan)
 * const worker = createSealingWorker({ config, proofs, plans })
 * ```
 */
export class PlanRegistry {
  readonly #plans = new Map<string, Plan>()

  constructor(plans: readonly Plan[] = BUILTIN_PLANS) {
    for (const p of plans) this.register(p)
  }

  /**
   * Adds a plan.
   *
   * @throws VenusError `INVALID_ARGUMENT` for a name taken already, or a plan whose states, steps
   *   and initial step do not fit together.
   */
  register(plan: Plan): this {
    if (this.#plans.has(plan.name)) {
      throw new VenusError('INVALID_ARGUMENT', `a plan named "${plan.name}" is registered already`)
    }
    const problem = planProblem(plan)
    if (problem !== undefined) {
      throw new VenusError('INVALID_ARGUMENT', `plan "${plan.name}": ${problem}`, {
        details: { plan: plan.name },
      })
    }
    this.#plans.set(plan.name, plan)
    return this
  }

  /** The plan of `name`, if registered. */
  get(name: string): Plan | undefined {
    return this.#plans.get(name)
  }

  /** The registered names, in registration order. */
  names(): string[] {
    return [...this.#plans.keys()]
  }

  /**
   * The plan of `name`, or a config error naming where it was configured and the plans there are.
   *
   * @param where `file:line: key` of the config (or a key path for a config built in code).
   * @throws VenusError `CONFIG_INVALID_VALUE`.
   */
  resolve(name: string, where: string): Plan {
    const plan = this.#plans.get(name)
    if (plan !== undefined) return plan
    const known = this.names()
    throw new VenusError(
      'CONFIG_INVALID_VALUE',
      `${where}: plan ${JSON.stringify(name)} is not supported by this worker; known plans: ${known.map((n) => JSON.stringify(n)).join(', ')}`,
      { details: { key: where, plan: name, known } },
    )
  }
}

function planProblem(plan: Plan): string | undefined {
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(plan.name)) return 'the name must be lower case, like "sealer"'
  const states = new Set<string>(plan.states)
  if (!states.has('Finished') || !states.has('Aborted')) return 'its states must include Finished and Aborted'
  if (!states.has(plan.initial.state))
    return `its initial state ${plan.initial.state} is not one of its states`
  for (const s of plan.states) {
    const handler = plan.steps[s]
    if (isTerminalState(s) && handler !== undefined) return `the terminal state ${s} has a step handler`
    if (!isTerminalState(s) && handler === undefined) return `state ${s} has no step handler`
  }
  for (const s of Object.keys(plan.steps)) {
    if (!states.has(s)) return `it has a step handler for ${s}, which is not one of its states`
  }
  return undefined
}

/**
 * The plan of every sealing thread of `config`, checked against `plans` (default: the built-in
 * ones), in thread order.
 *
 * @throws VenusError `CONFIG_INVALID_VALUE`, e.g. `venus-worker.toml:14: sealing_thread[1].plan:
 *   plan "snapup" is not supported by this worker; known plans: "sealer", "wdpost", "rebuild", "unseal"`.
 * @example
 * ```ts
 * const config = await loadWorkerConfig('venus-worker.toml')
 * threadPlans(config) // refuses an unknown plan before anything starts
 * ```
 */
export function threadPlans(
  config: Pick<WorkerConfig, 'sealingThreads'>,
  plans = new PlanRegistry(),
): Plan[] {
  return config.sealingThreads.map((t, i) =>
    plans.resolve(
      t.plan,
      t.planKey === undefined ? `sealingThreads[${i}].plan` : formatConfigKeyRef(t.planKey),
    ),
  )
}
