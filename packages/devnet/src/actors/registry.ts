/**
 * Which code an actor id runs: accounts, the singleton actors that take messages (by id), and
 * miners. The verified registry (f06) and DataCap (f07) join `singletons` once they have code.
 */
import { SingletonActor } from '@venus-cluster/core'
import type { WorldState } from '../state.js'
import { accountActor } from './account.js'
import type { ActorCode } from './actor.js'
import { minerActor } from './miner/index.js'
import { powerActor } from './power.js'

/** Singleton actors with code, by actor id. */
const singletons: ReadonlyMap<number, ActorCode> = new Map([[SingletonActor.Power, powerActor]])

/** The code actor `id` runs in `world`, or undefined when it takes no messages. */
export function actorCodeOf(world: WorldState, id: number): ActorCode | undefined {
  if (world.accounts.has(id)) return accountActor
  const singleton = singletons.get(id)
  if (singleton !== undefined) return singleton
  if (world.miners.has(id)) return minerActor
  return undefined
}
