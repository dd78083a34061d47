/**
 * The storage miner actor: its methods by number (the ones the devnet executes), each decoding
 * its parameters, classing itself for gas and crediting the value sent along.
 */
import { ExitCode, METHOD_SEND, MinerMethod } from '@venus-cluster/core'
import { ActorAbort } from '../../actor-types.js'
import { decodeMethodParams, encodeMethodReturn } from '../../params-codec.js'
import type { MinerState } from '../../state.js'
import type { ActorCall, ActorCode } from '../actor.js'
import {
  changeOwnerAddress,
  changeWorkerAddress,
  compactSectorNumbers,
  confirmChangeWorkerAddress,
  repayDebtMethod,
  terminateSectors,
  withdrawBalance,
} from './admin.js'
import { changeBeneficiary, getBeneficiary } from './beneficiary.js'
import { loadMiner } from './common.js'
import { extendSectorExpiration2 } from './extend.js'
import { compactPartitions } from './partitions.js'
import { declareFaults, declareFaultsRecovered, submitWindowedPoSt } from './post.js'
import { preCommitSectorBatch2, proveCommitSectors3 } from './sealing.js'
import { proveReplicaUpdates3 } from './snap.js'

type MethodHandler = (call: ActorCall, m: MinerState) => Promise<Uint8Array | null> | Uint8Array | null

const sectorsIn = (entries: { sectors: number[] }[]) => entries.reduce((a, d) => a + d.sectors.length, 0)

/** The miner's methods by number. */
const methods: Record<number, MethodHandler> = {
  [METHOD_SEND]: (call, m) => {
    call.chargeAs({ method: METHOD_SEND, to: 'account' })
    m.balance += call.rt.value
    return null
  },
  [MinerMethod.PreCommitSectorBatch2]: (call, m) => {
    const p = decodeMethodParams('PreCommitSectorBatch2', call.params)
    call.chargeAs({ method: MinerMethod.PreCommitSectorBatch2, to: 'miner', sectors: p.length })
    preCommitSectorBatch2(call.rt, m, p)
    return null
  },
  [MinerMethod.ProveCommitSectors3]: async (call, m) => {
    const p = decodeMethodParams('ProveCommitSectors3', call.params)
    call.chargeAs({
      method: MinerMethod.ProveCommitSectors3,
      to: 'miner',
      sectors: p.activations.length,
      aggregate: p.aggregateProof.length > 0,
    })
    return encodeMethodReturn('ProveCommitSectors3', await proveCommitSectors3(call.rt, m, p, call.commD))
  },
  [MinerMethod.ProveReplicaUpdates3]: async (call, m) => {
    const p = decodeMethodParams('ProveReplicaUpdates3', call.params)
    call.chargeAs({ method: MinerMethod.ProveReplicaUpdates3, to: 'miner', sectors: p.sectorUpdates.length })
    return encodeMethodReturn('ProveReplicaUpdates3', await proveReplicaUpdates3(call.rt, m, p, call.commD))
  },
  [MinerMethod.SubmitWindowedPoSt]: async (call, m) => {
    const p = decodeMethodParams('SubmitWindowedPoSt', call.params)
    call.chargeAs({ method: MinerMethod.SubmitWindowedPoSt, to: 'miner', partitions: p.partitions.length })
    m.balance += call.rt.value
    await submitWindowedPoSt(call.rt, m, p)
    return null
  },
  [MinerMethod.DeclareFaults]: (call, m) => {
    const p = decodeMethodParams('DeclareFaults', call.params)
    call.chargeAs({ method: MinerMethod.DeclareFaults, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    declareFaults(call.rt, m, p)
    return null
  },
  [MinerMethod.DeclareFaultsRecovered]: (call, m) => {
    const p = decodeMethodParams('DeclareFaultsRecovered', call.params)
    call.chargeAs({ method: MinerMethod.DeclareFaultsRecovered, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    declareFaultsRecovered(call.rt, m, p)
    return null
  },
  [MinerMethod.TerminateSectors]: (call, m) => {
    const p = decodeMethodParams('TerminateSectors', call.params)
    call.chargeAs({ method: MinerMethod.TerminateSectors, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    return encodeMethodReturn('TerminateSectors', terminateSectors(call.rt, m, p))
  },
  [MinerMethod.ChangeWorkerAddress]: (call, m) => {
    const p = decodeMethodParams('ChangeWorkerAddress', call.params)
    call.chargeAs({ method: MinerMethod.ChangeWorkerAddress, to: 'miner' })
    m.balance += call.rt.value
    changeWorkerAddress(call.rt, m, p)
    return null
  },
  [MinerMethod.CompactPartitions]: (call, m) => {
    const p = decodeMethodParams('CompactPartitions', call.params)
    call.chargeAs({ method: MinerMethod.CompactPartitions, to: 'miner', sectors: p.partitions.length })
    m.balance += call.rt.value
    compactPartitions(call.rt, m, p)
    return null
  },
  [MinerMethod.CompactSectorNumbers]: (call, m) => {
    const mask = decodeMethodParams('CompactSectorNumbers', call.params)
    call.chargeAs({ method: MinerMethod.CompactSectorNumbers, to: 'miner' })
    m.balance += call.rt.value
    compactSectorNumbers(call.rt, m, mask)
    return null
  },
  [MinerMethod.ExtendSectorExpiration2]: (call, m) => {
    const p = decodeMethodParams('ExtendSectorExpiration2', call.params)
    call.chargeAs({ method: MinerMethod.ExtendSectorExpiration2, to: 'miner', sectors: sectorsIn(p) })
    m.balance += call.rt.value
    extendSectorExpiration2(call.rt, m, p)
    return null
  },
  [MinerMethod.ConfirmChangeWorkerAddress]: (call, m) => {
    call.chargeAs({ method: MinerMethod.ConfirmChangeWorkerAddress, to: 'miner' })
    m.balance += call.rt.value
    confirmChangeWorkerAddress(call.rt, m)
    return null
  },
  [MinerMethod.RepayDebt]: (call, m) => {
    call.chargeAs({ method: MinerMethod.RepayDebt, to: 'miner' })
    m.balance += call.rt.value
    repayDebtMethod(call.rt, m)
    return null
  },
  [MinerMethod.ChangeOwnerAddress]: (call, m) => {
    const owner = decodeMethodParams('ChangeOwnerAddress', call.params)
    call.chargeAs({ method: MinerMethod.ChangeOwnerAddress, to: 'miner' })
    m.balance += call.rt.value
    changeOwnerAddress(call.rt, m, owner)
    return null
  },
  [MinerMethod.ChangeBeneficiary]: (call, m) => {
    const p = decodeMethodParams('ChangeBeneficiary', call.params)
    call.chargeAs({ method: MinerMethod.ChangeBeneficiary, to: 'miner' })
    m.balance += call.rt.value
    changeBeneficiary(call.rt, m, p)
    return null
  },
  [MinerMethod.GetBeneficiary]: (call, m) => {
    call.chargeAs({ method: MinerMethod.GetBeneficiary, to: 'miner' })
    m.balance += call.rt.value
    return encodeMethodReturn('GetBeneficiary', getBeneficiary(call.rt, m))
  },
  [MinerMethod.WithdrawBalance]: (call, m) => {
    const p = decodeMethodParams('WithdrawBalance', call.params)
    call.chargeAs({ method: MinerMethod.WithdrawBalance, to: 'miner' })
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
