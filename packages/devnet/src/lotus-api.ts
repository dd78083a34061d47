/**
 * The Lotus full-node API subset (`Filecoin.*`, v1 shapes) served by the devnet, as a plain
 * method table for the core JSON-RPC server.
 */
import {
  forkUpgradeParams,
  type LotusMessage,
  type LotusSignature,
  nextNotElapsed,
  type RpcMethod,
  type RpcPermission,
  VenusError,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { initialPledgeFor } from './actors/miner/common.js'
import { deadlineInfo } from './deadline.js'
import type { Devnet, DevnetHeadChange, DevnetTipset } from './devnet.js'
import {
  b64,
  bitfieldFromJson,
  bitfieldJson,
  cidJson,
  deadlineInfoJson,
  messageJson,
  minerInfoJson,
  msgLookupJson,
  partitionJson,
  preCommitOnChainJson,
  receiptJson,
  sectorJson,
  signedMessageJson,
  tipsetJson,
  unsignedMessageJson,
} from './json.js'
import {
  type MinerState,
  minerAvailableBalance,
  minerPower,
  activeSectors as partitionActive,
  type WorldState,
} from './state.js'

function bad(method: string, what: string): never {
  throw new VenusError('RPC_INVALID_PARAMS', `${method}: ${what}`, { details: { method } })
}

function arity(method: string, params: unknown[], min: number, max = min): void {
  if (!Array.isArray(params) || params.length < min || params.length > max) {
    bad(
      method,
      `expected ${min === max ? min : `${min}-${max}`} params, got ${Array.isArray(params) ? params.length : 'none'}`,
    )
  }
}

function num(method: string, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(method, `${what} must be an integer`)
  return v
}

function str(method: string, v: unknown, what: string): string {
  if (typeof v !== 'string') bad(method, `${what} must be a string`)
  return v
}

function cidParam(method: string, v: unknown, what: string): string {
  if (typeof v === 'object' && v !== null && typeof (v as { '/': unknown })['/'] === 'string')
    return (v as { '/': string })['/']
  bad(method, `${what} must be a CID object {"/": "..."}`)
}

function bytesParam(method: string, v: unknown, what: string): Uint8Array {
  if (v === null) return new Uint8Array()
  if (typeof v !== 'string') bad(method, `${what} must be base64 bytes`)
  return new Uint8Array(Buffer.from(v, 'base64'))
}

function tsParam(devnet: Devnet, method: string, v: unknown): DevnetTipset {
  if (v === null || v === undefined) return devnet.head()
  if (!Array.isArray(v)) bad(method, 'tipset key must be an array of CIDs')
  return devnet.tipsetByKey(v.map((c, i) => cidParam(method, c, `tipset key[${i}]`)))
}

function messageParam(method: string, v: unknown): LotusMessage {
  if (typeof v !== 'object' || v === null) bad(method, 'message must be an object')
  const m = v as Record<string, unknown>
  return {
    Version: 0,
    To: str(method, m.To, 'Message.To'),
    From: str(method, m.From, 'Message.From'),
    Nonce: typeof m.Nonce === 'number' ? m.Nonce : 0,
    Value: typeof m.Value === 'string' ? m.Value : '0',
    GasLimit: typeof m.GasLimit === 'number' ? m.GasLimit : 0,
    GasFeeCap: typeof m.GasFeeCap === 'string' ? m.GasFeeCap : '0',
    GasPremium: typeof m.GasPremium === 'string' ? m.GasPremium : '0',
    Method: typeof m.Method === 'number' ? m.Method : 0,
    Params: typeof m.Params === 'string' && m.Params !== '' ? m.Params : null,
  }
}

function bigParam(method: string, v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) bad(method, `${what} must be a decimal string`)
  return BigInt(v)
}

function minerOf(devnet: Devnet, world: WorldState, method: string, addr: unknown): MinerState {
  const a = str(method, addr, 'miner address')
  const id = devnet.resolve(a, world)
  const m = id === undefined ? undefined : world.miners.get(id)
  if (m === undefined)
    throw new VenusError('ACTOR_NOT_FOUND', `actor not found: ${a}`, { details: { address: a } })
  return m
}

/** The deadline the Lotus API reports: the recorded current deadline, moved to its next open. */
function provingDeadline(devnet: Devnet, m: MinerState, ts: DevnetTipset) {
  return nextNotElapsed(deadlineInfo(devnet.params, m.provingPeriodStart, m.currentDeadline, ts.height))
}

/** Required permission of every served Lotus method. */
export const lotusMethodPermissions: Record<string, RpcPermission> = {}

/**
 * Builds the `Filecoin.*` method table served by a devnet.
 *
 * @example
 * ```ts
 * const server = createRpcServer({ methods: { ...lotusMethods(devnet), ...messagerMethods(devnet) } })
 * ```
 */
export function lotusMethods(devnet: Devnet): Record<string, RpcMethod> {
  const p = devnet.params
  const blockMiner = devnet.idAddress(1000)
  const tsJson = (ts: DevnetTipset) => tipsetJson(ts, blockMiner)
  const worldOf = (method: string, v: unknown) => devnet.worldAt(tsParam(devnet, method, v))
  /** Checks the param count, then the miner of params[0] in the state of the tipset key that comes last. */
  const minerCall = (method: string, params: unknown[], count: number) => {
    arity(method, params, count)
    return minerOf(devnet, worldOf(method, params[count - 1]), method, params[0])
  }

  /** The account or miner an `(address, tsk)` call names; ACTOR_NOT_FOUND for neither. */
  const actorCall = (method: string, params: unknown[]) => {
    arity(method, params, 2)
    const a = str(method, params[0], 'address')
    const world = worldOf(method, params[1])
    const id = devnet.resolve(a, world)
    const acct = id === undefined ? undefined : world.accounts.get(id)
    const miner = id === undefined ? undefined : world.miners.get(id)
    if (acct === undefined && miner === undefined)
      throw new VenusError('ACTOR_NOT_FOUND', `actor not found: ${a}`, { details: { address: a } })
    return { acct, miner }
  }

  const read: Record<string, RpcMethod> = {
    'Filecoin.Version': (params) => {
      arity('Version', params, 0)
      return {
        Version: '1.36.2-dev+venus-cluster-devnet',
        APIVersion: 0x020300,
        BlockDelay: p.blockDelaySecs,
        Agent: 'venus-cluster-devnet',
      }
    },
    'Filecoin.ChainHead': (params) => {
      arity('ChainHead', params, 0)
      return tsJson(devnet.head())
    },
    'Filecoin.ChainGetGenesis': (params) => {
      arity('ChainGetGenesis', params, 0)
      return tsJson(devnet.genesis())
    },
    'Filecoin.ChainGetTipSet': (params) => {
      arity('ChainGetTipSet', params, 1)
      return tsJson(tsParam(devnet, 'ChainGetTipSet', params[0]))
    },
    'Filecoin.ChainGetTipSetByHeight': (params) => {
      arity('ChainGetTipSetByHeight', params, 2)
      const h = num('ChainGetTipSetByHeight', params[0], 'height')
      return tsJson(devnet.tipsetAtHeight(h, tsParam(devnet, 'ChainGetTipSetByHeight', params[1])))
    },
    'Filecoin.ChainGetMessage': (params) => {
      arity('ChainGetMessage', params, 1)
      const cid = cidParam('ChainGetMessage', params[0], 'message CID')
      const m = devnet.getMessage(cid)
      if (m === undefined)
        throw new VenusError('MESSAGE_NOT_FOUND', `message ${cid} not found`, { details: { cid } })
      return messageJson(m)
    },
    'Filecoin.ChainNotify': (params, ctx) => {
      arity('ChainNotify', params, 0)
      return headChanges(devnet, ctx.signal, (c) => ({ Type: c.type, Val: tsJson(c.tipset) }))
    },
    'Filecoin.StateNetworkName': (params) => {
      arity('StateNetworkName', params, 0)
      return p.networkName
    },
    'Filecoin.StateNetworkVersion': (params) => {
      arity('StateNetworkVersion', params, 1)
      tsParam(devnet, 'StateNetworkVersion', params[0])
      return p.networkVersion
    },
    'Filecoin.StateGetNetworkParams': (params) => {
      arity('StateGetNetworkParams', params, 0)
      return {
        NetworkName: p.networkName,
        BlockDelaySecs: p.blockDelaySecs,
        ConsensusMinerMinPower: '2048',
        PreCommitChallengeDelay: p.preCommitChallengeDelay,
        ForkUpgradeParams: forkUpgradeParams(p.networkVersion),
        Eip155ChainID: p.eip155ChainId,
        GenesisTimestamp: p.genesisTimestamp,
      }
    },
    'Filecoin.StateLookupID': (params) => {
      arity('StateLookupID', params, 2)
      const a = str('StateLookupID', params[0], 'address')
      const id = devnet.resolve(a, worldOf('StateLookupID', params[1]))
      if (id === undefined)
        throw new VenusError('ACTOR_NOT_FOUND', `actor not found: ${a}`, { details: { address: a } })
      return devnet.idAddress(id)
    },
    'Filecoin.StateAccountKey': (params) => {
      arity('StateAccountKey', params, 2)
      const a = str('StateAccountKey', params[0], 'address')
      const world = worldOf('StateAccountKey', params[1])
      const id = devnet.resolve(a, world)
      const acct = id === undefined ? undefined : world.accounts.get(id)
      if (acct === undefined)
        throw new VenusError('ACTOR_NOT_FOUND', `actor not found: ${a}`, { details: { address: a } })
      return acct.key
    },
    'Filecoin.StateGetActor': (params) => {
      const { acct, miner } = actorCall('StateGetActor', params)
      return {
        Code: cidJson(acct ? ACCOUNT_CODE : MINER_CODE),
        Head: cidJson(ACCOUNT_CODE),
        Nonce: acct?.nonce ?? 0,
        Balance: (acct?.balance ?? miner?.balance ?? 0n).toString(),
        DelegatedAddress: null,
      }
    },
    'Filecoin.StateReadState': (params) => {
      const { acct, miner } = actorCall('StateReadState', params)
      if (acct !== undefined)
        return { Balance: acct.balance.toString(), Code: cidJson(ACCOUNT_CODE), State: { Address: acct.key } }
      if (miner === undefined) throw new Error('unreachable: an actor is an account or a miner')
      // The funds and proving-period fields of the miner state; the devnet keeps no IPLD store,
      // so the roots of the sector, deadline and info objects are left out.
      return {
        Balance: miner.balance.toString(),
        Code: cidJson(MINER_CODE),
        State: {
          PreCommitDeposits: miner.preCommitDeposits.toString(),
          LockedFunds: '0',
          FeeDebt: miner.feeDebt.toString(),
          InitialPledge: miner.initialPledge.toString(),
          ProvingPeriodStart: miner.provingPeriodStart,
          CurrentDeadline: miner.currentDeadline,
          DeadlineCronActive: true,
        },
      }
    },
    'Filecoin.WalletBalance': (params) => {
      arity('WalletBalance', params, 1)
      return devnet.balance(str('WalletBalance', params[0], 'address')).toString()
    },
    'Filecoin.StateMinerInfo': (params) => {
      arity('StateMinerInfo', params, 2)
      const world = worldOf('StateMinerInfo', params[1])
      return minerInfoJson(minerOf(devnet, world, 'StateMinerInfo', params[0]), (id) => devnet.idAddress(id))
    },
    'Filecoin.StateMinerProvingDeadline': (params) => {
      arity('StateMinerProvingDeadline', params, 2)
      const ts = tsParam(devnet, 'StateMinerProvingDeadline', params[1])
      const m = minerOf(devnet, devnet.worldAt(ts), 'StateMinerProvingDeadline', params[0])
      return deadlineInfoJson(provingDeadline(devnet, m, ts), p)
    },
    'Filecoin.StateMinerDeadlines': (params) => {
      const m = minerCall('StateMinerDeadlines', params, 2)
      return m.deadlines.map((d) => ({
        PostSubmissions: bitfieldJson(d.postSubmissions),
        DisputableProofCount: 0,
        DailyFee: '0',
      }))
    },
    'Filecoin.StateMinerPartitions': (params) => {
      const m = minerCall('StateMinerPartitions', params, 3)
      const idx = num('StateMinerPartitions', params[1], 'deadline index')
      const dl = m.deadlines[idx]
      if (dl === undefined) bad('StateMinerPartitions', `deadline ${idx} out of range`)
      return dl.partitions.map(partitionJson)
    },
    'Filecoin.StateMinerSectors': (params) => {
      const m = minerCall('StateMinerSectors', params, 3)
      const filter =
        params[1] === null ? undefined : new Set(bitfieldFromJson(params[1], 'StateMinerSectors filter'))
      return [...m.sectors.values()]
        .filter((s) => filter === undefined || filter.has(s.sectorNumber))
        .sort((a, b) => a.sectorNumber - b.sectorNumber)
        .map(sectorJson)
    },
    'Filecoin.StateMinerActiveSectors': (params) => {
      const m = minerCall('StateMinerActiveSectors', params, 2)
      const active = new Set<number>()
      for (const dl of m.deadlines)
        for (const part of dl.partitions) for (const s of partitionActive(part)) active.add(s)
      return [...m.sectors.values()]
        .filter((s) => active.has(s.sectorNumber))
        .sort((a, b) => a.sectorNumber - b.sectorNumber)
        .map(sectorJson)
    },
    'Filecoin.StateSectorPreCommitInfo': (params) => {
      const m = minerCall('StateSectorPreCommitInfo', params, 3)
      const pc = m.preCommits.get(num('StateSectorPreCommitInfo', params[1], 'sector number'))
      return pc === undefined ? null : preCommitOnChainJson(pc)
    },
    'Filecoin.StateSectorGetInfo': (params) => {
      const m = minerCall('StateSectorGetInfo', params, 3)
      const s = m.sectors.get(num('StateSectorGetInfo', params[1], 'sector number'))
      return s === undefined ? null : sectorJson(s)
    },
    'Filecoin.StateSectorPartition': (params) => {
      const m = minerCall('StateSectorPartition', params, 3)
      const n = num('StateSectorPartition', params[1], 'sector number')
      const s = m.sectors.get(n)
      if (s === undefined)
        throw new VenusError('NOT_FOUND', `sector ${n} not due at any deadline`, { details: { sector: n } })
      return { Deadline: s.deadline, Partition: s.partition }
    },
    'Filecoin.StateMinerFaults': (params) => {
      const m = minerCall('StateMinerFaults', params, 2)
      return bitfieldJson(m.deadlines.flatMap((d) => d.partitions.flatMap((x) => [...x.faulty])))
    },
    'Filecoin.StateMinerRecoveries': (params) => {
      const m = minerCall('StateMinerRecoveries', params, 2)
      return bitfieldJson(m.deadlines.flatMap((d) => d.partitions.flatMap((x) => [...x.recovering])))
    },
    'Filecoin.StateMinerSectorAllocated': (params) => {
      const m = minerCall('StateMinerSectorAllocated', params, 3)
      return m.allocated.has(num('StateMinerSectorAllocated', params[1], 'sector number'))
    },
    'Filecoin.StateMinerAllocated': (params) => {
      const m = minerCall('StateMinerAllocated', params, 2)
      return bitfieldJson(m.allocated)
    },
    'Filecoin.StateMinerAvailableBalance': (params) => {
      const m = minerCall('StateMinerAvailableBalance', params, 2)
      return minerAvailableBalance(m).toString()
    },
    'Filecoin.StateMinerPreCommitDepositForPower': (params) => {
      const m = minerCall('StateMinerPreCommitDepositForPower', params, 3)
      return ((BigInt(m.sectorSize) * p.preCommitDepositPerByte * 110n) / 100n).toString()
    },
    'Filecoin.StateMinerInitialPledgeForSector': (params) => {
      arity('StateMinerInitialPledgeForSector', params, 4)
      num('StateMinerInitialPledgeForSector', params[0], 'duration')
      const size = num('StateMinerInitialPledgeForSector', params[1], 'sector size')
      tsParam(devnet, 'StateMinerInitialPledgeForSector', params[3])
      return ((initialPledgeFor(size, p.initialPledgePerByte) * 110n) / 100n).toString()
    },
    'Filecoin.StateMinerInitialPledgeCollateral': (params) => {
      const m = minerCall('StateMinerInitialPledgeCollateral', params, 3)
      return ((initialPledgeFor(m.sectorSize, p.initialPledgePerByte) * 110n) / 100n).toString()
    },
    'Filecoin.StateMinerCreationDeposit': (params) => {
      arity('StateMinerCreationDeposit', params, 1)
      return p.minerCreationDeposit.toString()
    },
    'Filecoin.StateMinerPower': (params) => {
      arity('StateMinerPower', params, 2)
      const world = worldOf('StateMinerPower', params[1])
      const m = minerOf(devnet, world, 'StateMinerPower', params[0])
      const total = { raw: 0n, qa: 0n }
      for (const x of world.miners.values()) {
        const pw = minerPower(x)
        total.raw += pw.raw
        total.qa += pw.qa
      }
      const mine = minerPower(m)
      return {
        MinerPower: { RawBytePower: mine.raw.toString(), QualityAdjPower: mine.qa.toString() },
        TotalPower: { RawBytePower: total.raw.toString(), QualityAdjPower: total.qa.toString() },
        HasMinPower: mine.raw >= 2048n,
      }
    },
    'Filecoin.StateGetRandomnessFromTickets': (params) => {
      arity('StateGetRandomnessFromTickets', params, 4)
      const ts = tsParam(devnet, 'StateGetRandomnessFromTickets', params[3])
      const dst = num('StateGetRandomnessFromTickets', params[0], 'dst')
      const e = num('StateGetRandomnessFromTickets', params[1], 'epoch')
      return b64(
        devnet.ticketRandomness(
          dst,
          e,
          bytesParam('StateGetRandomnessFromTickets', params[2], 'entropy'),
          ts,
        ),
      )
    },
    'Filecoin.StateGetRandomnessFromBeacon': (params) => {
      arity('StateGetRandomnessFromBeacon', params, 4)
      const ts = tsParam(devnet, 'StateGetRandomnessFromBeacon', params[3])
      const dst = num('StateGetRandomnessFromBeacon', params[0], 'dst')
      const e = num('StateGetRandomnessFromBeacon', params[1], 'epoch')
      return b64(
        devnet.beaconRandomness(dst, e, bytesParam('StateGetRandomnessFromBeacon', params[2], 'entropy'), ts),
      )
    },
    'Filecoin.StateGetRandomnessDigestFromTickets': (params) => {
      arity('StateGetRandomnessDigestFromTickets', params, 2)
      const ts = tsParam(devnet, 'StateGetRandomnessDigestFromTickets', params[1])
      return b64(devnet.ticketDigest(num('StateGetRandomnessDigestFromTickets', params[0], 'epoch'), ts))
    },
    'Filecoin.StateGetRandomnessDigestFromBeacon': (params) => {
      arity('StateGetRandomnessDigestFromBeacon', params, 2)
      const ts = tsParam(devnet, 'StateGetRandomnessDigestFromBeacon', params[1])
      const e = num('StateGetRandomnessDigestFromBeacon', params[0], 'epoch')
      if (e > ts.height) throw new VenusError('RANDOMNESS_INVALID', 'cannot draw randomness from the future')
      return b64(devnet.beaconDigest(e))
    },
    'Filecoin.StateSearchMsg': (params) => {
      arity('StateSearchMsg', params, 4)
      tsParam(devnet, 'StateSearchMsg', params[0])
      const found = devnet.searchMessage(cidParam('StateSearchMsg', params[1], 'message CID'))
      return found === undefined ? null : msgLookupJson(found)
    },
    'Filecoin.StateWaitMsg': async (params, ctx) => {
      arity('StateWaitMsg', params, 4)
      const cid = cidParam('StateWaitMsg', params[0], 'message CID')
      const confidence = num('StateWaitMsg', params[1], 'confidence')
      return msgLookupJson(
        await devnet.waitMessage(cid, confidence, ctx.signal ? { signal: ctx.signal } : {}),
      )
    },
    'Filecoin.StateCall': async (params) => {
      arity('StateCall', params, 2)
      const msg = messageParam('StateCall', params[0])
      const ts = tsParam(devnet, 'StateCall', params[1])
      const started = process.hrtime.bigint()
      const { receipt } = await devnet.dryRun(msg, ts)
      return {
        MsgCid: null,
        Msg: unsignedMessageJson(msg),
        MsgRct: receiptJson(receipt),
        GasCost: null,
        ExecutionTrace: {},
        Error: receipt.exitCode === 0 ? '' : receipt.error,
        Duration: Number(process.hrtime.bigint() - started),
      }
    },
    'Filecoin.MpoolGetNonce': (params) => {
      arity('MpoolGetNonce', params, 1)
      return devnet.nonceOf(str('MpoolGetNonce', params[0], 'address'))
    },
    'Filecoin.GasEstimateMessageGas': async (params) => {
      arity('GasEstimateMessageGas', params, 3)
      const msg = messageParam('GasEstimateMessageGas', params[0])
      tsParam(devnet, 'GasEstimateMessageGas', params[2])
      return unsignedMessageJson(await devnet.estimateGas(msg))
    },
  }
  const write: Record<string, RpcMethod> = {
    'Filecoin.MpoolPush': (params) => {
      arity('MpoolPush', params, 1)
      const sm = params[0] as { Message?: unknown; Signature?: LotusSignature } | null
      if (typeof sm !== 'object' || sm === null || typeof sm.Signature !== 'object')
        bad('MpoolPush', 'expected a SignedMessage')
      const stored = devnet.pushSigned(messageParam('MpoolPush', sm.Message), sm.Signature)
      return cidJson(stored.cid)
    },
  }
  const sign: Record<string, RpcMethod> = {
    'Filecoin.MpoolPushMessage': async (params) => {
      arity('MpoolPushMessage', params, 2)
      const msg = messageParam('MpoolPushMessage', params[0])
      const spec = params[1] as { MaxFee?: unknown } | null
      const maxFee =
        spec && typeof spec.MaxFee === 'string'
          ? bigParam('MpoolPushMessage', spec.MaxFee, 'MaxFee')
          : undefined
      const raw = params[0] as Record<string, unknown>
      const stored = await devnet.pushMessage(
        {
          To: msg.To,
          From: msg.From,
          Value: msg.Value,
          Method: msg.Method,
          Params: msg.Params,
          ...(typeof raw.GasLimit === 'number' && raw.GasLimit > 0
            ? { GasLimit: msg.GasLimit, GasFeeCap: msg.GasFeeCap, GasPremium: msg.GasPremium }
            : {}),
        },
        maxFee !== undefined ? { maxFee } : undefined,
      )
      return signedMessageJson(stored)
    },
  }
  for (const k of Object.keys(read)) lotusMethodPermissions[k] = 'read'
  for (const k of Object.keys(write)) lotusMethodPermissions[k] = 'write'
  for (const k of Object.keys(sign)) lotusMethodPermissions[k] = 'sign'
  return { ...read, ...write, ...sign }
}

// Identity-hash code CIDs in the style of the early builtin actors ("fil/<v>/<name>").
const codeCid = (name: string) =>
  CID.create(1, 0x55, identity.digest(new TextEncoder().encode(`fil/18/${name}`))).toString()
const ACCOUNT_CODE = codeCid('account')
const MINER_CODE = codeCid('storageminer')

/**
 * Head changes as an async iterable: first `current`, then each revert/apply batch, until
 * `signal` aborts or the consumer stops.
 */
export function headChanges<T>(
  devnet: Devnet,
  signal: AbortSignal | undefined,
  map: (c: DevnetHeadChange) => T,
): AsyncIterable<T[]> {
  return {
    [Symbol.asyncIterator]() {
      const queue: T[][] = []
      let wake: (() => void) | undefined
      let done = false
      const unsubscribe = devnet.subscribe((changes) => {
        queue.push(changes.map(map))
        wake?.()
      })
      const finish = () => {
        done = true
        unsubscribe()
        wake?.()
      }
      signal?.addEventListener('abort', finish, { once: true })
      return {
        async next(): Promise<IteratorResult<T[]>> {
          while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r))
          wake = undefined
          const v = queue.shift()
          if (v !== undefined) return { value: v, done: false }
          return { value: undefined, done: true }
        },
        async return(): Promise<IteratorResult<T[]>> {
          finish()
          return { value: undefined, done: true }
        },
      }
    },
  }
}
