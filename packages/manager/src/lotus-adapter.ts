/**
 * Adapters from JSON-RPC method calls to the manager's chain and messager interfaces:
 * `Filecoin.*` (Lotus/venus FullNode v1) and `Message.*` (venus-messager). They take a plain
 * `call(method, params)` so any transport works — a JSON-RPC client, or in-process method
 * tables such as the devnet's.
 */
import { VenusError } from '@venus-cluster/core'
import { toBase64 } from './base64.js'
import type {
  ManagerChain,
  ManagerMessager,
  ManagerMessageStatus,
  ManagerNetworkParams,
  OnChainPreCommit,
  OnChainSector,
} from './chain.js'
import { detectNetwork, type ManagerNetworkName, networkParams, parseNetworkName } from './networks.js'

/** Calls one JSON-RPC method with positional params; `opts.signal` cuts a call short. */
export type JsonRpcCall = (
  method: string,
  params: unknown[],
  opts?: { signal?: AbortSignal | undefined },
) => Promise<unknown>

type Obj = Record<string, unknown>
const obj = (v: unknown, what: string): Obj => {
  if (typeof v !== 'object' || v === null)
    throw new VenusError('CHAIN_ERROR', `${what}: unexpected answer ${JSON.stringify(v)}`)
  return v as Obj
}
const cidStr = (v: unknown): string =>
  typeof v === 'object' && v !== null ? String((v as Obj)['/']) : String(v)
const fromB64 = (v: unknown): Uint8Array => new Uint8Array(Buffer.from(String(v), 'base64'))

/** Options of {@link createLotusChain}. */
export interface LotusChainOptions {
  /** Force a network (`--net`); default: detected from `StateNetworkName`. */
  network?: ManagerNetworkName | string | undefined
}

/**
 * The manager's chain view over `Filecoin.*` calls. State reads use the empty tipset key
 * (= head), so answers match the head of the moment.
 *
 * @example
 * ```ts
 * const chain = createLotusChain((m, p) => client.request(m, p))
 * ```
 */
export function createLotusChain(call: JsonRpcCall, opts: LotusChainOptions = {}): ManagerChain {
  const tsk: unknown[] = []
  const addr = async (miner: number) => `${(await params()).addressPrefix}0${miner}`
  let cached: Promise<ManagerNetworkParams> | undefined
  const params = (): Promise<ManagerNetworkParams> => {
    cached ??= (async () => {
      const nodeName = String(await call('Filecoin.StateNetworkName', []))
      const detected = detectNetwork(nodeName)
      const name = opts.network !== undefined ? parseNetworkName(opts.network) : detected
      // A forced network may name a devnet the node calls something else, never another public
      // network: mainnet state read with testnet rules (or the reverse) would send bad messages.
      if (name !== detected && detected !== '2k') {
        throw new VenusError(
          'NETWORK_UNKNOWN',
          `the chain node serves ${nodeName} (${detected}), but --net says ${name}: point [Chain] Api at a ${name} node or drop --net`,
          { details: { node: nodeName, detected, forced: name } },
        )
      }
      const p = networkParams(name)
      try {
        const np = obj(await call('Filecoin.StateGetNetworkParams', []), 'StateGetNetworkParams')
        if (typeof np.PreCommitChallengeDelay === 'number')
          p.preCommitChallengeDelay = np.PreCommitChallengeDelay
        if (typeof np.BlockDelaySecs === 'number') p.blockDelaySecs = np.BlockDelaySecs
      } catch {
        // Older nodes lack StateGetNetworkParams: the preset stands.
      }
      return p
    })()
    cached.catch(() => {
      cached = undefined
    })
    return cached
  }
  const preCommitJson = async (
    miner: number,
    sector: { sealProof: number; sealedCid: string; expiration: number },
  ) => ({
    SealProof: sector.sealProof,
    SectorNumber: 0,
    SealedCID: { '/': sector.sealedCid },
    SealRandEpoch: 0,
    DealIDs: null,
    Expiration: sector.expiration,
    UnsealedCid: null,
    _miner: await addr(miner),
  })
  return {
    async head(o) {
      const h = obj(await call('Filecoin.ChainHead', [], o), 'ChainHead')
      return { height: Number(h.Height) }
    },
    networkParams: params,
    async minerInfo(miner) {
      const i = obj(await call('Filecoin.StateMinerInfo', [await addr(miner), tsk]), 'StateMinerInfo')
      const idAddr = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)
      return {
        sectorSize: Number(i.SectorSize),
        windowPoStPartitionSectors: Number(i.WindowPoStPartitionSectors ?? 0),
        owner: idAddr(i.Owner),
        worker: idAddr(i.Worker),
        controlAddresses: Array.isArray(i.ControlAddresses)
          ? i.ControlAddresses.filter((a): a is string => typeof a === 'string')
          : [],
      }
    },
    async lookupId(address) {
      try {
        return String(await call('Filecoin.StateLookupID', [address, tsk]))
      } catch (err) {
        // Lotus answers "actor not found" for an address no actor has.
        if (/actor not found|not found/i.test(String((err as Error).message))) return null
        throw err
      }
    },
    async balance(address) {
      return BigInt(String(await call('Filecoin.WalletBalance', [address])))
    },
    async isSectorAllocated(miner, number) {
      return (await call('Filecoin.StateMinerSectorAllocated', [await addr(miner), number, tsk])) === true
    },
    async randomnessFromTickets(req) {
      return fromB64(
        await call('Filecoin.StateGetRandomnessFromTickets', [
          req.dst,
          req.epoch,
          toBase64(req.entropy),
          tsk,
        ]),
      )
    },
    async randomnessFromBeacon(req) {
      return fromB64(
        await call('Filecoin.StateGetRandomnessFromBeacon', [req.dst, req.epoch, toBase64(req.entropy), tsk]),
      )
    },
    async preCommitInfo(miner, number): Promise<OnChainPreCommit | null> {
      const r = await call('Filecoin.StateSectorPreCommitInfo', [await addr(miner), number, tsk])
      if (r === null || r === undefined) return null
      const o = obj(r, 'StateSectorPreCommitInfo')
      const info = obj(o.Info, 'StateSectorPreCommitInfo.Info')
      return {
        preCommitEpoch: Number(o.PreCommitEpoch),
        sealRandEpoch: Number(info.SealRandEpoch),
        sealedCid: cidStr(info.SealedCID),
        dealIds: Array.isArray(info.DealIDs) ? info.DealIDs.map(Number) : [],
        expiration: Number(info.Expiration),
        preCommitDeposit: BigInt(String(o.PreCommitDeposit ?? '0')),
      }
    },
    async sectorInfo(miner, number): Promise<OnChainSector | null> {
      const r = await call('Filecoin.StateSectorGetInfo', [await addr(miner), number, tsk])
      if (r === null || r === undefined) return null
      const o = obj(r, 'StateSectorGetInfo')
      return {
        sectorNumber: Number(o.SectorNumber),
        sealProof: Number(o.SealProof),
        sealedCid: cidStr(o.SealedCID),
        activation: Number(o.Activation),
        expiration: Number(o.Expiration),
        initialPledge: BigInt(String(o.InitialPledge ?? '0')),
      }
    },
    async sectorPartition(miner, number) {
      try {
        const r = await call('Filecoin.StateSectorPartition', [await addr(miner), number, tsk])
        if (r === null || r === undefined) return null
        const o = obj(r, 'StateSectorPartition')
        return { deadline: Number(o.Deadline), partition: Number(o.Partition) }
      } catch (err) {
        // Lotus answers an error, not null, for sectors that are not live.
        if (/not due at any deadline|not found/i.test(String((err as Error).message))) return null
        throw err
      }
    },
    async provingDeadline(miner) {
      const o = obj(
        await call('Filecoin.StateMinerProvingDeadline', [await addr(miner), tsk]),
        'StateMinerProvingDeadline',
      )
      return { index: Number(o.Index), deadlines: Number(o.WPoStPeriodDeadlines ?? 48) }
    },
    async preCommitDeposit(miner, sector) {
      const { _miner, ...info } = await preCommitJson(miner, sector)
      return BigInt(String(await call('Filecoin.StateMinerPreCommitDepositForPower', [_miner, info, tsk])))
    },
    async initialPledge(miner, sector) {
      const { _miner, ...info } = await preCommitJson(miner, sector)
      return BigInt(String(await call('Filecoin.StateMinerInitialPledgeCollateral', [_miner, info, tsk])))
    },
  }
}

/** venus-messager `MessageState` values. */
const MsgState = { UnFillMsg: 1, FillMsg: 2, OnChainMsg: 3, FailedMsg: 4 } as const

/**
 * The manager's messager over `Message.*` calls.
 *
 * @example
 * ```ts
 * const messager = createLotusMessager((m, p) => messagerClient.request(m, p))
 * ```
 */
export function createLotusMessager(call: JsonRpcCall): ManagerMessager {
  return {
    async hasMessageByUid(uid) {
      return (await call('Message.HasMessageByUid', [uid])) === true
    },
    async pushMessageWithId(uid, msg, spec) {
      try {
        await call('Message.PushMessageWithId', [
          uid,
          {
            Version: 0,
            To: msg.to,
            From: msg.from,
            Nonce: 0,
            Value: msg.value.toString(),
            GasLimit: 0,
            GasFeeCap: '0',
            GasPremium: '0',
            Method: msg.method,
            Params: toBase64(msg.params),
          },
          {
            ExpireEpoch: 0,
            GasOverEstimation: spec.gasOverEstimation,
            MaxFee: spec.maxFee.toString(),
            MaxFeeCap: spec.maxFeeCap.toString(),
            GasOverPremium: 0,
          },
        ])
      } catch (err) {
        // Idempotent by uid: a message pushed before a crash is not an error.
        if (!(await call('Message.HasMessageByUid', [uid]).catch(() => false))) throw err
      }
      return uid
    },
    async getMessageByUid(uid): Promise<ManagerMessageStatus> {
      const o = obj(await call('Message.GetMessageByUid', [uid]), 'GetMessageByUid')
      const st = Number(o.State)
      const receipt = o.Receipt === null || o.Receipt === undefined ? undefined : obj(o.Receipt, 'Receipt')
      return {
        state:
          st === MsgState.OnChainMsg
            ? 'onchain'
            : st === MsgState.FailedMsg
              ? 'failed'
              : st === MsgState.UnFillMsg || st === MsgState.FillMsg
                ? 'pending'
                : 'unknown',
        confidence: Number(o.Confidence ?? 0),
        receipt: receipt
          ? {
              exitCode: Number(receipt.ExitCode),
              return: receipt.Return ? fromB64(receipt.Return) : new Uint8Array(0),
              gasUsed: Number(receipt.GasUsed ?? 0),
            }
          : undefined,
        signedCid: o.SignedCid ? cidStr(o.SignedCid) : undefined,
        error: typeof o.ErrorMsg === 'string' && o.ErrorMsg !== '' ? o.ErrorMsg : undefined,
      }
    },
  }
}
