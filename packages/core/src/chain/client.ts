import { isVenusError, VenusError } from '../errors/index.js'
import { createRpcClient, type RpcClient, type RpcClientOptions } from '../rpc/client.js'
import type { RpcCallOptions, RpcTransport } from '../rpc/types.js'
import type {
  AddressString,
  BitFieldJson,
  CidJson,
  LotusActor,
  LotusActorState,
  LotusDeadline,
  LotusDeadlineInfo,
  LotusHeadChange,
  LotusInvocResult,
  LotusMessage,
  LotusMessageSendSpec,
  LotusMinerInfo,
  LotusMinerPower,
  LotusMsgLookup,
  LotusNetworkParams,
  LotusPartition,
  LotusSectorLocation,
  LotusSectorOnChainInfo,
  LotusSectorPreCommitInfo,
  LotusSectorPreCommitOnChainInfo,
  LotusSignedMessage,
  LotusTipSet,
  LotusTipSetKey,
  LotusVersion,
} from './types.js'
import { decodeBase64Json, decodeBigIntJson, encodeBase64Json } from './wire.js'

/** Options of {@link ChainClient.chainNotify}. */
export interface ChainNotifyOptions {
  signal?: AbortSignal
  /** Resubscribe after the stream ends or the connection drops (default true). */
  resubscribe?: boolean
  /** First wait before resubscribing in ms, doubled up to `maxDelayMs` (default 200). */
  minDelayMs?: number
  /** Longest wait between resubscribe attempts (default 5000). */
  maxDelayMs?: number
  /** Called each time a new subscription opened after the first (its first batch is `current`). */
  onResubscribe?: (attempt: number) => void
}

/** Options of {@link createChainClient}. */
export interface ChainClientOptions extends RpcClientOptions {
  /** Method namespace (default `Filecoin`). */
  namespace?: string
}

/**
 * Typed `Filecoin.*` calls of the full-node API v1 (Lotus and Venus). Arguments
 * and results are the wire JSON shapes, except: byte arguments take `Uint8Array`, randomness
 * comes back as `Uint8Array`, and balances/deposits/pledges come back as `bigint` attoFIL.
 * `tsk` defaults to `[]` (the head).
 */
export interface ChainClient {
  /** The RPC client underneath (for calls not listed here). */
  readonly rpc: RpcClient
  /** Calls any method of the namespace by short name. */
  call<T = unknown>(method: string, params: unknown[], opts?: RpcCallOptions): Promise<T>
  close(): Promise<void>

  version(opts?: RpcCallOptions): Promise<LotusVersion>
  chainHead(opts?: RpcCallOptions): Promise<LotusTipSet>
  /** Head changes: first `[current]`, then revert/apply batches; resubscribes after a drop. */
  chainNotify(opts?: ChainNotifyOptions): AsyncIterable<LotusHeadChange[]>
  chainGetTipSet(tsk: LotusTipSetKey, opts?: RpcCallOptions): Promise<LotusTipSet>
  chainGetTipSetByHeight(epoch: number, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<LotusTipSet>
  chainGetMessage(cid: CidJson, opts?: RpcCallOptions): Promise<LotusMessage>

  stateMinerInfo(maddr: AddressString, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<LotusMinerInfo>
  stateMinerProvingDeadline(
    maddr: AddressString,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusDeadlineInfo>
  stateMinerDeadlines(
    maddr: AddressString,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusDeadline[]>
  stateMinerPartitions(
    maddr: AddressString,
    deadline: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusPartition[]>
  stateMinerSectors(
    maddr: AddressString,
    filter: BitFieldJson | null,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusSectorOnChainInfo[]>
  stateMinerActiveSectors(
    maddr: AddressString,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusSectorOnChainInfo[]>
  stateSectorPreCommitInfo(
    maddr: AddressString,
    sector: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusSectorPreCommitOnChainInfo | null>
  stateSectorGetInfo(
    maddr: AddressString,
    sector: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusSectorOnChainInfo | null>
  stateSectorPartition(
    maddr: AddressString,
    sector: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusSectorLocation | null>
  stateMinerFaults(maddr: AddressString, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<BitFieldJson>
  stateMinerRecoveries(
    maddr: AddressString,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<BitFieldJson>
  stateMinerSectorAllocated(
    maddr: AddressString,
    sector: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<boolean>
  /** Every sector number the miner has allocated (go-bitfield JSON runs). */
  stateMinerAllocated(
    maddr: AddressString,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<BitFieldJson>
  stateMinerAvailableBalance(
    maddr: AddressString,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<bigint>
  stateMinerPreCommitDepositForPower(
    maddr: AddressString,
    info: LotusSectorPreCommitInfo,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<bigint>
  stateMinerInitialPledgeForSector(
    duration: number,
    sectorSize: number,
    verifiedSize: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<bigint>
  /** Deprecated by Lotus (infers verified space from DealIDs); prefer {@link ChainClient.stateMinerInitialPledgeForSector}. */
  stateMinerInitialPledgeCollateral(
    maddr: AddressString,
    info: LotusSectorPreCommitInfo,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<bigint>
  stateMinerCreationDeposit(tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<bigint>
  stateMinerPower(maddr: AddressString, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<LotusMinerPower>

  stateGetRandomnessFromTickets(
    dst: number,
    epoch: number,
    entropy: Uint8Array | null,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<Uint8Array>
  stateGetRandomnessFromBeacon(
    dst: number,
    epoch: number,
    entropy: Uint8Array | null,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<Uint8Array>
  stateGetRandomnessDigestFromTickets(
    epoch: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<Uint8Array>
  stateGetRandomnessDigestFromBeacon(
    epoch: number,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<Uint8Array>

  stateLookupID(addr: AddressString, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<AddressString>
  stateAccountKey(addr: AddressString, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<AddressString>
  stateGetActor(addr: AddressString, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<LotusActor>
  /** The actor's decoded state (`StateReadState`), e.g. a miner's `FeeDebt`. */
  stateReadState(addr: AddressString, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<LotusActorState>
  stateNetworkVersion(tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<number>
  stateNetworkName(opts?: RpcCallOptions): Promise<string>
  stateGetNetworkParams(opts?: RpcCallOptions): Promise<LotusNetworkParams>
  walletBalance(addr: AddressString, opts?: RpcCallOptions): Promise<bigint>

  stateSearchMsg(
    msg: CidJson,
    opts?: RpcCallOptions & { from?: LotusTipSetKey; lookbackLimit?: number; allowReplaced?: boolean },
  ): Promise<LotusMsgLookup | null>
  stateWaitMsg(
    msg: CidJson,
    confidence: number,
    opts?: RpcCallOptions & { lookbackLimit?: number; allowReplaced?: boolean },
  ): Promise<LotusMsgLookup>
  stateCall(msg: LotusMessage, tsk?: LotusTipSetKey, opts?: RpcCallOptions): Promise<LotusInvocResult>
  mpoolPushMessage(
    msg: LotusMessage,
    spec: LotusMessageSendSpec | null,
    opts?: RpcCallOptions,
  ): Promise<LotusSignedMessage>
  mpoolPush(msg: LotusSignedMessage, opts?: RpcCallOptions): Promise<CidJson>
  mpoolGetNonce(addr: AddressString, opts?: RpcCallOptions): Promise<number>
  gasEstimateMessageGas(
    msg: LotusMessage,
    spec: LotusMessageSendSpec | null,
    tsk?: LotusTipSetKey,
    opts?: RpcCallOptions,
  ): Promise<LotusMessage>
}

function rand32(v: unknown, what: string): Uint8Array {
  const bytes = decodeBase64Json(v, what)
  if (bytes.length !== 32) {
    throw new VenusError('RPC_TRANSPORT', `${what} is ${bytes.length} bytes, want 32`, { details: { what } })
  }
  return bytes
}

function isRpcClient(v: RpcTransport | RpcClient): v is RpcClient {
  return (
    typeof (v as RpcClient).call === 'function' &&
    typeof (v as RpcClient).subscribe === 'function' &&
    'transport' in v
  )
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((res) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      res()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * A typed client of the Filecoin full-node API (Lotus or Venus, `/rpc/v1`). Pass a transport
 * (`wsTransport`, `httpTransport`, `customTransport`, a devnet transport) or an `RpcClient`.
 *
 * @example
 * ```ts
 * const { wsUrl, token } = parseApiInfo(process.env.FULLNODE_API_INFO!)
 * const chain = createChainClient(wsTransport(wsUrl, { token }))
 * const head = await chain.chainHead()
 * const info = await chain.stateMinerInfo('f01000', head.Cids)
 * for await (const changes of chain.chainNotify({ signal })) console.log(changes.map((c) => c.Type))
 * ```
 */
export function createChainClient(
  transport: RpcTransport | RpcClient,
  options: ChainClientOptions = {},
): ChainClient {
  const rpc = isRpcClient(transport)
    ? transport
    : createRpcClient(transport, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
  const ns = options.namespace ?? 'Filecoin'
  const call = <T>(method: string, params: unknown[], opts?: RpcCallOptions): Promise<T> =>
    rpc.call<T>(`${ns}.${method}`, params, opts)
  const big = async (method: string, params: unknown[], opts?: RpcCallOptions): Promise<bigint> =>
    decodeBigIntJson(await call(method, params, opts), `${method} result`)
  const entropy = (e: Uint8Array | null) => (e === null || e.length === 0 ? null : encodeBase64Json(e))

  async function* chainNotify(opts: ChainNotifyOptions = {}): AsyncGenerator<LotusHeadChange[]> {
    const resub = opts.resubscribe ?? true
    const min = opts.minDelayMs ?? 200
    const max = opts.maxDelayMs ?? 5000
    let delay = min
    let attempt = 0
    for (;;) {
      if (opts.signal?.aborted) return
      if (attempt > 0) opts.onResubscribe?.(attempt)
      try {
        const sub = rpc.subscribe<LotusHeadChange[]>(
          `${ns}.ChainNotify`,
          [],
          opts.signal === undefined ? {} : { signal: opts.signal },
        )
        for await (const batch of sub) {
          delay = min
          if (!Array.isArray(batch)) {
            throw new VenusError(
              'RPC_TRANSPORT',
              'ChainNotify sent a value that is not an array of head changes',
              { details: { method: 'ChainNotify' } },
            )
          }
          yield batch
        }
      } catch (err) {
        if (opts.signal?.aborted) return
        const transient =
          isVenusError(err, 'RPC_CLOSED') ||
          isVenusError(err, 'RPC_TRANSPORT') ||
          isVenusError(err, 'RPC_TIMEOUT')
        if (!resub || !transient) throw err
      }
      if (!resub || opts.signal?.aborted) return
      await sleep(delay, opts.signal)
      delay = Math.min(max, delay * 2)
      attempt++
    }
  }

  return {
    rpc,
    call,
    close: () => rpc.close(),
    version: (o) => call('Version', [], o),
    chainHead: (o) => call('ChainHead', [], o),
    chainNotify: (o) => chainNotify(o),
    chainGetTipSet: (tsk, o) => call('ChainGetTipSet', [tsk], o),
    chainGetTipSetByHeight: (epoch, tsk = [], o) => call('ChainGetTipSetByHeight', [epoch, tsk], o),
    chainGetMessage: (cid, o) => call('ChainGetMessage', [cid], o),

    stateMinerInfo: (m, tsk = [], o) => call('StateMinerInfo', [m, tsk], o),
    stateMinerProvingDeadline: (m, tsk = [], o) => call('StateMinerProvingDeadline', [m, tsk], o),
    stateMinerDeadlines: (m, tsk = [], o) => call('StateMinerDeadlines', [m, tsk], o),
    stateMinerPartitions: (m, dl, tsk = [], o) => call('StateMinerPartitions', [m, dl, tsk], o),
    stateMinerSectors: (m, filter, tsk = [], o) => call('StateMinerSectors', [m, filter, tsk], o),
    stateMinerActiveSectors: (m, tsk = [], o) => call('StateMinerActiveSectors', [m, tsk], o),
    stateSectorPreCommitInfo: (m, n, tsk = [], o) => call('StateSectorPreCommitInfo', [m, n, tsk], o),
    stateSectorGetInfo: (m, n, tsk = [], o) => call('StateSectorGetInfo', [m, n, tsk], o),
    stateSectorPartition: (m, n, tsk = [], o) => call('StateSectorPartition', [m, n, tsk], o),
    stateMinerFaults: (m, tsk = [], o) => call('StateMinerFaults', [m, tsk], o),
    stateMinerRecoveries: (m, tsk = [], o) => call('StateMinerRecoveries', [m, tsk], o),
    stateMinerSectorAllocated: (m, n, tsk = [], o) => call('StateMinerSectorAllocated', [m, n, tsk], o),
    stateMinerAllocated: (m, tsk = [], o) => call('StateMinerAllocated', [m, tsk], o),
    stateMinerAvailableBalance: (m, tsk = [], o) => big('StateMinerAvailableBalance', [m, tsk], o),
    stateMinerPreCommitDepositForPower: (m, info, tsk = [], o) =>
      big('StateMinerPreCommitDepositForPower', [m, info, tsk], o),
    stateMinerInitialPledgeForSector: (d, size, verified, tsk = [], o) =>
      big('StateMinerInitialPledgeForSector', [d, size, verified, tsk], o),
    stateMinerInitialPledgeCollateral: (m, info, tsk = [], o) =>
      big('StateMinerInitialPledgeCollateral', [m, info, tsk], o),
    stateMinerCreationDeposit: (tsk = [], o) => big('StateMinerCreationDeposit', [tsk], o),
    stateMinerPower: (m, tsk = [], o) => call('StateMinerPower', [m, tsk], o),

    stateGetRandomnessFromTickets: async (dst, epoch, e, tsk = [], o) =>
      rand32(
        await call('StateGetRandomnessFromTickets', [dst, epoch, entropy(e), tsk], o),
        'ticket randomness',
      ),
    stateGetRandomnessFromBeacon: async (dst, epoch, e, tsk = [], o) =>
      rand32(
        await call('StateGetRandomnessFromBeacon', [dst, epoch, entropy(e), tsk], o),
        'beacon randomness',
      ),
    stateGetRandomnessDigestFromTickets: async (epoch, tsk = [], o) =>
      rand32(await call('StateGetRandomnessDigestFromTickets', [epoch, tsk], o), 'ticket digest'),
    stateGetRandomnessDigestFromBeacon: async (epoch, tsk = [], o) =>
      rand32(await call('StateGetRandomnessDigestFromBeacon', [epoch, tsk], o), 'beacon digest'),

    stateLookupID: (a, tsk = [], o) => call('StateLookupID', [a, tsk], o),
    stateAccountKey: (a, tsk = [], o) => call('StateAccountKey', [a, tsk], o),
    stateGetActor: (a, tsk = [], o) => call('StateGetActor', [a, tsk], o),
    stateReadState: (a, tsk = [], o) => call('StateReadState', [a, tsk], o),
    stateNetworkVersion: (tsk = [], o) => call('StateNetworkVersion', [tsk], o),
    stateNetworkName: (o) => call('StateNetworkName', [], o),
    stateGetNetworkParams: (o) => call('StateGetNetworkParams', [], o),
    walletBalance: (a, o) => big('WalletBalance', [a], o),

    stateSearchMsg: (cid, o = {}) =>
      call('StateSearchMsg', [o.from ?? [], cid, o.lookbackLimit ?? -1, o.allowReplaced ?? true], o),
    stateWaitMsg: (cid, confidence, o = {}) =>
      call('StateWaitMsg', [cid, confidence, o.lookbackLimit ?? -1, o.allowReplaced ?? true], o),
    stateCall: (msg, tsk = [], o) => call('StateCall', [msg, tsk], o),
    mpoolPushMessage: (msg, spec, o) => call('MpoolPushMessage', [msg, spec], o),
    mpoolPush: (msg, o) => call('MpoolPush', [msg], o),
    mpoolGetNonce: (a, o) => call('MpoolGetNonce', [a], o),
    gasEstimateMessageGas: (msg, spec, tsk = [], o) => call('GasEstimateMessageGas', [msg, spec, tsk], o),
  }
}
