/**
 * JSON shapes of the Lotus/Venus full-node API (v1) as they travel on the wire: big integers
 * are decimal strings, bytes are padded base64, CIDs are `{"/": "bafy..."}` objects. The
 * `Lotus` prefix marks them as wire shapes (decoded forms live in core/codecs).
 */

/** A CID in Go JSON form. */
export interface CidJson {
  '/': string
}

/** A tipset key: the CIDs of its blocks. `[]` means "the current head". */
export type LotusTipSetKey = CidJson[]

/** Decimal string of a big integer (attoFIL, storage power). */
export type BigIntString = string

/** Padded standard base64 of bytes. */
export type Base64 = string

/** An address string such as `f01234` / `t3...`. */
export type AddressString = string

/** go-bitfield JSON: run lengths, starting with a run of zeros. */
export type BitFieldJson = number[]

/** A signature: 1 secp256k1, 2 BLS, 3 delegated. */
export interface LotusSignature {
  Type: number
  Data: Base64
}

/** A block header (fields the cluster reads, others are kept). */
export interface LotusBlockHeader {
  Miner: AddressString
  Ticket: { VRFProof: Base64 } | null
  ElectionProof?: { WinCount: number; VRFProof: Base64 } | null
  BeaconEntries?: { Round: number; Data: Base64 }[] | null
  WinPoStProof?: { PoStProof: number; ProofBytes: Base64 }[] | null
  Parents: CidJson[]
  ParentWeight: BigIntString
  Height: number
  ParentStateRoot: CidJson
  ParentMessageReceipts: CidJson
  Messages: CidJson
  BLSAggregate?: LotusSignature | null
  Timestamp: number
  BlockSig?: LotusSignature | null
  ForkSignaling?: number
  ParentBaseFee: BigIntString
  [extra: string]: unknown
}

/** A tipset. */
export interface LotusTipSet {
  Cids: LotusTipSetKey
  Blocks: LotusBlockHeader[]
  Height: number
}

/** One entry of a `ChainNotify` batch. */
export interface LotusHeadChange {
  Type: 'current' | 'apply' | 'revert'
  Val: LotusTipSet
}

/** An unsigned message. `CID` is output-only. */
export interface LotusMessage {
  Version: number
  To: AddressString
  From: AddressString
  Nonce: number
  Value: BigIntString
  GasLimit: number
  GasFeeCap: BigIntString
  GasPremium: BigIntString
  Method: number
  Params: Base64 | null
  CID?: CidJson
}

/** A signed message. `CID` is output-only. */
export interface LotusSignedMessage {
  Message: LotusMessage
  Signature: LotusSignature
  CID?: CidJson
}

/** `MessageSendSpec` of `MpoolPushMessage` / `GasEstimateMessageGas`. */
export interface LotusMessageSendSpec {
  MaxFee: BigIntString
  MsgUuid?: string
  MaximizeFeeCap?: boolean
}

/** A message receipt. */
export interface LotusMessageReceipt {
  ExitCode: number
  Return: Base64 | null
  GasUsed: number
  EventsRoot?: CidJson | null
}

/** Result of `StateSearchMsg` / `StateWaitMsg`. `TipSet`/`Height` are where it was executed. */
export interface LotusMsgLookup {
  Message: CidJson
  Receipt: LotusMessageReceipt
  ReturnDec: unknown
  TipSet: LotusTipSetKey
  Height: number
}

/** Result of `StateCall`. Success ⇔ `MsgRct.ExitCode === 0 && Error === ''`. */
export interface LotusInvocResult {
  MsgCid: CidJson | null
  Msg: LotusMessage
  MsgRct: LotusMessageReceipt | null
  GasCost?: unknown
  ExecutionTrace?: unknown
  Error: string
  Duration: number
}

/** `dline.Info`. */
export interface LotusDeadlineInfo {
  CurrentEpoch: number
  PeriodStart: number
  Index: number
  Open: number
  Close: number
  Challenge: number
  FaultCutoff: number
  WPoStPeriodDeadlines: number
  WPoStProvingPeriod: number
  WPoStChallengeWindow: number
  WPoStChallengeLookback: number
  FaultDeclarationCutoff: number
}

/** Beneficiary term of a miner. */
export interface LotusBeneficiaryTerm {
  Quota: BigIntString
  UsedQuota: BigIntString
  Expiration: number
}

/** A proposed beneficiary change of a miner (`StateMinerInfo.PendingBeneficiaryTerm`). */
export interface LotusPendingBeneficiaryChange {
  NewBeneficiary: AddressString
  NewQuota: BigIntString
  NewExpiration: number
  ApprovedByBeneficiary: boolean
  ApprovedByNominee: boolean
}

/** `StateMinerInfo` result. */
export interface LotusMinerInfo {
  Owner: AddressString
  Worker: AddressString
  NewWorker: AddressString
  ControlAddresses: AddressString[] | null
  WorkerChangeEpoch: number
  PeerId: string | null
  Multiaddrs: Base64[] | null
  WindowPoStProofType: number
  SectorSize: number
  WindowPoStPartitionSectors: number
  ConsensusFaultElapsed: number
  PendingOwnerAddress: AddressString | null
  Beneficiary: AddressString
  BeneficiaryTerm: LotusBeneficiaryTerm | null
  PendingBeneficiaryTerm: LotusPendingBeneficiaryChange | null
  [extra: string]: unknown
}

/** One element of `StateMinerDeadlines`. */
export interface LotusDeadline {
  PostSubmissions: BitFieldJson
  DisputableProofCount: number
  DailyFee?: BigIntString
}

/** One element of `StateMinerPartitions`. */
export interface LotusPartition {
  AllSectors: BitFieldJson
  FaultySectors: BitFieldJson
  RecoveringSectors: BitFieldJson
  LiveSectors: BitFieldJson
  ActiveSectors: BitFieldJson
}

/** `SectorPreCommitInfo`. */
export interface LotusSectorPreCommitInfo {
  SealProof: number
  SectorNumber: number
  SealedCID: CidJson
  SealRandEpoch: number
  DealIDs: number[] | null
  Expiration: number
  UnsealedCid?: CidJson | null
}

/** `StateSectorPreCommitInfo` result. */
export interface LotusSectorPreCommitOnChainInfo {
  Info: LotusSectorPreCommitInfo
  PreCommitDeposit: BigIntString
  PreCommitEpoch: number
}

/** `StateSectorGetInfo` / `StateMinerSectors` element. */
export interface LotusSectorOnChainInfo {
  SectorNumber: number
  SealProof: number
  SealedCID: CidJson
  Activation: number
  Expiration: number
  DealWeight: BigIntString
  VerifiedDealWeight: BigIntString
  InitialPledge: BigIntString
  ExpectedDayReward: BigIntString | null
  ExpectedStoragePledge: BigIntString | null
  PowerBaseEpoch?: number
  ReplacedDayReward?: BigIntString | null
  SectorKeyCID: CidJson | null
  Flags?: number
  DailyFee?: BigIntString | null
  [extra: string]: unknown
}

/** `StateSectorPartition` result. */
export interface LotusSectorLocation {
  Deadline: number
  Partition: number
}

/** Power claim. */
export interface LotusPowerClaim {
  RawBytePower: BigIntString
  QualityAdjPower: BigIntString
}

/** `StateMinerPower` result. */
export interface LotusMinerPower {
  MinerPower: LotusPowerClaim
  TotalPower: LotusPowerClaim
  HasMinPower: boolean
}

/** `StateGetActor` result. */
export interface LotusActor {
  Code: CidJson
  Head: CidJson
  Nonce: number
  Balance: BigIntString
  DelegatedAddress?: AddressString | null
}

/**
 * `StateReadState` result. `State` is the actor's state as Lotus renders it; for a miner it
 * carries `FeeDebt`, `PreCommitDeposits`, `InitialPledge`, `LockedFunds` (attoFIL strings).
 */
export interface LotusActorState {
  Balance: BigIntString
  Code: CidJson
  State: Record<string, unknown>
}

/** `StateGetNetworkParams` result. */
export interface LotusNetworkParams {
  NetworkName: string
  BlockDelaySecs: number
  ConsensusMinerMinPower: BigIntString
  PreCommitChallengeDelay: number
  ForkUpgradeParams: Record<string, number>
  Eip155ChainID: number
  GenesisTimestamp?: number
  [extra: string]: unknown
}

/** `Version` result. */
export interface LotusVersion {
  Version: string
  APIVersion: number
  BlockDelay: number
  Agent?: string
}

/** A verified allocation (`StateGetAllocation`): actor ids are bare numbers. */
export interface LotusAllocation {
  Client: number
  Provider: number
  Data: CidJson
  Size: number
  TermMin: number
  TermMax: number
  Expiration: number
}

/** A verified claim (`StateGetClaim`); its id is the id of the allocation it came from. */
export interface LotusClaim {
  Provider: number
  Client: number
  Data: CidJson
  Size: number
  TermMin: number
  TermMax: number
  TermStart: number
  Sector: number
}

/** A builtin-market deal proposal, as `StateMarketStorageDeal` and lotus-miner's deal info give it. */
export interface LotusDealProposal {
  PieceCID: CidJson
  PieceSize: number
  VerifiedDeal: boolean
  Client: AddressString
  Provider: AddressString
  Label: string
  StartEpoch: number
  EndEpoch: number
  StoragePricePerEpoch: BigIntString
  ProviderCollateral: BigIntString
  ClientCollateral: BigIntString
}

/** `StateMarketStorageDeal` result. */
export interface LotusMarketDeal {
  Proposal: LotusDealProposal
  State: {
    SectorNumber: number
    SectorStartEpoch: number
    LastUpdatedEpoch: number
    SlashEpoch: number
  }
}
