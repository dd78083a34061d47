/**
 * Typed actor parameters for the methods the devnet executes, decoded and encoded with the core
 * codecs. Decoding failures abort the message with exit 21 (serialization), as the FVM does.
 */
import {
  type BatchReturn,
  type CreateMinerParams,
  decodeChangeBeneficiary,
  decodeChangeOwnerAddress,
  decodeChangeWorkerAddress,
  decodeCompactPartitions,
  decodeCompactSectorNumbers,
  decodeCreateMiner,
  decodeDeclareFaults,
  decodeDeclareFaultsRecovered,
  decodeExtendSectorExpiration2,
  decodePreCommitSectorBatch2,
  decodeProveCommitSectors3,
  decodeProveReplicaUpdates3,
  decodeRuns,
  decodeSubmitWindowedPoSt,
  decodeTerminateSectors,
  decodeWithdrawBalance,
  ExitCode,
  type ExpirationExtension2,
  encodeBatchReturn,
  encodeBitfield,
  encodeChangeBeneficiary,
  encodeChangeOwnerAddress,
  encodeChangeWorkerAddress,
  encodeCompactSectorNumbers,
  encodeCreateMiner,
  encodeCreateMinerReturn,
  encodeDeclareFaults,
  encodeExtendSectorExpiration2,
  encodeGetBeneficiaryReturn,
  encodePreCommitSectorBatch2,
  encodeProveCommitSectors3,
  encodeProveReplicaUpdates3,
  encodeProveReplicaUpdates3Return,
  encodeSubmitWindowedPoSt,
  encodeTerminateSectorsReturn,
  encodeWithdrawBalance,
  encodeWithdrawBalanceReturn,
  type GetBeneficiaryReturn,
  isVenusError,
  type SectorLocationSet,
  type SubmitWindowedPoStParams,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import {
  ActorAbort,
  type PreCommitInfoParam,
  type ProveCommitSectors3Param,
  type ProveReplicaUpdates3Param,
} from './actor-types.js'

/** Decoded parameter types by method name. */
export interface MethodParams {
  CreateMiner: CreateMinerParams
  PreCommitSectorBatch2: PreCommitInfoParam[]
  ProveCommitSectors3: ProveCommitSectors3Param
  ProveReplicaUpdates3: ProveReplicaUpdates3Param
  SubmitWindowedPoSt: SubmitWindowedPoStParams
  DeclareFaults: SectorLocationSet[]
  DeclareFaultsRecovered: SectorLocationSet[]
  TerminateSectors: SectorLocationSet[]
  WithdrawBalance: bigint
  ChangeWorkerAddress: { newWorker: string; newControlAddresses: string[] }
  /** The new owner (an ID address). */
  ChangeOwnerAddress: string
  /** The sector numbers of the mask. */
  CompactSectorNumbers: number[]
  ExtendSectorExpiration2: ExpirationExtension2[]
  CompactPartitions: { deadline: number; partitions: number[] }
  ChangeBeneficiary: { newBeneficiary: string; newQuota: bigint; newExpiration: number }
}

/** Masks the devnet expands: a bigger one is refused rather than filling the heap. */
const MAX_MASK_NUMBERS = 1_000_000

/** Return types by method name. */
export interface MethodReturns {
  CreateMiner: { idAddress: string; robustAddress: string }
  ProveCommitSectors3: BatchReturn
  ProveReplicaUpdates3: BatchReturn
  TerminateSectors: boolean
  WithdrawBalance: bigint
  GetBeneficiary: GetBeneficiaryReturn
}

const PREFIX = 't'

function decodeValue(method: keyof MethodParams, raw: Uint8Array): MethodParams[keyof MethodParams] {
  switch (method) {
    case 'CreateMiner':
      return decodeCreateMiner(raw, PREFIX)
    case 'PreCommitSectorBatch2':
      return decodePreCommitSectorBatch2(raw).sectors.map((s) => ({
        ...s,
        sealedCid: s.sealedCid.toString(),
        unsealedCid: s.unsealedCid === null ? null : s.unsealedCid.toString(),
      }))
    case 'ProveCommitSectors3': {
      const p = decodeProveCommitSectors3(raw, PREFIX)
      return {
        ...p,
        activations: p.activations.map((a) => ({
          sectorNumber: a.sectorNumber,
          pieces: a.pieces.map((pc) => ({
            cid: pc.cid.toString(),
            size: pc.size,
            verifiedAllocationKey: pc.verifiedAllocationKey,
            notify: pc.notify,
          })),
        })),
      }
    }
    case 'ProveReplicaUpdates3': {
      const p = decodeProveReplicaUpdates3(raw, PREFIX)
      return {
        ...p,
        sectorUpdates: p.sectorUpdates.map((u) => ({
          ...u,
          newSealedCid: u.newSealedCid.toString(),
          pieces: u.pieces.map((pc) => ({
            cid: pc.cid.toString(),
            size: pc.size,
            verifiedAllocationKey: pc.verifiedAllocationKey,
          })),
        })),
      }
    }
    case 'SubmitWindowedPoSt':
      return decodeSubmitWindowedPoSt(raw)
    case 'CompactPartitions':
      return decodeCompactPartitions(raw)
    case 'DeclareFaults':
      return decodeDeclareFaults(raw).entries
    case 'DeclareFaultsRecovered':
      return decodeDeclareFaultsRecovered(raw).entries
    case 'TerminateSectors':
      return decodeTerminateSectors(raw).entries
    case 'WithdrawBalance':
      return decodeWithdrawBalance(raw).amountRequested
    case 'ChangeWorkerAddress':
      return decodeChangeWorkerAddress(raw, PREFIX)
    case 'ChangeOwnerAddress':
      return decodeChangeOwnerAddress(raw, PREFIX)
    case 'ExtendSectorExpiration2':
      return decodeExtendSectorExpiration2(raw).extensions
    case 'ChangeBeneficiary':
      return decodeChangeBeneficiary(raw, PREFIX)
    case 'CompactSectorNumbers': {
      // Malformed RLE+ is a serialization error (21); a well-formed mask too big to list is not.
      const runs = decodeRuns(decodeCompactSectorNumbers(raw).maskSectorNumbers)
      const count = runs.reduce((n, [, len]) => n + len, 0)
      if (count > MAX_MASK_NUMBERS)
        throw new ActorAbort(
          ExitCode.ErrIllegalArgument,
          `${method}: invalid mask bitfield (${count} numbers; the devnet takes at most ${MAX_MASK_NUMBERS})`,
        )
      return runs.flatMap(([start, len]) => Array.from({ length: len }, (_, i) => start + i))
    }
  }
}

/**
 * Decodes the CBOR params of `method` with the core codecs; any malformed input aborts with
 * exit 21.
 * @example
 * ```ts
 * const faults = decodeMethodParams('DeclareFaults', Buffer.from('gYGDAwBCsBw=', 'base64'))
 * ```
 */
export function decodeMethodParams<M extends keyof MethodParams>(
  method: M,
  raw: Uint8Array,
): MethodParams[M] {
  try {
    return decodeValue(method, raw) as MethodParams[M]
  } catch (err) {
    if (err instanceof ActorAbort) throw err
    const why = isVenusError(err) || err instanceof Error ? err.message : String(err)
    throw new ActorAbort(ExitCode.ErrSerialization, `${method} params: ${why}`)
  }
}

/**
 * Decodes actor params with a core decoder; malformed input aborts the message with exit 21
 * (serialization), naming `what`.
 * @example
 * ```ts
 * const terms = decodeParams('ExtendClaimTerms', call.params, decodeExtendClaimTerms)
 * ```
 */
export function decodeParams<T>(what: string, raw: Uint8Array, decode: (raw: Uint8Array) => T): T {
  try {
    return decode(raw)
  } catch (err) {
    if (err instanceof ActorAbort) throw err
    const why = isVenusError(err) || err instanceof Error ? err.message : String(err)
    throw new ActorAbort(ExitCode.ErrSerialization, `${what} params: ${why}`)
  }
}

/** Encodes the CBOR return value of `method`. */
export function encodeMethodReturn<M extends keyof MethodReturns>(
  method: M,
  value: MethodReturns[M],
): Uint8Array {
  switch (method) {
    case 'CreateMiner':
      return encodeCreateMinerReturn(value as MethodReturns['CreateMiner'])
    case 'ProveCommitSectors3':
      return encodeBatchReturn(value as BatchReturn)
    case 'ProveReplicaUpdates3':
      return encodeProveReplicaUpdates3Return({ activationResults: value as BatchReturn })
    case 'TerminateSectors':
      return encodeTerminateSectorsReturn(value as boolean)
    case 'WithdrawBalance':
      return encodeWithdrawBalanceReturn(value as bigint)
    case 'GetBeneficiary':
      return encodeGetBeneficiaryReturn(value as GetBeneficiaryReturn)
  }
  return new Uint8Array()
}

/** Encoders for the params of the methods above (tests and the devnet's own tooling). */
export const encodeParams = {
  createMiner: (p: CreateMinerParams): Uint8Array => encodeCreateMiner(p),
  preCommitSectorBatch2: (sectors: PreCommitInfoParam[]): Uint8Array =>
    encodePreCommitSectorBatch2({
      sectors: sectors.map((s) => ({
        ...s,
        sealedCid: CID.parse(s.sealedCid) as never,
        unsealedCid: s.unsealedCid === null ? null : (CID.parse(s.unsealedCid) as never),
      })),
    }),
  proveCommitSectors3: (p: ProveCommitSectors3Param): Uint8Array =>
    encodeProveCommitSectors3({
      ...p,
      activations: p.activations.map((a) => ({
        sectorNumber: a.sectorNumber,
        pieces: a.pieces.map((pc) => ({ ...pc, cid: CID.parse(pc.cid) as never, notify: pc.notify ?? [] })),
      })),
    }),
  proveReplicaUpdates3: (p: ProveReplicaUpdates3Param): Uint8Array =>
    encodeProveReplicaUpdates3({
      ...p,
      sectorUpdates: p.sectorUpdates.map((u) => ({
        ...u,
        newSealedCid: CID.parse(u.newSealedCid) as never,
        pieces: u.pieces.map((pc) => ({ ...pc, cid: CID.parse(pc.cid) as never, notify: [] })),
      })),
    }),
  submitWindowedPoSt: (p: SubmitWindowedPoStParams): Uint8Array => encodeSubmitWindowedPoSt(p),
  sectorLocations: (entries: SectorLocationSet[]): Uint8Array => encodeDeclareFaults({ entries }),
  changeWorkerAddress: encodeChangeWorkerAddress,
  withdrawBalance: (amount: bigint): Uint8Array => encodeWithdrawBalance({ amountRequested: amount }),
  changeOwnerAddress: encodeChangeOwnerAddress,
  compactSectorNumbers: (mask: Iterable<number>): Uint8Array =>
    encodeCompactSectorNumbers({ maskSectorNumbers: encodeBitfield(mask) }),
  extendSectorExpiration2: (extensions: ExpirationExtension2[]): Uint8Array =>
    encodeExtendSectorExpiration2({ extensions }),
  changeBeneficiary: (p: { newBeneficiary: string; newQuota: bigint; newExpiration: number }): Uint8Array =>
    encodeChangeBeneficiary(p),
}
