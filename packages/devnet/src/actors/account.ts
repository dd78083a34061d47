/**
 * The account actor: key addresses (BLS and secp256k1) holding funds. It has only `Send`
 * (method 0); the devnet derives every key from its seed, and never checks signatures.
 */
import { addressFromBytes, ExitCode } from '@venus-cluster/core'
import { ActorAbort } from '../actor-types.js'
import type { ActorCode } from './actor.js'

/** Actor id of the genesis faucet account. */
export const FAUCET_ACTOR_ID = 100

/** A BLS key address from its 48-byte public key. */
export function blsAddress(pub: Uint8Array, prefix: 'f' | 't'): string {
  return addressFromBytes(new Uint8Array([3, ...pub]), prefix).toString()
}

/** A secp256k1 key address from its 20-byte payload. */
export function secpAddress(payload: Uint8Array, prefix: 'f' | 't'): string {
  return addressFromBytes(new Uint8Array([1, ...payload]), prefix).toString()
}

/** Code of account actors: `Send` credits the value. */
export const accountActor: ActorCode = {
  name: 'account',
  async invoke(call) {
    call.chargeAs({ method: call.method, to: 'account' })
    if (call.method !== 0)
      throw new ActorAbort(ExitCode.ErrUnhandledMessage, `account actor has no method ${call.method}`)
    const account = call.rt.world.accounts.get(call.receiver)!
    account.balance += call.rt.value
    return null
  },
}
