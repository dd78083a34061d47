/**
 * Message execution: nonce, value transfer, dispatch to the power/miner actors, gas charge and
 * rollback of aborted messages.
 */
import { ExitCode, type LotusMessage, SingletonActor, VenusError } from '@venus-cluster/core'
import { ActorAbort, type ActorRuntime } from './actor-types.js'
import type { DevnetReceipt } from './devnet.js'
import { type GasShape, gasForMessage } from './gas.js'
import {
  type CommDFromPieces,
  changeOwnerAddress,
  changeWorkerAddress,
  compactSectorNumbers,
  confirmChangeWorkerAddress,
  createMiner,
  declareFaults,
  declareFaultsRecovered,
  extendSectorExpiration2,
  loadMiner,
  preCommitSectorBatch2,
  proveCommitSectors3,
  repayDebtMethod,
  submitWindowedPoSt,
  terminateSectors,
  withdrawBalance,
} from './miner-actor.js'
import { decodeMethodParams, encodeMethodReturn } from './params-codec.js'
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
  const rt = env.runtime(world, from, value)
  const params = msg.Params ? Buffer.from(msg.Params, 'base64') : new Uint8Array()
  const account = world.accounts.get(to)
  if (account !== undefined) {
    setShape({ method: msg.Method, to: 'account' })
    if (msg.Method !== 0)
      throw new ActorAbort(ExitCode.ErrUnhandledMessage, `account actor has no method ${msg.Method}`)
    account.balance += value
    return null
  }
  if (to === SingletonActor.Power) {
    setShape({ method: msg.Method, to: 'power' })
    if (msg.Method !== 2)
      throw new ActorAbort(ExitCode.ErrUnhandledMessage, `power method ${msg.Method} not supported`)
    const p = decodeMethodParams('CreateMiner', params)
    const out = createMiner(rt, p)
    return encodeMethodReturn('CreateMiner', out)
  }
  const miner = world.miners.get(to)
  if (miner === undefined)
    throw new ActorAbort(
      ExitCode.SysErrInvalidReceiver,
      `actor ${msg.To} cannot receive method ${msg.Method}`,
    )
  const m = loadMiner(rt, to)
  switch (msg.Method) {
    case 0:
      setShape({ method: 0, to: 'account' })
      m.balance += value
      return null
    case 28: {
      const p = decodeMethodParams('PreCommitSectorBatch2', params)
      setShape({ method: 28, to: 'miner', sectors: p.length })
      preCommitSectorBatch2(rt, m, p)
      return null
    }
    case 34: {
      const p = decodeMethodParams('ProveCommitSectors3', params)
      setShape({
        method: 34,
        to: 'miner',
        sectors: p.activations.length,
        aggregate: p.aggregateProof.length > 0,
      })
      const out = await proveCommitSectors3(rt, m, p, env.commD)
      return encodeMethodReturn('ProveCommitSectors3', out)
    }
    case 5: {
      const p = decodeMethodParams('SubmitWindowedPoSt', params)
      setShape({ method: 5, to: 'miner', partitions: p.partitions.length })
      m.balance += value
      await submitWindowedPoSt(rt, m, p)
      return null
    }
    case 10: {
      const p = decodeMethodParams('DeclareFaults', params)
      setShape({ method: 10, to: 'miner', sectors: p.reduce((a, d) => a + d.sectors.length, 0) })
      m.balance += value
      declareFaults(rt, m, p)
      return null
    }
    case 11: {
      const p = decodeMethodParams('DeclareFaultsRecovered', params)
      setShape({ method: 11, to: 'miner', sectors: p.reduce((a, d) => a + d.sectors.length, 0) })
      m.balance += value
      declareFaultsRecovered(rt, m, p)
      return null
    }
    case 9: {
      const p = decodeMethodParams('TerminateSectors', params)
      setShape({ method: 9, to: 'miner', sectors: p.reduce((a, d) => a + d.sectors.length, 0) })
      m.balance += value
      return encodeMethodReturn('TerminateSectors', terminateSectors(rt, m, p))
    }
    case 3: {
      const p = decodeMethodParams('ChangeWorkerAddress', params)
      setShape({ method: 3, to: 'miner' })
      m.balance += value
      changeWorkerAddress(rt, m, p)
      return null
    }
    case 20: {
      const mask = decodeMethodParams('CompactSectorNumbers', params)
      setShape({ method: 20, to: 'miner' })
      m.balance += value
      compactSectorNumbers(rt, m, mask)
      return null
    }
    case 32: {
      const p = decodeMethodParams('ExtendSectorExpiration2', params)
      setShape({ method: 32, to: 'miner', sectors: p.reduce((a, d) => a + d.sectors.length, 0) })
      m.balance += value
      extendSectorExpiration2(rt, m, p)
      return null
    }
    case 21:
      setShape({ method: 21, to: 'miner' })
      m.balance += value
      confirmChangeWorkerAddress(rt, m)
      return null
    case 22:
      setShape({ method: 22, to: 'miner' })
      m.balance += value
      repayDebtMethod(rt, m)
      return null
    case 23: {
      const owner = decodeMethodParams('ChangeOwnerAddress', params)
      setShape({ method: 23, to: 'miner' })
      m.balance += value
      changeOwnerAddress(rt, m, owner)
      return null
    }
    case 16: {
      const p = decodeMethodParams('WithdrawBalance', params)
      setShape({ method: 16, to: 'miner' })
      m.balance += value
      return encodeMethodReturn('WithdrawBalance', withdrawBalance(rt, m, p))
    }
    default:
      throw new ActorAbort(
        ExitCode.ErrUnhandledMessage,
        `miner method ${msg.Method} not supported by the devnet`,
      )
  }
}
