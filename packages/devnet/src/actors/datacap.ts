/**
 * The DataCap token actor (f07, FRC-46): balances in atto-tokens (one byte = 10^18), `Transfer`
 * (only to or from the verified registry; a transfer to f06 with `AllocationRequests` operator
 * data creates allocations) and `Balance`. Minting happens in `AddVerifiedClient`.
 */
import {
  addressFromBytes,
  cborDecode,
  cborEncode,
  DATACAP_TOKEN_PRECISION,
  DatacapMethod,
  decodeDatacapTransfer,
  ExitCode,
  encodeAllocationsResponse,
  encodeBigInt,
  encodeDatacapTransferReturn,
  SingletonActor,
} from '@venus-cluster/core'
import { ActorAbort, type ActorRuntime, require } from '../actor-types.js'
import { decodeParams } from '../params-codec.js'
import type { ActorCode } from './actor.js'
import { receiveDatacap } from './verifreg.js'

const f06 = SingletonActor.VerifiedRegistry

/** A DataCap balance in atto-tokens (0 for actors that never held any). */
export function datacapBalance(rt: Pick<ActorRuntime, 'world'>, id: number): bigint {
  return rt.world.datacap.get(id) ?? 0n
}

/**
 * DataCap.Transfer from the caller: only the verified registry may send or receive, the amount
 * is whole bytes of DataCap, and a transfer to f06 runs its receiver hook (allocations).
 */
export function transferDatacap(
  rt: ActorRuntime,
  toAddress: string,
  amount: bigint,
  operatorData: Uint8Array,
) {
  const to = rt.resolve(toAddress)
  require(to !== undefined, ExitCode.ErrNotFound, `transfer recipient ${toAddress} not found`)
  require(to === f06 ||
    rt.caller === f06, ExitCode.ErrForbidden, 'transfers are allowed only to or from the verified registry')
  require(amount >= 0n, ExitCode.ErrIllegalArgument, `negative transfer amount ${amount}`)
  require(amount % DATACAP_TOKEN_PRECISION ===
    0n, ExitCode.ErrIllegalArgument, `amount ${amount} is not a whole number of bytes of DataCap`)
  const from = datacapBalance(rt, rt.caller)
  require(from >= amount, ExitCode.ErrInsufficientFunds, `DataCap balance ${from} < transfer ${amount}`)
  rt.world.datacap.set(rt.caller, from - amount)
  rt.world.datacap.set(to, datacapBalance(rt, to) + amount)
  const response = to === f06 ? receiveDatacap(rt, rt.caller, amount, operatorData) : undefined
  return {
    fromBalance: datacapBalance(rt, rt.caller),
    toBalance: datacapBalance(rt, to),
    recipientData: response === undefined ? new Uint8Array() : encodeAllocationsResponse(response),
  }
}

/** Code of the DataCap actor. */
export const datacapActor: ActorCode = {
  name: 'datacap',
  async invoke(call) {
    call.chargeAs({ method: call.method, to: 'datacap' })
    switch (call.method) {
      case DatacapMethod.Transfer: {
        const p = decodeParams('Transfer', call.params, (b) => decodeDatacapTransfer(b, 't'))
        return encodeDatacapTransferReturn(transferDatacap(call.rt, p.to, p.amount, p.operatorData))
      }
      case DatacapMethod.Balance: {
        // FRC-46 `Balance` takes the address itself, a CBOR byte string.
        const who = decodeParams('Balance', call.params, (b) => {
          const v = cborDecode(b)
          if (!(v instanceof Uint8Array)) throw new Error('expected an address (a byte string)')
          return addressFromBytes(v, 't').toString()
        })
        const id = call.rt.resolve(who)
        return cborEncode(encodeBigInt(id === undefined ? 0n : datacapBalance(call.rt, id)))
      }
      case DatacapMethod.Granularity:
        return cborEncode(encodeBigInt(DATACAP_TOKEN_PRECISION))
      default:
        throw new ActorAbort(ExitCode.ErrUnhandledMessage, `DataCap method ${call.method} not supported`)
    }
  },
}
