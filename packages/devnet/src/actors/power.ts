/**
 * The power actor (f04): `CreateMiner` (method 2), which creates a miner actor with its proving
 * period offset, deadlines and robust address.
 */
import {
  AddressProtocol,
  addressFromBytes,
  blake2bHash,
  type CreateMinerParams,
  ExitCode,
  PowerMethod,
  provingPeriodOffset,
} from '@venus-cluster/core'
import { ActorAbort, type ActorRuntime, require } from '../actor-types.js'
import { currentProvingPeriodStart } from '../deadline.js'
import { decodeMethodParams, encodeMethodReturn } from '../params-codec.js'
import { windowPoStInfo } from '../proof-types.js'
import { adoptMiner, type DeadlineState, type MinerState } from '../state.js'
import type { ActorCode } from './actor.js'

/** Power.CreateMiner (method 2 on f04). Returns the new miner's id and robust address. */
export function createMiner(
  rt: ActorRuntime,
  p: CreateMinerParams,
): { idAddress: string; robustAddress: string; id: number } {
  const owner = rt.resolve(p.owner)
  const worker = rt.resolve(p.worker)
  require(owner !== undefined &&
    rt.world.accounts.has(owner), ExitCode.ErrIllegalArgument, `owner ${p.owner} is not an account`)
  require(worker !== undefined &&
    rt.world.accounts.has(worker), ExitCode.ErrIllegalArgument, `worker ${p.worker} is not an account`)
  const workerKey = rt.world.accounts.get(worker)?.key ?? ''
  require(workerKey.slice(1, 2) ===
    '3', ExitCode.ErrIllegalArgument, `worker ${p.worker} must be a BLS account`)
  const post = windowPoStInfo(p.windowPoStProofType)
  require(post !==
    undefined, ExitCode.ErrIllegalArgument, `unknown window post proof type ${p.windowPoStProofType}`)
  require(rt.params.allowedSectorSizes.includes(
    post.sectorSize,
  ), ExitCode.ErrIllegalArgument, `sector size ${post.sectorSize} not allowed on this network`)
  require(rt.value >=
    rt.params
      .minerCreationDeposit, ExitCode.ErrInsufficientFunds, `insufficient balance for miner creation deposit: ${rt.value} < ${rt.params.minerCreationDeposit}`)
  const id = rt.world.nextActorId++
  const robustPayload = blake2bHash(new TextEncoder().encode(`robust:${rt.caller}:${rt.epoch}:${id}`), 20)
  const robustAddress = addressFromBytes(
    Uint8Array.of(AddressProtocol.ACTOR, ...robustPayload),
    rt.params.addressPrefix,
  ).toString()
  const deadlines: DeadlineState[] = []
  for (let i = 0; i < rt.params.wpostPeriodDeadlines; i++)
    deadlines.push({ partitions: [], postSubmissions: new Set() })
  const miner: MinerState = {
    id,
    robust: robustAddress,
    owner,
    worker,
    controls: [],
    pendingWorker: null,
    pendingOwner: null,
    beneficiary: owner,
    beneficiaryTerm: { quota: 0n, usedQuota: 0n, expiration: 0 },
    pendingBeneficiary: null,
    peerId: p.peer,
    multiaddrs: p.multiaddrs,
    windowPoStProofType: p.windowPoStProofType,
    sectorSize: post.sectorSize,
    partitionSectors: post.partitionSectors,
    balance: rt.value,
    preCommitDeposits: 0n,
    initialPledge: rt.value,
    feeDebt: 0n,
    provingPeriodStart: 0,
    currentDeadline: 0,
    allocated: new Set(),
    preCommits: new Map(),
    sectors: new Map(),
    deadlines,
    creationEpoch: rt.epoch,
  }
  rt.world.miners.set(id, miner)
  adoptMiner(rt.world, id)
  const offset = provingPeriodOffset(rt.idAddress(id), rt.epoch, rt.params.wpostProvingPeriod)
  miner.provingPeriodStart = currentProvingPeriodStart(rt.params, rt.epoch, offset)
  miner.currentDeadline = Math.floor((rt.epoch - miner.provingPeriodStart) / rt.params.wpostChallengeWindow)
  return { id, idAddress: rt.idAddress(id), robustAddress }
}

/** Code of the power actor: `CreateMiner` only. */
export const powerActor: ActorCode = {
  name: 'power',
  async invoke(call) {
    call.chargeAs({ method: call.method, to: 'power' })
    if (call.method !== PowerMethod.CreateMiner)
      throw new ActorAbort(ExitCode.ErrUnhandledMessage, `power method ${call.method} not supported`)
    const out = createMiner(call.rt, decodeMethodParams('CreateMiner', call.params))
    return encodeMethodReturn('CreateMiner', out)
  },
}
