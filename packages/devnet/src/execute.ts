/**
 * Message execution: nonce, value transfer, dispatch to the receiver's actor code, gas charge
 * and rollback of aborted messages.
 */
import { ExitCode, type LotusMessage, VenusError } from '@venus-cluster/core'
import { ActorAbort, type ActorRuntime } from './actor-types.js'
import type { CommDFromPieces } from './actors/miner/common.js'
import { actorCodeOf } from './actors/registry.js'
import type { DevnetReceipt } from './chain-store.js'
import { type GasShape, gasForMessage } from './gas.js'
import { commitWorld, copyWorld, resolveIn, type WorldState } from './state.js'

/** What message execution needs from the chain. */
export interface ExecutionEnv {
  /** An actor runtime on `world` at the execution epoch. */
  runtime(world: WorldState, caller: number, value: bigint): ActorRuntime
  commD: CommDFromPieces
}

/**
 * Applies one message to `world` at `epoch`: nonce, value transfer, actor method, gas charge.
 * On an actor abort all changes but the nonce and the gas charge are rolled back.
 */
export async function applyMessage(
  env: ExecutionEnv,
  world: WorldState,
  msg: LotusMessage,
  baseFee: bigint,
  dryRun = false,
): Promise<DevnetReceipt> {
  const fail = (exitCode: number, error: string, gasUsed: number): DevnetReceipt => ({
    exitCode,
    return: null,
    gasUsed,
    error,
  })
  const from = resolveIn(world, msg.From)
  const sender = from === undefined ? undefined : world.accounts.get(from)
  if (sender === undefined) return fail(ExitCode.SysErrSenderInvalid, `sender ${msg.From} not found`, 0)
  if (!dryRun && sender.nonce !== msg.Nonce)
    return fail(ExitCode.SysErrSenderStateInvalid, `nonce ${msg.Nonce} != ${sender.nonce}`, 0)
  const value = BigInt(msg.Value)
  const feeCap = BigInt(msg.GasFeeCap)
  const gasCost = BigInt(msg.GasLimit) * feeCap
  if (sender.balance < gasCost)
    return fail(ExitCode.SysErrSenderStateInvalid, 'sender cannot cover the gas limit', 0)
  sender.nonce++

  const draft = copyWorld(world)
  let shape: GasShape = { method: msg.Method, to: 'other' }
  let receipt: DevnetReceipt
  try {
    const ret = await invoke(env, draft, msg, from!, value, (s) => {
      shape = s
    })
    receipt = { exitCode: 0, return: ret, gasUsed: gasForMessage(shape), error: '' }
  } catch (err) {
    if (err instanceof ActorAbort) receipt = fail(err.exitCode, err.message, gasForMessage(shape))
    else if (err instanceof VenusError)
      receipt = fail(ExitCode.ErrSerialization, err.message, gasForMessage(shape))
    else throw err
  }
  if (receipt.gasUsed > msg.GasLimit) {
    receipt = fail(
      ExitCode.SysErrOutOfGas,
      `out of gas: used ${receipt.gasUsed}, limit ${msg.GasLimit}`,
      msg.GasLimit,
    )
  }
  if (receipt.exitCode === 0) {
    // Commit the draft: copy every top-level field back so callers holding `world` see it.
    commitWorld(world, draft)
  }
  const acct = world.accounts.get(from!)!
  const baseToPay = baseFee < feeCap ? baseFee : feeCap
  const premium = BigInt(msg.GasPremium)
  const tip = (premium < feeCap - baseToPay ? premium : feeCap - baseToPay) * BigInt(msg.GasLimit)
  const charge = BigInt(receipt.gasUsed) * baseToPay + (tip > 0n ? tip : 0n)
  acct.balance -= charge
  world.burnt += charge
  return receipt
}

async function invoke(
  env: ExecutionEnv,
  world: WorldState,
  msg: LotusMessage,
  from: number,
  value: bigint,
  setShape: (s: GasShape) => void,
): Promise<Uint8Array | null> {
  const sender = world.accounts.get(from)!
  if (sender.balance < value)
    throw new ActorAbort(ExitCode.SysErrInsufficientFunds, `insufficient funds for value ${value}`)
  let to = resolveIn(world, msg.To)
  if (to === undefined) {
    const proto = msg.To.slice(1, 2)
    if (proto !== '1' && proto !== '3')
      throw new ActorAbort(ExitCode.SysErrInvalidReceiver, `receiver ${msg.To} does not exist`)
    to = world.nextActorId++
    world.accounts.set(to, { id: to, key: msg.To, balance: 0n, nonce: 0 })
    world.keyIndex.set(msg.To.slice(1), to)
  }
  sender.balance -= value
  const code = actorCodeOf(world, to)
  if (code === undefined)
    throw new ActorAbort(
      ExitCode.SysErrInvalidReceiver,
      `actor ${msg.To} cannot receive method ${msg.Method}`,
    )
  return code.invoke({
    rt: env.runtime(world, from, value),
    receiver: to,
    method: msg.Method,
    params: msg.Params ? Buffer.from(msg.Params, 'base64') : new Uint8Array(),
    commD: env.commD,
    chargeAs: setShape,
  })
}
