// The empty-sector-update (SnapDeals) calls of the native backend (filecoin-proofs-api `update`).
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type {
  DecodeFromRequest,
  DecodeRangeRequest,
  EncodeIntoRequest,
  EncodeIntoResult,
  ProofsCallOptions,
  ProofsStage,
  RemoveEncodedDataRequest,
  UpdateCommitments,
  UpdateProofRegistryInfo,
  UpdateProofsBackend,
  UpdateProveRequest,
  UpdateSnarkRequest,
  VerifyUpdatePartitionsRequest,
  VerifyUpdateRequest,
} from '@venus-cluster/core'
import { updateProofFacts } from '@venus-cluster/core'
import type { AddonUpdateComms, AddonUpdateFiles, ProofsAddon } from './addon.js'
import { checkProofId, checkUnpaddedRange, circuitInfo, falseOnFailure, pieces, u8 } from './native-util.js'

/** How the backend runs one addon call: queued when heavy, errors typed, abortable. */
export type NativeCall = <T>(
  stage: ProofsStage,
  call: string,
  kind: 'heavy' | 'light',
  fn: (addon: ProofsAddon) => T | Promise<T>,
  options?: ProofsCallOptions,
) => Promise<T>

function updateType(id: number): number {
  checkProofId(id, 4, 'update')
  return id
}

function comms(c: UpdateCommitments): AddonUpdateComms {
  return { commROld: c.commROld, commRNew: c.commRNew, commDNew: c.commDNew }
}

function files(r: UpdateProveRequest): AddonUpdateFiles {
  return {
    sectorKeyPath: r.sectorKeyPath,
    sectorKeyCacheDir: r.sectorKeyCacheDir,
    replicaPath: r.replicaPath,
    replicaCacheDir: r.replicaCacheDir,
  }
}

/**
 * The update calls of `nativeProofs()`. Encoding, proving, decoding and key regeneration are
 * heavy (one at a time with the other heavy calls); verification is light.
 */
export class NativeUpdateProofs implements UpdateProofsBackend {
  readonly #call: NativeCall

  constructor(call: NativeCall) {
    this.#call = call
  }

  async updateProofInfo(updateProofType: number): Promise<UpdateProofRegistryInfo> {
    updateType(updateProofType)
    return this.#call('verifySnap', 'updateProofInfo', 'light', (a) => {
      return { updateProofType, ...circuitInfo(a.updateProofInfo(updateProofType)) }
    })
  }

  async encodeInto(request: EncodeIntoRequest, options?: ProofsCallOptions): Promise<EncodeIntoResult> {
    const t = updateType(request.updateProofType)
    return this.#call(
      'snapEncode',
      'encodeInto',
      'heavy',
      async (a) => {
        await mkdir(dirname(request.newReplicaPath), { recursive: true })
        const r = await a.encodeInto(
          t,
          request.newReplicaPath,
          request.newCacheDir,
          request.sectorKeyPath,
          request.sectorKeyCacheDir,
          request.stagedPath,
          pieces(request.pieces, updateProofFacts(t).sectorSize),
        )
        return { commRNew: u8(r.commRNew), commRLastNew: u8(r.commRLastNew), commDNew: u8(r.commDNew) }
      },
      options,
    )
  }

  async generateUpdatePartitionProofs(
    request: UpdateProveRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array[]> {
    const t = updateType(request.updateProofType)
    return this.#call(
      'snapVanilla',
      'generateUpdatePartitionProofs',
      'heavy',
      async (a) => (await a.generateUpdatePartitionProofs(t, comms(request), files(request))).map(u8),
      options,
    )
  }

  async verifyUpdatePartitionProofs(request: VerifyUpdatePartitionsRequest): Promise<boolean> {
    const t = updateType(request.updateProofType)
    return falseOnFailure(
      this.#call('verifySnap', 'verifyUpdatePartitionProofs', 'light', (a) =>
        a.verifyUpdatePartitionProofs(t, [...request.vanillaProofs], comms(request)),
      ),
    )
  }

  async generateUpdateProofWithVanilla(
    request: UpdateSnarkRequest,
    options?: ProofsCallOptions,
  ): Promise<Uint8Array> {
    const t = updateType(request.updateProofType)
    return this.#call(
      'snapProve',
      'generateUpdateProofWithVanilla',
      'heavy',
      async (a) => u8(await a.generateUpdateProofWithVanilla(t, [...request.vanillaProofs], comms(request))),
      options,
    )
  }

  async generateUpdateProof(request: UpdateProveRequest, options?: ProofsCallOptions): Promise<Uint8Array> {
    const t = updateType(request.updateProofType)
    return this.#call(
      'snapProve',
      'generateUpdateProof',
      'heavy',
      async (a) => u8(await a.generateUpdateProof(t, comms(request), files(request))),
      options,
    )
  }

  async verifyUpdateProof(request: VerifyUpdateRequest): Promise<boolean> {
    const t = updateType(request.updateProofType)
    return falseOnFailure(
      this.#call('verifySnap', 'verifyUpdateProof', 'light', (a) =>
        a.verifyUpdateProof(t, request.proof, comms(request)),
      ),
    )
  }

  async decodeFrom(request: DecodeFromRequest, options?: ProofsCallOptions): Promise<void> {
    const t = updateType(request.updateProofType)
    return this.#call(
      'snapDecode',
      'decodeFrom',
      'heavy',
      async (a) => {
        await mkdir(dirname(request.outputPath), { recursive: true })
        await a.decodeFrom(
          t,
          request.outputPath,
          request.replicaPath,
          request.sectorKeyPath,
          request.sectorKeyCacheDir,
          request.commDNew,
        )
      },
      options,
    )
  }

  async decodeRange(request: DecodeRangeRequest, options?: ProofsCallOptions): Promise<number> {
    const t = updateType(request.updateProofType)
    checkUnpaddedRange(request)
    return this.#call(
      'snapDecode',
      'decodeRange',
      'heavy',
      async (a) => {
        await mkdir(dirname(request.outputPath), { recursive: true })
        return a.decodeRange(
          t,
          request.commDNew,
          request.commROld,
          request.replicaPath,
          request.sectorKeyPath,
          request.outputPath,
          request.unpaddedOffset,
          request.unpaddedLength,
        )
      },
      options,
    )
  }

  async removeEncodedData(request: RemoveEncodedDataRequest, options?: ProofsCallOptions): Promise<void> {
    const t = updateType(request.updateProofType)
    return this.#call(
      'snapRemoveData',
      'removeEncodedData',
      'heavy',
      async (a) => {
        await mkdir(dirname(request.sectorKeyPath), { recursive: true })
        await a.removeEncodedData(
          t,
          request.sectorKeyPath,
          request.sectorKeyCacheDir,
          request.replicaPath,
          request.replicaCacheDir,
          request.stagedPath,
          request.commDNew,
        )
      },
      options,
    )
  }
}
