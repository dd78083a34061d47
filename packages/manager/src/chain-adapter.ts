/**
 * The manager's chain and messager views ({@link ManagerChain}, {@link ManagerMessager}) over
 * core's typed clients: `createChainClient` for the full node (`Filecoin.*`) and
 * `createMessagerClient` for venus-messager (`Message.*`). The clients speak the wire shapes;
 * this file converts them to the manager's camelCase domain types, and nothing else.
 */
import {
  actorIdOf,
  type ChainClient,
  decodeBase64Json,
  decodeBigIntJson,
  detectNetwork,
  type LotusAllocation,
  type LotusMarketDeal,
  type LotusSectorOnChainInfo,
  type LotusSectorPreCommitInfo,
  type MessagerClient,
  MessageState,
  type NetworkKind,
  networkParams,
  parseNetworkName,
  toLotusMessage,
  unfilledMessage,
  VenusError,
} from '@venus-cluster/core'
import type {
  ManagerChain,
  ManagerMessager,
  ManagerMessageStatus,
  ManagerNetworkParams,
  MarketDealTerms,
  OnChainPreCommit,
  OnChainSector,
  VerifiedAllocation,
} from './chain.js'

/** Options of {@link createManagerChain}. */
export interface ManagerChainOptions {
  /** Force a network (`--net`); default: detected from `StateNetworkName`. */
  network?: NetworkKind | string | undefined
}

/** A Lotus `SectorOnChainInfo` as the manager reads it. */
function onChainSector(o: LotusSectorOnChainInfo): OnChainSector {
  return {
    sectorNumber: Number(o.SectorNumber),
    sealProof: Number(o.SealProof),
    sealedCid: cidText(o.SealedCID),
    activation: Number(o.Activation),
    expiration: Number(o.Expiration),
    initialPledge: decodeBigIntJson(o.InitialPledge ?? '0', 'InitialPledge'),
    dealWeight: decodeBigIntJson(o.DealWeight ?? '0', 'DealWeight'),
    verifiedDealWeight: decodeBigIntJson(o.VerifiedDealWeight ?? '0', 'VerifiedDealWeight'),
    sectorKeyCid: o.SectorKeyCID === null || o.SectorKeyCID === undefined ? null : cidText(o.SectorKeyCID),
  }
}

/** An answer the node must give as an object; anything else is a `CHAIN_ERROR` naming the method. */
function answer<T extends object>(v: T | null | undefined, method: string): T {
  if (typeof v !== 'object' || v === null)
    throw new VenusError('CHAIN_ERROR', `${method}: unexpected answer ${JSON.stringify(v)}`, {
      details: { method },
    })
  return v
}

const cidText = (v: unknown): string =>
  typeof v === 'object' && v !== null ? String((v as { '/': unknown })['/']) : String(v)

/** What the manager knows of a network, from core's table. */
function managerNetworkParams(kind: NetworkKind): ManagerNetworkParams {
  const p = networkParams(kind)
  return {
    name: kind,
    addressPrefix: p.addressPrefix,
    blockDelaySecs: p.blockDelaySecs,
    preCommitChallengeDelay: p.preCommitChallengeDelay,
    sealRandomnessLookback: p.sealRandomnessLookback,
    maxPreCommitRandomnessLookback: p.maxPreCommitRandomnessLookback,
    interactivePoRepConfidence: p.interactivePoRepConfidence,
    minSectorExpiration: p.minSectorExpiration,
    maxSectorExpirationExtension: p.maxSectorExpirationExtension,
    sectorMaxLifetime: p.sectorMaxLifetime,
    provingPeriod: p.provingPeriod,
    maxProveCommitDuration: p.maxProveCommitDuration,
  }
}

/**
 * The manager's chain view over core's typed chain client. State reads use the empty tipset
 * key (= head), so answers match the head of the moment.
 *
 * @example
 * ```ts
 * const chain = createManagerChain(createChainClient(httpTransport(url, { token })))
 * const { height } = await chain.head()
 * ```
 */
export function createManagerChain(client: ChainClient, opts: ManagerChainOptions = {}): ManagerChain {
  const addr = async (miner: number) => `${(await params()).addressPrefix}0${miner}`
  let cached: Promise<ManagerNetworkParams> | undefined
  const params = (): Promise<ManagerNetworkParams> => {
    cached ??= (async () => {
      const nodeName = String(await client.stateNetworkName())
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
      const p = managerNetworkParams(name)
      try {
        const np = answer(await client.stateGetNetworkParams(), 'StateGetNetworkParams')
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
  const preCommitInfo = (sector: {
    sealProof: number
    sealedCid: string
    expiration: number
  }): LotusSectorPreCommitInfo => ({
    SealProof: sector.sealProof,
    SectorNumber: 0,
    SealedCID: { '/': sector.sealedCid },
    SealRandEpoch: 0,
    DealIDs: null,
    Expiration: sector.expiration,
    UnsealedCid: null,
  })
  const message = (err: unknown) => String((err as Error | undefined)?.message)
  return {
    async head(o) {
      const h = answer(await client.chainHead(o?.signal ? { signal: o.signal } : {}), 'ChainHead')
      return { height: Number(h.Height) }
    },
    networkParams: params,
    async minerInfo(miner) {
      const i = answer(await client.stateMinerInfo(await addr(miner)), 'StateMinerInfo')
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
        return String(await client.stateLookupID(address))
      } catch (err) {
        // Lotus answers "actor not found" for an address no actor has.
        if (/actor not found|not found/i.test(message(err))) return null
        throw err
      }
    },
    balance: (address) => client.walletBalance(address),
    async isSectorAllocated(miner, number) {
      return (await client.stateMinerSectorAllocated(await addr(miner), number)) === true
    },
    randomnessFromTickets: (req) => client.stateGetRandomnessFromTickets(req.dst, req.epoch, req.entropy),
    randomnessFromBeacon: (req) => client.stateGetRandomnessFromBeacon(req.dst, req.epoch, req.entropy),
    async preCommitInfo(miner, number): Promise<OnChainPreCommit | null> {
      const r = await client.stateSectorPreCommitInfo(await addr(miner), number)
      if (r === null || r === undefined) return null
      const o = answer(r, 'StateSectorPreCommitInfo')
      const info = answer(o.Info, 'StateSectorPreCommitInfo.Info')
      return {
        preCommitEpoch: Number(o.PreCommitEpoch),
        sealRandEpoch: Number(info.SealRandEpoch),
        sealedCid: cidText(info.SealedCID),
        dealIds: Array.isArray(info.DealIDs) ? info.DealIDs.map(Number) : [],
        expiration: Number(info.Expiration),
        preCommitDeposit: decodeBigIntJson(o.PreCommitDeposit ?? '0', 'PreCommitDeposit'),
      }
    },
    async sectorInfo(miner, number): Promise<OnChainSector | null> {
      const r = await client.stateSectorGetInfo(await addr(miner), number)
      if (r === null || r === undefined) return null
      return onChainSector(answer(r, 'StateSectorGetInfo'))
    },
    async activeSectors(miner) {
      const list = await client.stateMinerActiveSectors(await addr(miner))
      return (Array.isArray(list) ? list : []).map((s, i) =>
        onChainSector(answer(s, `StateMinerActiveSectors[${i}]`)),
      )
    },
    async sectorPartition(miner, number) {
      try {
        const r = await client.stateSectorPartition(await addr(miner), number)
        if (r === null || r === undefined) return null
        const o = answer(r, 'StateSectorPartition')
        return { deadline: Number(o.Deadline), partition: Number(o.Partition) }
      } catch (err) {
        // Lotus answers an error, not null, for sectors that are not live.
        if (/not due at any deadline|not found/i.test(message(err))) return null
        throw err
      }
    },
    async provingDeadline(miner) {
      const o = answer(await client.stateMinerProvingDeadline(await addr(miner)), 'StateMinerProvingDeadline')
      return {
        index: Number(o.Index),
        deadlines: Number(o.WPoStPeriodDeadlines ?? 48),
        periodStart: o.PeriodStart === undefined ? undefined : Number(o.PeriodStart),
        challengeWindow: o.WPoStChallengeWindow === undefined ? undefined : Number(o.WPoStChallengeWindow),
      }
    },
    async minerPower(miner) {
      const o = answer(await client.stateMinerPower(await addr(miner)), 'StateMinerPower')
      const claim = answer(o.MinerPower, 'StateMinerPower.MinerPower')
      return { raw: BigInt(String(claim.RawBytePower)), qa: BigInt(String(claim.QualityAdjPower)) }
    },
    async preCommitDeposit(miner, sector) {
      return client.stateMinerPreCommitDepositForPower(await addr(miner), preCommitInfo(sector))
    },
    async initialPledge(miner, sector) {
      if (sector.verifiedSize !== undefined && sector.verifiedSize > 0) {
        // Verified data weighs in the pledge: the pledge for the sector's duration and verified bytes.
        const [h, info] = await Promise.all([client.chainHead(), client.stateMinerInfo(await addr(miner))])
        const size = Number(answer(info, 'StateMinerInfo').SectorSize)
        const duration = sector.expiration - Number(answer(h, 'ChainHead').Height)
        return client.stateMinerInitialPledgeForSector(
          Math.max(1, duration),
          size,
          Math.min(sector.verifiedSize, size),
        )
      }
      const { sealProof, sealedCid, expiration } = sector
      return client.stateMinerInitialPledgeCollateral(
        await addr(miner),
        preCommitInfo({ sealProof, sealedCid, expiration }),
      )
    },
    async verifiedAllocation(clientId, allocationId) {
      const r = await client.stateGetAllocation(await addr(clientId), allocationId)
      return r === null || r === undefined ? null : allocationFrom(allocationId, r)
    },
    async dealAllocation(dealId) {
      const id = Number(await client.stateGetAllocationIdForPendingDeal(dealId))
      if (!Number.isSafeInteger(id) || id <= 0) return null
      const r = await client.stateGetAllocationForPendingDeal(dealId)
      return r === null || r === undefined ? null : allocationFrom(id, r)
    },
    async marketDeal(dealId): Promise<MarketDealTerms | null> {
      let r: LotusMarketDeal
      try {
        r = await client.stateMarketStorageDeal(dealId)
      } catch (err) {
        if (/not found/i.test(message(err))) return null
        throw err
      }
      const p = answer(answer(r, 'StateMarketStorageDeal').Proposal, 'StateMarketStorageDeal.Proposal')
      return {
        pieceCid: cidText(p.PieceCID),
        pieceSize: Number(p.PieceSize),
        verified: p.VerifiedDeal === true,
        client: actorIdOf(String(p.Client)),
        provider: actorIdOf(String(p.Provider)),
        startEpoch: Number(p.StartEpoch),
        endEpoch: Number(p.EndEpoch),
      }
    },
  }
}

/** A Lotus `Allocation` as the manager's {@link VerifiedAllocation}. */
function allocationFrom(id: number, v: LotusAllocation): VerifiedAllocation {
  const o = answer(v, 'Allocation')
  return {
    id,
    client: Number(o.Client),
    provider: Number(o.Provider),
    pieceCid: cidText(o.Data),
    size: Number(o.Size),
    termMin: Number(o.TermMin),
    termMax: Number(o.TermMax),
    expiration: Number(o.Expiration),
  }
}

/**
 * The manager's messager view over core's typed messager client.
 *
 * @example
 * ```ts
 * const messager = createManagerMessager(createMessagerClient(httpTransport(url, { token })))
 * await messager.pushMessageWithId(uid, msg, { gasOverEstimation: 1.2, maxFeeCap, maxFee })
 * ```
 */
export function createManagerMessager(client: MessagerClient): ManagerMessager {
  return {
    async hasMessageByUid(uid) {
      return (await client.hasMessageByUid(uid)) === true
    },
    async pushMessageWithId(uid, msg, spec) {
      try {
        await client.pushMessageWithId(uid, toLotusMessage(unfilledMessage(msg)), {
          expireEpoch: 0,
          gasOverEstimation: spec.gasOverEstimation,
          maxFee: spec.maxFee.toString(),
          maxFeeCap: spec.maxFeeCap.toString(),
          gasOverPremium: 0,
        })
      } catch (err) {
        // Idempotent by uid: a message pushed before a crash is not an error.
        if (!(await client.hasMessageByUid(uid).catch(() => false))) throw err
      }
      return uid
    },
    async getMessageByUid(uid): Promise<ManagerMessageStatus> {
      const o = answer(await client.getMessageByUid(uid), 'GetMessageByUid')
      const st = Number(o.State)
      const receipt = o.Receipt === null || o.Receipt === undefined ? undefined : answer(o.Receipt, 'Receipt')
      return {
        state:
          st === MessageState.OnChainMsg
            ? 'onchain'
            : st === MessageState.FailedMsg
              ? 'failed'
              : st === MessageState.UnFillMsg || st === MessageState.FillMsg
                ? 'pending'
                : 'unknown',
        confidence: Number(o.Confidence ?? 0),
        receipt: receipt
          ? {
              exitCode: Number(receipt.ExitCode),
              return: receipt.Return ? decodeBase64Json(receipt.Return, 'Receipt.Return') : new Uint8Array(0),
              gasUsed: Number(receipt.GasUsed ?? 0),
            }
          : undefined,
        signedCid: o.SignedCid ? cidText(o.SignedCid) : undefined,
        error: typeof o.ErrorMsg === 'string' && o.ErrorMsg !== '' ? o.ErrorMsg : undefined,
      }
    },
  }
}
