/**
 * A tiny JSON schema checker for Lotus API responses: exact field sets (names and casing) and
 * value types as the Lotus API documentation (api-v1-unstable-methods.md) shows them.
 */
export type Schema =
  | 'string'
  | 'number'
  | 'boolean'
  | 'base64'
  | 'bigint'
  | 'address'
  | 'cid'
  | 'bitfield'
  | 'any'
  | { nullable: Schema }
  | { array: Schema }
  | { object: Record<string, Schema> }

/** Returns a list of violations (empty when `value` matches). */
export function check(value: unknown, schema: Schema, path = '$'): string[] {
  if (typeof schema === 'object' && 'nullable' in schema)
    return value === null ? [] : check(value, schema.nullable, path)
  if (schema === 'any') return []
  if (schema === 'string') return typeof value === 'string' ? [] : [`${path}: expected string`]
  if (schema === 'number')
    return typeof value === 'number' && Number.isFinite(value) ? [] : [`${path}: expected number`]
  if (schema === 'boolean') return typeof value === 'boolean' ? [] : [`${path}: expected boolean`]
  if (schema === 'base64')
    return typeof value === 'string' &&
      /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)
      ? []
      : [`${path}: expected padded base64`]
  if (schema === 'bigint')
    return typeof value === 'string' && /^-?\d+$/.test(value) ? [] : [`${path}: expected decimal string`]
  if (schema === 'address')
    return typeof value === 'string' && /^[ft][0-4][a-z0-9]+$/.test(value)
      ? []
      : [`${path}: expected address`]
  if (schema === 'cid')
    return typeof value === 'object' &&
      value !== null &&
      Object.keys(value).join() === '/' &&
      typeof (value as Record<string, unknown>)['/'] === 'string'
      ? []
      : [`${path}: expected {"/": cid}`]
  if (schema === 'bitfield')
    return Array.isArray(value) &&
      value.length > 0 &&
      value.every((v, i) => Number.isInteger(v) && v >= 0 && (i === 0 || v > 0))
      ? []
      : [`${path}: expected bitfield run lengths`]
  if ('array' in schema) {
    if (!Array.isArray(value)) return [`${path}: expected array`]
    return value.flatMap((v, i) => check(v, schema.array, `${path}[${i}]`))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected object`]
  const out: string[] = []
  const keys = Object.keys(value)
  for (const k of keys) if (!(k in schema.object)) out.push(`${path}.${k}: unexpected field`)
  for (const [k, s] of Object.entries(schema.object)) {
    if (!(k in value)) out.push(`${path}.${k}: missing`)
    else out.push(...check((value as Record<string, unknown>)[k], s, `${path}.${k}`))
  }
  return out
}

const sig: Schema = { object: { Type: 'number', Data: 'base64' } }
export const TipSetKey: Schema = { array: 'cid' }
export const BlockHeader: Schema = {
  object: {
    Miner: 'address',
    Ticket: { object: { VRFProof: 'base64' } },
    ElectionProof: { object: { WinCount: 'number', VRFProof: 'base64' } },
    BeaconEntries: { array: { object: { Round: 'number', Data: 'base64' } } },
    WinPoStProof: { array: { object: { PoStProof: 'number', ProofBytes: 'base64' } } },
    Parents: { array: 'cid' },
    ParentWeight: 'bigint',
    Height: 'number',
    ParentStateRoot: 'cid',
    ParentMessageReceipts: 'cid',
    Messages: 'cid',
    BLSAggregate: sig,
    Timestamp: 'number',
    BlockSig: sig,
    ForkSignaling: 'number',
    ParentBaseFee: 'bigint',
  },
}
export const TipSet: Schema = {
  object: { Cids: { array: 'cid' }, Blocks: { array: BlockHeader }, Height: 'number' },
}
export const Message: Schema = {
  object: {
    Version: 'number',
    To: 'address',
    From: 'address',
    Nonce: 'number',
    Value: 'bigint',
    GasLimit: 'number',
    GasFeeCap: 'bigint',
    GasPremium: 'bigint',
    Method: 'number',
    Params: { nullable: 'base64' },
    CID: 'cid',
  },
}
export const MessageReceipt: Schema = {
  object: {
    ExitCode: 'number',
    Return: { nullable: 'base64' },
    GasUsed: 'number',
    EventsRoot: { nullable: 'cid' },
  },
}
export const MsgLookup: Schema = {
  object: { Message: 'cid', Receipt: MessageReceipt, ReturnDec: 'any', TipSet: TipSetKey, Height: 'number' },
}
export const DeadlineInfo: Schema = {
  object: Object.fromEntries(
    [
      'CurrentEpoch',
      'PeriodStart',
      'Index',
      'Open',
      'Close',
      'Challenge',
      'FaultCutoff',
      'WPoStPeriodDeadlines',
      'WPoStProvingPeriod',
      'WPoStChallengeWindow',
      'WPoStChallengeLookback',
      'FaultDeclarationCutoff',
    ].map((k) => [k, 'number' as Schema]),
  ),
}
export const MinerInfo: Schema = {
  object: {
    Owner: 'address',
    Worker: 'address',
    NewWorker: 'string',
    ControlAddresses: { array: 'address' },
    WorkerChangeEpoch: 'number',
    PeerId: { nullable: 'string' },
    Multiaddrs: { nullable: { array: 'base64' } },
    WindowPoStProofType: 'number',
    SectorSize: 'number',
    WindowPoStPartitionSectors: 'number',
    ConsensusFaultElapsed: 'number',
    PendingOwnerAddress: { nullable: 'address' },
    Beneficiary: 'address',
    BeneficiaryTerm: { object: { Quota: 'bigint', UsedQuota: 'bigint', Expiration: 'number' } },
    PendingBeneficiaryTerm: 'any',
  },
}
export const Deadline: Schema = {
  object: { PostSubmissions: 'bitfield', DisputableProofCount: 'number', DailyFee: 'bigint' },
}
export const Partition: Schema = {
  object: {
    AllSectors: 'bitfield',
    FaultySectors: 'bitfield',
    RecoveringSectors: 'bitfield',
    LiveSectors: 'bitfield',
    ActiveSectors: 'bitfield',
  },
}
export const SectorOnChainInfo: Schema = {
  object: {
    SectorNumber: 'number',
    SealProof: 'number',
    SealedCID: 'cid',
    Activation: 'number',
    Expiration: 'number',
    DealWeight: 'bigint',
    VerifiedDealWeight: 'bigint',
    InitialPledge: 'bigint',
    ExpectedDayReward: 'bigint',
    ExpectedStoragePledge: 'bigint',
    PowerBaseEpoch: 'number',
    ReplacedDayReward: 'bigint',
    SectorKeyCID: { nullable: 'cid' },
    Flags: 'number',
    DailyFee: 'bigint',
  },
}
export const SectorPreCommitOnChainInfo: Schema = {
  object: {
    Info: {
      object: {
        SealProof: 'number',
        SectorNumber: 'number',
        SealedCID: 'cid',
        SealRandEpoch: 'number',
        DealIDs: { nullable: { array: 'number' } },
        Expiration: 'number',
        UnsealedCid: { nullable: 'cid' },
      },
    },
    PreCommitDeposit: 'bigint',
    PreCommitEpoch: 'number',
  },
}
const power: Schema = { object: { RawBytePower: 'bigint', QualityAdjPower: 'bigint' } }
export const MinerPower: Schema = { object: { MinerPower: power, TotalPower: power, HasMinPower: 'boolean' } }
/** Lotus `api.ForkUpgradeParams`: every field, in Lotus's order (all epochs or durations). */
export const ForkUpgradeParams: Schema = {
  object: {
    UpgradeSmokeHeight: 'number',
    UpgradeBreezeHeight: 'number',
    UpgradeIgnitionHeight: 'number',
    UpgradeLiftoffHeight: 'number',
    UpgradeAssemblyHeight: 'number',
    UpgradeRefuelHeight: 'number',
    UpgradeTapeHeight: 'number',
    UpgradeKumquatHeight: 'number',
    BreezeGasTampingDuration: 'number',
    UpgradeCalicoHeight: 'number',
    UpgradePersianHeight: 'number',
    UpgradeOrangeHeight: 'number',
    UpgradeClausHeight: 'number',
    UpgradeTrustHeight: 'number',
    UpgradeNorwegianHeight: 'number',
    UpgradeTurboHeight: 'number',
    UpgradeHyperdriveHeight: 'number',
    UpgradeChocolateHeight: 'number',
    UpgradeOhSnapHeight: 'number',
    UpgradeSkyrHeight: 'number',
    UpgradeSharkHeight: 'number',
    UpgradeHyggeHeight: 'number',
    UpgradeLightningHeight: 'number',
    UpgradeThunderHeight: 'number',
    UpgradeWatermelonHeight: 'number',
    UpgradeDragonHeight: 'number',
    UpgradePhoenixHeight: 'number',
    UpgradeWaffleHeight: 'number',
    UpgradeTuktukHeight: 'number',
    UpgradeTeepHeight: 'number',
    UpgradeTockHeight: 'number',
    UpgradeGoldenWeekHeight: 'number',
    UpgradeFireHorseHeight: 'number',
    UpgradeXxHeight: 'number',
  },
}
export const NetworkParams: Schema = {
  object: {
    NetworkName: 'string',
    BlockDelaySecs: 'number',
    ConsensusMinerMinPower: 'bigint',
    PreCommitChallengeDelay: 'number',
    ForkUpgradeParams,
    Eip155ChainID: 'number',
    GenesisTimestamp: 'number',
  },
}
export const Version: Schema = {
  object: { Version: 'string', APIVersion: 'number', BlockDelay: 'number', Agent: 'string' },
}
export const Actor: Schema = {
  object: {
    Code: 'cid',
    Head: 'cid',
    Nonce: 'number',
    Balance: 'bigint',
    DelegatedAddress: { nullable: 'address' },
  },
}
/** `StateReadState` of a miner: the fields of the miner state the devnet models. */
export const MinerActorState: Schema = {
  object: {
    Balance: 'bigint',
    Code: 'cid',
    State: {
      object: {
        PreCommitDeposits: 'bigint',
        LockedFunds: 'bigint',
        FeeDebt: 'bigint',
        InitialPledge: 'bigint',
        ProvingPeriodStart: 'number',
        CurrentDeadline: 'number',
        DeadlineCronActive: 'boolean',
      },
    },
  },
}
export const AccountActorState: Schema = {
  object: { Balance: 'bigint', Code: 'cid', State: { object: { Address: 'address' } } },
}
export const SignedMessage: Schema = { object: { Message, Signature: sig, CID: 'cid' } }
export const UnsignedMessageIn: Schema = {
  object: { ...(Message as { object: Record<string, Schema> }).object },
}
export const InvocResult: Schema = {
  object: {
    MsgCid: { nullable: 'cid' },
    Msg: 'any',
    MsgRct: MessageReceipt,
    GasCost: 'any',
    ExecutionTrace: 'any',
    Error: 'string',
    Duration: 'number',
  },
}
export const HeadChange: Schema = { object: { Type: 'string', Val: TipSet } }
export const SectorLocation: Schema = { object: { Deadline: 'number', Partition: 'number' } }
