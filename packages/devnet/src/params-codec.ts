/**
 * Typed actor parameters for the methods the devnet executes, decoded and encoded with the core
 * codecs (layouts of spec §2.3). Decoding failures abort the message with exit 21
 * (serialization), as the FVM does.
 */
import {
  addressFromBytes,
  addressToBytes,
  cborDecode,
  cborEncode,
  decodeBigInt,
  decodeCreateMiner,
  decodeDeclareFaults,
  decodeDeclareFaultsRecovered,
  decodeExtendSectorExpiration2,
  decodePreCommitSectorBatch2,
  decodeProveCommitSectors3,
  decodeRuns,
  decodeSubmitWindowedPoSt,
  decodeTerminateSectors,
  encodeBatchReturn,
  encodeBigInt,
  encodeBitfield,
  encodeCreateMiner,
  encodeCreateMinerReturn,
  encodeDeclareFaults,
  encodeExtendSectorExpiration2,
  encodePreCommitSectorBatch2,
  encodeProveCommitSectors3,
  encodeSubmitWindowedPoSt,
  isVenusError,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import {
  ActorAbort,
  type CreateMinerParam,
  ExitCode,
  type ExpirationExtensionParam,
  type PreCommitInfoParam,
  type ProveCommitSectors3Param,
  type SectorLocationParam,
  type SubmitWindowedPoStParam,
} from './actor-types.js'
import type { BatchReturn } from './actors/miner/sealing.js'

/** Decoded parameter types by method name. */
export interface MethodParams {
  CreateMiner: CreateMinerParam
  PreCommitSectorBatch2: PreCommitInfoParam[]
  ProveCommitSectors3: ProveCommitSectors3Param
  SubmitWindowedPoSt: SubmitWindowedPoStParam
  DeclareFaults: SectorLocationParam[]
  DeclareFaultsRecovered: SectorLocationParam[]
  TerminateSectors: SectorLocationParam[]
  WithdrawBalance: bigint
  ChangeWorkerAddress: { newWorker: string; newControlAddresses: string[] }
  /** The new owner (an ID address). */
  ChangeOwnerAddress: string
  /** The sector numbers of the mask. */
  CompactSectorNumbers: number[]
  ExtendSectorExpiration2: ExpirationExtensionParam[]
}

/** Masks the devnet expands: a bigger one is refused rather than filling the heap. */
const MAX_MASK_NUMBERS = 1_000_000

/** Return types by method name. */
export interface MethodReturns {
  CreateMiner: { idAddress: string; robustAddress: string }
  ProveCommitSectors3: BatchReturn
  TerminateSectors: boolean
  WithdrawBalance: bigint
}

const PREFIX = 't'

function tuple(raw: Uint8Array, n: number, method: string): unknown[] {
  const v = cborDecode(raw, `${method} params`)
  if (!Array.isArray(v) || v.length !== n)
    throw new ActorAbort(ExitCode.ErrSerialization, `${method} params: expected a ${n}-tuple`)
  return v
}

function bytesOf(v: unknown, method: string, what: string): Uint8Array {
  if (!(v instanceof Uint8Array))
    throw new ActorAbort(ExitCode.ErrSerialization, `${method} params: ${what} must be bytes`)
  return v
}

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
          })),
        })),
      }
    }
    case 'SubmitWindowedPoSt':
      return decodeSubmitWindowedPoSt(raw)
    case 'DeclareFaults':
      return decodeDeclareFaults(raw).entries
    case 'DeclareFaultsRecovered':
      return decodeDeclareFaultsRecovered(raw).entries
    case 'TerminateSectors':
      return decodeTerminateSectors(raw).entries
    case 'WithdrawBalance': {
      const [amount] = tuple(raw, 1, method)
      return decodeBigInt(bytesOf(amount, method, 'amount_requested'))
    }
    case 'ChangeWorkerAddress': {
      const [worker, controls] = tuple(raw, 2, method)
      if (!Array.isArray(controls))
        throw new ActorAbort(ExitCode.ErrSerialization, `${method} params: controls must be a list`)
      return {
        newWorker: addressFromBytes(bytesOf(worker, method, 'new_worker'), PREFIX).toString(),
        newControlAddresses: controls.map((c) =>
          addressFromBytes(bytesOf(c, method, 'control'), PREFIX).toString(),
        ),
      }
    }
    case 'ChangeOwnerAddress':
      // The params are the address itself (a transparent newtype), not a tuple.
      return addressFromBytes(
        bytesOf(cborDecode(raw, `${method} params`), method, 'new_owner'),
        PREFIX,
      ).toString()
    case 'ExtendSectorExpiration2':
      return decodeExtendSectorExpiration2(raw).extensions
    case 'CompactSectorNumbers': {
      const [mask] = tuple(raw, 1, method)
      // Malformed RLE+ is a serialization error (21); a well-formed mask too big to list is not.
      const runs = decodeRuns(bytesOf(mask, method, 'mask_sector_numbers'))
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

/** Encodes the CBOR return value of `method`. */
export function encodeMethodReturn<M extends keyof MethodReturns>(
  method: M,
  value: MethodReturns[M],
): Uint8Array {
  switch (method) {
    case 'CreateMiner':
      return encodeCreateMinerReturn(value as MethodReturns['CreateMiner'])
    case 'ProveCommitSectors3': {
      const v = value as BatchReturn
      return encodeBatchReturn({
        successCount: v.successCount,
        failCodes: v.failCodes.map((f) => ({ index: f.idx, code: f.code })),
      })
    }
    case 'TerminateSectors':
      return cborEncode([value as boolean])
    case 'WithdrawBalance':
      return cborEncode(encodeBigInt(value as bigint))
  }
  return new Uint8Array()
}

/** Encoders for the params of the methods above (tests and the devnet's own tooling). */
export const encodeParams = {
  createMiner: (p: CreateMinerParam): Uint8Array => encodeCreateMiner(p),
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
        pieces: a.pieces.map((pc) => ({ ...pc, cid: CID.parse(pc.cid) as never, notify: [] })),
      })),
    }),
  submitWindowedPoSt: (p: SubmitWindowedPoStParam): Uint8Array => encodeSubmitWindowedPoSt(p),
  sectorLocations: (entries: SectorLocationParam[]): Uint8Array => encodeDeclareFaults({ entries }),
  changeWorkerAddress: (p: { newWorker: string; newControlAddresses: string[] }): Uint8Array =>
    cborEncode([addressToBytes(p.newWorker), p.newControlAddresses.map((a) => addressToBytes(a))]),
  withdrawBalance: (amount: bigint): Uint8Array => cborEncode([encodeBigInt(amount)]),
  changeOwnerAddress: (newOwner: string): Uint8Array => cborEncode(addressToBytes(newOwner)),
  compactSectorNumbers: (mask: Iterable<number>): Uint8Array => cborEncode([encodeBitfield(mask)]),
  extendSectorExpiration2: (extensions: ExpirationExtensionParam[]): Uint8Array =>
    encodeExtendSectorExpiration2({ extensions }),
}

export { decodeBigInt, encodeBigInt }
