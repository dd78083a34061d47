/**
 * Lotus JSON encodings of devnet objects: CIDs as `{"/": …}`, big numbers as
 * decimal strings, bytes as padded base64, bitfields as run lengths.
 */
import {
  type CidJson,
  cborCid,
  type LotusMessage,
  numbersToRuns,
  runsToNumbers,
  VenusError,
} from '@venus-cluster/core'
import { base58btc } from 'multiformats/bases/base58'
import type { DeadlineInfo } from './deadline.js'
import type { DevnetMessageLookup, DevnetReceipt, DevnetTipset } from './devnet.js'
import { type DevnetStoredMessage, messageBytes } from './messages.js'
import type { DevnetParams } from './params.js'
import type { ActiveSectorState, MinerState, PartitionState, PreCommitState } from './state.js'
import { activeSectors, liveSectors } from './state.js'

/** Lotus JSON of a CID string. */
export function cidJson(cid: string): CidJson {
  return { '/': cid }
}

/** Standard base64 with padding, `null` for absent bytes. */
export function b64(bytes: Uint8Array | null | undefined): string | null {
  return bytes == null ? null : Buffer.from(bytes).toString('base64')
}

/** Bitfield JSON: run lengths starting with a run of zeros (`[0]` for the empty set). */
export const bitfieldJson: (values: Iterable<number>) => number[] = numbersToRuns

/**
 * Decodes bitfield JSON run lengths into sector numbers; malformed runs and fields listing more
 * than a million numbers are `RPC_INVALID_PARAMS` (`where` names the parameter).
 */
export function bitfieldFromJson(runs: unknown, where: string): number[] {
  if (runs === null) return []
  const bad = (why: string) =>
    new VenusError('RPC_INVALID_PARAMS', `${where}: ${why}`, {
      details: { where },
    })
  if (!Array.isArray(runs) || runs.some((r) => !Number.isSafeInteger(r) || r < 0)) {
    throw bad('bitfield must be an array of run lengths')
  }
  try {
    return runsToNumbers(runs as number[], { maxCount: 1_000_000 })
  } catch (e) {
    throw bad(e instanceof Error ? e.message : String(e))
  }
}

/** Lotus JSON of a tipset with its one block header. */
export function tipsetJson(ts: DevnetTipset, blockMiner: string): Record<string, unknown> {
  return {
    Cids: [cidJson(ts.cid)],
    Blocks: [
      {
        Miner: blockMiner,
        Ticket: { VRFProof: b64(ts.ticket) },
        ElectionProof: { WinCount: 1, VRFProof: b64(ts.ticket) },
        BeaconEntries: [{ Round: ts.beacon.round, Data: b64(ts.beacon.data) }],
        WinPoStProof: [{ PoStProof: 0, ProofBytes: b64(ts.ticket.subarray(0, 32)) }],
        Parents: ts.parents.map(cidJson),
        ParentWeight: ts.parentWeight.toString(),
        Height: ts.height,
        ParentStateRoot: cidJson(ts.parentStateRoot),
        ParentMessageReceipts: cidJson(ts.parentMessageReceipts),
        Messages: cidJson(ts.messagesRoot),
        BLSAggregate: { Type: 2, Data: b64(ts.ticket) },
        Timestamp: ts.timestamp,
        BlockSig: { Type: 2, Data: b64(ts.ticket) },
        ForkSignaling: 0,
        ParentBaseFee: ts.parentBaseFee.toString(),
      },
    ],
    Height: ts.height,
  }
}

/** Lotus JSON of a tipset key. */
export function tipsetKeyJson(ts: DevnetTipset): CidJson[] {
  return [cidJson(ts.cid)]
}

/** Lotus JSON of an unsigned message (with its output-only CID). */
export function messageJson(m: DevnetStoredMessage): Record<string, unknown> {
  return { ...m.message, CID: cidJson(m.unsignedCid) }
}

/** Lotus JSON of an unsigned message given as plain Lotus JSON, with its CID added. */
export function unsignedMessageJson(m: LotusMessage): Record<string, unknown> {
  return { ...m, CID: cidJson(cborCid(messageBytes(m)).toString()) }
}

/** Lotus JSON of a signed message. */
export function signedMessageJson(m: DevnetStoredMessage): Record<string, unknown> {
  return { Message: messageJson(m), Signature: m.signature, CID: cidJson(m.cid) }
}

/** Lotus JSON of a receipt. */
export function receiptJson(r: DevnetReceipt): Record<string, unknown> {
  return { ExitCode: r.exitCode, Return: b64(r.return), GasUsed: r.gasUsed, EventsRoot: null }
}

/** Lotus JSON of a `MsgLookup`. */
export function msgLookupJson(l: DevnetMessageLookup): Record<string, unknown> {
  return {
    Message: cidJson(l.message.cid),
    Receipt: receiptJson(l.receipt),
    ReturnDec: null,
    TipSet: tipsetKeyJson(l.executed),
    Height: l.executed.height,
  }
}

/** Lotus JSON of `dline.Info`. */
export function deadlineInfoJson(d: DeadlineInfo, p: DevnetParams): Record<string, number> {
  return {
    CurrentEpoch: d.currentEpoch,
    PeriodStart: d.periodStart,
    Index: d.index,
    Open: d.open,
    Close: d.close,
    Challenge: d.challenge,
    FaultCutoff: d.faultCutoff,
    WPoStPeriodDeadlines: p.wpostPeriodDeadlines,
    WPoStProvingPeriod: p.wpostProvingPeriod,
    WPoStChallengeWindow: p.wpostChallengeWindow,
    WPoStChallengeLookback: p.wpostChallengeLookback,
    FaultDeclarationCutoff: p.faultDeclarationCutoff,
  }
}

/** Lotus JSON of `MinerInfo`. */
export function minerInfoJson(m: MinerState, idAddress: (id: number) => string): Record<string, unknown> {
  return {
    Owner: idAddress(m.owner),
    Worker: idAddress(m.worker),
    NewWorker: m.pendingWorker === null ? '<empty>' : idAddress(m.pendingWorker.worker),
    ControlAddresses: m.controls.map(idAddress),
    WorkerChangeEpoch: m.pendingWorker === null ? -1 : m.pendingWorker.effectiveAt,
    PeerId: m.peerId.length > 0 ? base58btc.baseEncode(m.peerId) : null,
    Multiaddrs: m.multiaddrs.length > 0 ? m.multiaddrs.map((a) => b64(a)) : null,
    WindowPoStProofType: m.windowPoStProofType,
    SectorSize: m.sectorSize,
    WindowPoStPartitionSectors: m.partitionSectors,
    ConsensusFaultElapsed: -1,
    PendingOwnerAddress: m.pendingOwner === null ? null : idAddress(m.pendingOwner),
    Beneficiary: idAddress(m.beneficiary),
    BeneficiaryTerm: {
      Quota: m.beneficiaryTerm.quota.toString(),
      UsedQuota: m.beneficiaryTerm.usedQuota.toString(),
      Expiration: m.beneficiaryTerm.expiration,
    },
    PendingBeneficiaryTerm:
      m.pendingBeneficiary === null
        ? null
        : {
            NewBeneficiary: idAddress(m.pendingBeneficiary.beneficiary),
            NewQuota: m.pendingBeneficiary.quota.toString(),
            NewExpiration: m.pendingBeneficiary.expiration,
            ApprovedByBeneficiary: m.pendingBeneficiary.approvedByBeneficiary,
            ApprovedByNominee: m.pendingBeneficiary.approvedByNominee,
          },
  }
}

/** Lotus JSON of one partition. */
export function partitionJson(p: PartitionState): Record<string, number[]> {
  return {
    AllSectors: bitfieldJson(p.all),
    FaultySectors: bitfieldJson(p.faulty),
    RecoveringSectors: bitfieldJson(p.recovering),
    LiveSectors: bitfieldJson(liveSectors(p)),
    ActiveSectors: bitfieldJson(activeSectors(p)),
  }
}

/** Lotus JSON of `SectorOnChainInfo`. */
export function sectorJson(s: ActiveSectorState): Record<string, unknown> {
  return {
    SectorNumber: s.sectorNumber,
    SealProof: s.sealProof,
    SealedCID: cidJson(s.sealedCid),
    Activation: s.activation,
    Expiration: s.expiration,
    DealWeight: s.dealWeight.toString(),
    VerifiedDealWeight: s.verifiedDealWeight.toString(),
    InitialPledge: s.initialPledge.toString(),
    ExpectedDayReward: '0',
    ExpectedStoragePledge: '0',
    PowerBaseEpoch: s.powerBaseEpoch,
    ReplacedDayReward: '0',
    SectorKeyCID: s.sectorKeyCid === undefined ? null : cidJson(s.sectorKeyCid),
    Flags: s.flags,
    DailyFee: '0',
  }
}

/** Lotus JSON of `SectorPreCommitInfo`. */
export function preCommitInfoJson(
  p: Omit<PreCommitState, 'deposit' | 'preCommitEpoch'>,
): Record<string, unknown> {
  return {
    SealProof: p.sealProof,
    SectorNumber: p.sectorNumber,
    SealedCID: cidJson(p.sealedCid),
    SealRandEpoch: p.sealRandEpoch,
    DealIDs: p.dealIds.length > 0 ? p.dealIds : null,
    Expiration: p.expiration,
    UnsealedCid: p.unsealedCid === null ? null : cidJson(p.unsealedCid),
  }
}

/** Lotus JSON of `SectorPreCommitOnChainInfo`. */
export function preCommitOnChainJson(p: PreCommitState): Record<string, unknown> {
  return {
    Info: preCommitInfoJson(p),
    PreCommitDeposit: p.deposit.toString(),
    PreCommitEpoch: p.preCommitEpoch,
  }
}
