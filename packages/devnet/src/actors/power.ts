/**
 * The power actor (f04): `CreateMiner` (method 2), which creates a miner actor with its proving
 * period offset, deadlines and robust address.
 */
import { blake2b } from '@noble/hashes/blake2.js'
import { ActorAbort, type ActorRuntime, type CreateMinerParam, ExitCode, require } from '../actor-types.js'
import { currentProvingPeriodStart } from '../deadline.js'
import { decodeMethodParams, encodeMethodReturn } from '../params-codec.js'
import { windowPoStInfo } from '../proof-types.js'
import { adoptMiner, type DeadlineState, type MinerState } from '../state.js'
import type { ActorCode } from './actor.js'
import { provingPeriodOffset } from './miner/common.js'

/** Power.CreateMiner (method 2 on f04). Returns the new miner's id and robust address. */
export function createMiner(
  rt: ActorRuntime,
  p: CreateMinerParam,
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
  const robustPayload = blake2b(new TextEncoder().encode(`robust:${rt.caller}:${rt.epoch}:${id}`), {
    dkLen: 20,
  })
  const robustAddress = `${rt.params.addressPrefix}2${robustAddressText(robustPayload)}`
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
  const offset = provingPeriodOffset(rt, id)
  miner.provingPeriodStart = currentProvingPeriodStart(rt.params, rt.epoch, offset)
  miner.currentDeadline = Math.floor((rt.epoch - miner.provingPeriodStart) / rt.params.wpostChallengeWindow)
  return { id, idAddress: rt.idAddress(id), robustAddress }
}

/** Base32 (RFC 4648 lower case, no padding) of an actor-address payload plus its checksum. */
function robustAddressText(payload: Uint8Array): string {
  const checksum = blake2b(new Uint8Array([2, ...payload]), { dkLen: 4 })
  const bytes = new Uint8Array([...payload, ...checksum])
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out
}

/** Code of the power actor: `CreateMiner` only. */
export const powerActor: ActorCode = {
  name: 'power',
  async invoke(call) {
    call.chargeAs({ method: call.method, to: 'power' })
    if (call.method !== 2)
      throw new ActorAbort(ExitCode.ErrUnhandledMessage, `power method ${call.method} not supported`)
    const out = createMiner(call.rt, decodeMethodParams('CreateMiner', call.params))
    return encodeMethodReturn('CreateMiner', out)
  },
}
