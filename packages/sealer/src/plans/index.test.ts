import { parseWorkerConfig, VenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { SEALING_STATES } from '../states.js'
import {
  BUILTIN_PLANS,
  PlanRegistry,
  rebuildPlan,
  sealerPlan,
  snapUpPlan,
  threadPlans,
  unsealPlan,
  wdpostPlan,
} from './index.js'
import type { Plan } from './types.js'

const MANAGER = '[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/1789"\n'

function errorOf(fn: () => unknown): VenusError {
  try {
    fn()
  } catch (err) {
    if (err instanceof VenusError) return err
    throw err
  }
  throw new Error('expected an error')
}

/** A plan of two steps, as a future plan (a PoSt job, a rebuild task) would be declared. */
const jobPlan: Plan<'Take' | 'Do'> = {
  name: 'job',
  description: 'takes a job and does it',
  states: ['Empty', 'Allocated', 'Finished', 'Aborted'],
  initial: { state: 'Empty', asks: 'Venus.AllocateJob' },
  steps: { Empty: async () => 'Take', Allocated: async () => 'Do' },
  next: (s, e) => (s === 'Empty' && e === 'Take' ? 'Allocated' : 'Finished'),
  stages: [],
  finish: async () => {},
}

describe('plan registry', () => {
  it('has the sealer, snapup, wdpost, rebuild and unseal plans built in, each with a handler for every state that is not terminal', () => {
    expect(new PlanRegistry().names()).toEqual(['sealer', 'snapup', 'wdpost', 'rebuild', 'unseal'])
    expect(BUILTIN_PLANS).toEqual([sealerPlan, snapUpPlan, wdpostPlan, rebuildPlan, unsealPlan])
    for (const p of BUILTIN_PLANS)
      expect(Object.keys(p.steps)).toEqual(p.states.filter((s) => s !== 'Finished' && s !== 'Aborted'))
    expect(snapUpPlan.states.every((s) => SEALING_STATES.includes(s))).toBe(true)
    expect(snapUpPlan.next('PieceAdded', 'SnapEncode')).toBe('SnapEncoded')
    expect(snapUpPlan.next('SnapProved', 'Abort')).toBe('Aborted')
    expect(() => snapUpPlan.next('Empty', 'SnapProve')).toThrow(/not allowed in state Empty/)
    expect(wdpostPlan.initial).toEqual({ state: 'Empty', asks: 'Venus.WdPoStAllocateJobs' })
    const handled = Object.keys(sealerPlan.steps)
    expect(handled).toEqual(sealerPlan.states.filter((s) => s !== 'Finished' && s !== 'Aborted'))
    expect(sealerPlan.states.every((s) => SEALING_STATES.includes(s))).toBe(true)
    expect(sealerPlan.initial).toEqual({ state: 'Empty', asks: 'Venus.AllocateSector' })
    expect(sealerPlan.stages).toEqual(['tree_d', 'pc1', 'pc2', 'c1', 'c2'])
  })

  it('has the rebuild and unseal plans built in, each asking the manager for its task and refusing events out of order', () => {
    expect(rebuildPlan.initial).toEqual({ state: 'Empty', asks: 'Venus.AllocateRebuildSector' })
    expect(unsealPlan.initial).toEqual({ state: 'Empty', asks: 'Venus.AllocateUnsealSector' })
    expect(rebuildPlan.stages).toEqual(['tree_d', 'pc1', 'pc2'])
    const walk = (plan: Plan, events: string[]) => {
      let s = plan.initial.state
      const seen = [s]
      for (const e of events) {
        s = plan.next(s, e)
        seen.push(s)
      }
      return seen
    }
    expect(
      walk(rebuildPlan as Plan, ['Allocate', 'AddPiece', 'BuildTreeD', 'PC1', 'PC2', 'Persist', 'Finish']),
    ).toEqual([
      'Empty',
      'Allocated',
      'PieceAdded',
      'TreeDBuilt',
      'PC1Done',
      'PC2Done',
      'Persisted',
      'Finished',
    ])
    expect(walk(unsealPlan as Plan, ['Allocate', 'Persist', 'Finish'])).toEqual([
      'Empty',
      'Allocated',
      'Persisted',
      'Finished',
    ])
    expect(rebuildPlan.next('PC2Done', 'Abort')).toBe('Aborted')
    expect(() => rebuildPlan.next('PC1Done', 'Persist')).toThrow(
      'rebuild: event Persist is not allowed in state PC1Done',
    )
    expect(() => unsealPlan.next('Finished', 'Abort')).toThrow(/not allowed/)
  })

  it('registers another plan by name', () => {
    const plans = new PlanRegistry().register(jobPlan as Plan)
    expect(plans.names()).toEqual(['sealer', 'snapup', 'wdpost', 'rebuild', 'unseal', 'job'])
    expect(plans.resolve('job', 'x')).toBe(jobPlan)
  })

  it('refuses a name taken already and a plan whose table does not fit its states', () => {
    expect(() => new PlanRegistry().register(sealerPlan as Plan)).toThrow(
      'a plan named "sealer" is registered already',
    )
    const noHandler = { ...jobPlan, steps: { Empty: jobPlan.steps.Empty } } as Plan
    expect(() => new PlanRegistry().register(noHandler)).toThrow(
      'plan "job": state Allocated has no step handler',
    )
    const noEnd = { ...jobPlan, states: ['Empty', 'Allocated'] } as Plan
    expect(() => new PlanRegistry().register(noEnd)).toThrow('its states must include Finished and Aborted')
    const stray = { ...jobPlan, steps: { ...jobPlan.steps, PC1Done: jobPlan.steps.Empty } } as Plan
    expect(() => new PlanRegistry().register(stray)).toThrow('PC1Done, which is not one of its states')
  })

  it('refuses an unknown plan of a config file with the file, the line, the key and the known plans', () => {
    const text = `${MANAGER}[[sealing_thread]]\nlocation = "/a"\nplan = "snap"`
    const err = errorOf(() => threadPlans(parseWorkerConfig(text, 'bad.toml')))
    expect(err.code).toBe('CONFIG_INVALID_VALUE')
    expect(err.message).toBe(
      'bad.toml:5: sealing_thread[0].plan: plan "snap" is not supported by this worker; known plans: "sealer", "snapup", "wdpost", "rebuild", "unseal"',
    )
    expect(err.details).toMatchObject({
      plan: 'snap',
      known: ['sealer', 'snapup', 'wdpost', 'rebuild', 'unseal'],
    })
  })

  it('points at the thread table when the plan is not written, and takes the plans given', () => {
    const text = `${MANAGER}[[sealing_thread]]\nlocation = "/a"\n[[sealing_thread]]\nlocation = "/b"\nplan = "job"\n`
    const config = parseWorkerConfig(text, 'w.toml')
    expect(
      threadPlans(config, new PlanRegistry([sealerPlan as Plan, jobPlan as Plan])).map((p) => p.name),
    ).toEqual(['sealer', 'job'])
    expect(errorOf(() => threadPlans(config)).message).toMatch(
      /^w\.toml:7: sealing_thread\[1\]\.plan: plan "job"/,
    )
  })
})
