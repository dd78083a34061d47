/**
 * What the manager needs from the chain node and the messager, as two small interfaces (the
 * manager's components). `createManagerChain` and `createManagerMessager` implement them over
 * core's typed chain and messager clients; tests use {@link createFakeChain}.
 *
 * @packageDocumentation
 */
import type { NetworkParams } from '@venus-cluster/core'

/**
 * The network constants the manager uses: core's {@link NetworkParams} fields it reads, with
 * the network's name. The chain adapter fills them from core's table and the node's answers.
 */
export type ManagerNetworkParams = {
  /** `mainnet`, `calibnet`, `butterfly`, `2k`/`devnet`, ... */
  name: string
} & {
  -readonly [K in
    | 'addressPrefix'
    | 'blockDelaySecs'
    | 'preCommitChallengeDelay'
    | 'sealRandomnessLookback'
    | 'maxPreCommitRandomnessLookback'
    | 'interactivePoRepConfidence'
    | 'minSectorExpiration'
    | 'maxSectorExpirationExtension'
    | 'sectorMaxLifetime'
    | 'provingPeriod'
    | 'maxProveCommitDuration']: NetworkParams[K]
}

/** The on-chain precommit of a sector. */
export interface OnChainPreCommit {
  preCommitEpoch: number
  sealRandEpoch: number
  /** CommR CID string. */
  sealedCid: string
  dealIds: number[]
  expiration: number
  /** Deposit locked by the precommit, attoFIL. */
  preCommitDeposit: bigint
}

/** The on-chain info of a proven sector. */
export interface OnChainSector {
  sectorNumber: number
  sealProof: number
  sealedCid: string
  activation: number
  expiration: number
  initialPledge: bigint
  /** Deal weights (space × time); both 0 for a CC sector. Absent when the view does not read them. */
  dealWeight?: bigint | undefined
  verifiedDealWeight?: bigint | undefined
  /** The CC sealed CID of a sector already updated (SnapDeals); null for one never updated. */
  sectorKeyCid?: string | null | undefined
}

/** A verified allocation (Fil+): DataCap a client set aside for one piece at one provider. */
export interface VerifiedAllocation {
  /** Allocation id (the id of the claim it becomes). */
  id: number
  /** Client and provider actor ids. */
  client: number
  provider: number
  /** Piece CID. */
  pieceCid: string
  /** Padded piece size. */
  size: number
  /** The sector holding the piece must live at least `termMin` and at most `termMax` epochs from activation. */
  termMin: number
  termMax: number
  /** Last epoch the allocation may be claimed at. */
  expiration: number
}

/** A market deal's proposal terms, as far as sealing it needs them. */
export interface MarketDealTerms {
  pieceCid: string
  pieceSize: number
  verified: boolean
  /** Client actor id. */
  client: number
  provider: number
  /** The deal must be activated by its start and the sector must live until its end. */
  startEpoch: number
  endEpoch: number
}

/** A randomness draw request: DST, epoch and entropy (the CBOR of the miner address). */
export interface RandomnessRequest {
  dst: number
  epoch: number
  entropy: Uint8Array
}

/** `StateMinerInfo` as the manager reads it. */
export interface ManagerMinerInfo {
  sectorSize: number
  windowPoStPartitionSectors: number
  /**
   * The addresses that may send the miner's messages, as ID addresses (`t0…`/`f0…`): owner,
   * worker and control addresses. Absent when the chain view does not report them.
   */
  owner?: string | undefined
  worker?: string | undefined
  controlAddresses?: string[] | undefined
}

/** Options of a chain read that may be cut short (the start-up and health probes). */
export interface ManagerChainCallOptions {
  signal?: AbortSignal | undefined
}

/** The chain facts the manager reads. */
export interface ManagerChain {
  head(opts?: ManagerChainCallOptions): Promise<{ height: number }>
  networkParams(): Promise<ManagerNetworkParams>
  /** `StateMinerInfo` subset; rejects when the miner does not exist. */
  minerInfo(miner: number): Promise<ManagerMinerInfo>
  /**
   * `StateLookupID`: the ID address of any address, null when no actor has it. Used at start to
   * check the configured senders; without it only their form is checked.
   */
  lookupId?(address: string): Promise<string | null>
  /** `WalletBalance` in attoFIL (start-up warns about senders without funds). */
  balance?(address: string): Promise<bigint>
  isSectorAllocated(miner: number, number: number): Promise<boolean>
  randomnessFromTickets(req: RandomnessRequest): Promise<Uint8Array>
  randomnessFromBeacon(req: RandomnessRequest): Promise<Uint8Array>
  preCommitInfo(miner: number, number: number): Promise<OnChainPreCommit | null>
  sectorInfo(miner: number, number: number): Promise<OnChainSector | null>
  /** `StateSectorPartition`: where a live sector is, null when it is not live. Needed to terminate. */
  sectorPartition?(miner: number, number: number): Promise<{ deadline: number; partition: number } | null>
  /** The miner's active sectors (proven, not faulty or terminated); snap-up needs it. */
  activeSectors?(miner: number): Promise<OnChainSector[]>
  /** `StateMinerProvingDeadline`: the current deadline index and the deadlines per period. */
  provingDeadline?(miner: number): Promise<{
    index: number
    deadlines: number
    /** Epoch the current proving period started, and epochs per deadline (when the node says). */
    periodStart?: number | undefined
    challengeWindow?: number | undefined
  }>
  /** `StateMinerPower`: the miner's raw and quality-adjusted power in bytes (the dashboard's trend). */
  minerPower?(miner: number): Promise<{ raw: bigint; qa: bigint }>
  /** `StateMinerPreCommitDepositForPower` for one sector. */
  preCommitDeposit(
    miner: number,
    sector: { sealProof: number; sealedCid: string; expiration: number },
  ): Promise<bigint>
  /**
   * The initial pledge of one sector: `StateMinerInitialPledgeCollateral`, or, for a sector with
   * `verifiedSize` bytes of verified data, `StateMinerInitialPledgeForSector`.
   */
  initialPledge(
    miner: number,
    sector: { sealProof: number; sealedCid: string; expiration: number; verifiedSize?: number | undefined },
  ): Promise<bigint>
  /**
   * `StateGetAllocation`: a client's verified allocation, null when it has none of that id (never
   * made, claimed or removed). Without it verified direct pieces are refused.
   */
  verifiedAllocation?(client: number, allocationId: number): Promise<VerifiedAllocation | null>
  /**
   * The allocation made for a verified market deal not yet activated
   * (`StateGetAllocationIdForPendingDeal`, `StateGetAllocationForPendingDeal`), null for none.
   */
  dealAllocation?(dealId: number): Promise<VerifiedAllocation | null>
  /** `StateMarketStorageDeal`: a deal's terms, null when the market has no such deal. */
  marketDeal?(dealId: number): Promise<MarketDealTerms | null>
}

/** A message for the messager (unsigned; nonce and gas filled by the messager). */
export interface ManagerMessage {
  from: string
  to: string
  method: number
  /** CBOR params. */
  params: Uint8Array
  value: bigint
}

/** Fee limits sent with a message. */
export interface ManagerSendSpec {
  gasOverEstimation: number
  /** Per-gas fee cap, attoFIL. */
  maxFeeCap: bigint
  /** Total fee limit of the message, attoFIL (per-sector cap × sectors). */
  maxFee: bigint
}

/** The messager's view of a message. */
export interface ManagerMessageStatus {
  state: 'unknown' | 'pending' | 'onchain' | 'failed'
  confidence: number
  /** Set when on chain. */
  receipt?: { exitCode: number; return: Uint8Array; gasUsed: number } | undefined
  /** The signed message CID when known. */
  signedCid?: string | undefined
  error?: string | undefined
}

/** The messager methods the manager uses. */
export interface ManagerMessager {
  hasMessageByUid(uid: string): Promise<boolean>
  /** Idempotent by uid: pushing a known uid again returns it without a second send. */
  pushMessageWithId(uid: string, msg: ManagerMessage, spec: ManagerSendSpec): Promise<string>
  getMessageByUid(uid: string): Promise<ManagerMessageStatus>
}
