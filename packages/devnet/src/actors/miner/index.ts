/**
 * The storage miner actor: its methods by number (the ones the devnet executes), each decoding
 * its parameters, classing itself for gas and crediting the value sent along.
 */
import { ActorAbort, ExitCode } from '../../actor-types.js'
import { decodeMethodParams, encodeMethodReturn } from '../../params-codec.js'
import type { MinerState } from '../../state.js'
import type { ActorCall, ActorCode } from '../actor.js'
import {
  changeOwnerAddress,
  changeWorkerAddress,
  compactSectorNumbers,
  confirmChangeWorkerAddress,
  extendSectorExpiration2,
  repayDebtMethod,
  terminateSectors,
  withdrawBalance,
} from './admin.js'
import { loadMiner } from './common.js'
import { declareFaults, declareFaultsRecovered, submitWindowedPoSt } from './post.js'
import { preCommitSectorBatch2, proveCommitSectors3 } from './sealing.js'

type MinerMethod = (call: ActorCall, m: MinerState) => Promise<Uint8Array | null> | Uint8Array | null

const sectorsIn = (entries: { sectors: number[] }[]) => entries.reduce((a, d) => a + d.sectors.length, 0)

/** The miner's methods by number. */
const methods: Record<number, MinerMethod> = {
  0: (call, m) => {
    call.chargeAs({ method: 0, to: 'account' })
    m.balance += call.rt.value
    return null
  },
  28: (call, m) => {
    const p = decodeMethodParams('PreCommitSectorBatch2', call.params)
    call.chargeAs({ method: 28, to: 'miner', sectors: p.length })
    preCommitSectorBatch2(call.rt, m, p)
    return null
  },
  34: async (call, m) => {
    const p = decodeMethodParams('ProveCommitSectors3', call.params)
    call.chargeAs({
      method: 34,
      to: 'miner',
      sectors: p.activations.length,
      aggregate: p.aggregateProof.length > 0,
    })
    return encodeMethodReturn('ProveCommitSectors3', await proveCommitSectors3(call.rt, m, p, call.commD))
  },
  5: async (call, m) => {
    const p = decodeMethodParams('SubmitWindowedPoSt', call.params)
    call.chargeAs({ method: 5, to: 'miner', partitions: p.partitions.length })
    m.balance += call.rt.value
    await submitWindowedPoSt(call.rt, m, p)
    return null
  },
  10: (call, m) => {
    const p = decodeMethodParams('DeclareFaults', call.params)
    call.chargeAs({ method: 10, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    declareFaults(call.rt, m, p)
    return null
  },
  11: (call, m) => {
    const p = decodeMethodParams('DeclareFaultsRecovered', call.params)
    call.chargeAs({ method: 11, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    declareFaultsRecovered(call.rt, m, p)
    return null
  },
  9: (call, m) => {
    const p = decodeMethodParams('TerminateSectors', call.params)
    call.chargeAs({ method: 9, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    return encodeMethodReturn('TerminateSectors', terminateSectors(call.rt, m, p))
  },
  3: (call, m) => {
    const p = decodeMethodParams('ChangeWorkerAddress', call.params)
    call.chargeAs({ method: 3, to: 'miner' })
    m.balance += call.rt.value
    changeWorkerAddress(call.rt, m, p)
    return null
  },
  20: (call, m) => {
    const mask = decodeMethodParams('CompactSectorNumbers', call.params)
    call.chargeAs({ method: 20, to: 'miner' })
    m.balance += call.rt.value
    compactSectorNumbers(call.rt, m, mask)
    return null
  },
  32: (call, m) => {
    const p = decodeMethodParams('ExtendSectorExpiration2', call.params)
    call.chargeAs({ method: 32, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    extendSectorExpiration2(call.rt, m, p)
    return null
  },
  21: (call, m) => {
    call.chargeAs({ method: 21, to: 'miner' })
    m.balance += call.rt.value
    confirmChangeWorkerAddress(call.rt, m)
    return null
  },
  22: (call, m) => {
    call.chargeAs({ method: 22, to: 'miner' })
    m.balance += call.rt.value
    repayDebtMethod(call.rt, m)
    return null
  },
  23: (call, m) => {
    const owner = decodeMethodParams('ChangeOwnerAddress', call.params)
    call.chargeAs({ method: 23, to: 'miner' })
    m.balance += call.rt.value
    changeOwnerAddress(call.rt, m, owner)
    return null
  },
  16: (call, m) => {
    const p = decodeMethodParams('WithdrawBalance', call.params)
    call.chargeAs({ method: 16, to: 'miner' })
    m.balance += call.rt.value
    return encodeMethodReturn('WithdrawBalance', withdrawBalance(call.rt, m, p))
  },
}

/** Code of miner actors. */
export const minerActor: ActorCode = {
  name: 'miner',
  async invoke(call) {
    const m = loadMiner(call.rt, call.receiver)
    const method = methods[call.method]
    if (method === undefined)
      throw new ActorAbort(
        ExitCode.ErrUnhandledMessage,
        `miner method ${call.method} not supported by the devnet`,
      )
    return method(call, m)
  },
}

export type { BatchReturn } from './sealing.js'
