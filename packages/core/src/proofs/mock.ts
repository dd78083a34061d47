import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isVenusError, throwIfAborted, VenusError } from '../errors/index.js'
import type {
  AddPieceRequest,
  AddPieceResult,
  AggregateSealRequest,
  ClearCacheRequest,
  Commit1Output,
  Commit1Request,
  Commit2Request,
  ComputeCommDRequest,
  FallbackChallengesRequest,
  MergePartitionsRequest,
  PartitionProof,
  PieceCommitmentRequest,
  PoStProofBytes,
  PoStProofRegistryInfo,
  PoStProofType,
  PreCommit1Output,
  PreCommit1Request,
  PreCommit2Request,
  PreCommit2Result,
  PrivateReplicaInfo,
  ProofsBackend,
  ProofsBackendInfo,
  ProofsCallOptions,
  ProofsPieceInfo,
  ProofsStage,
  PublicReplicaInfo,
  SealProofRegistryInfo,
  SealProofType,
  SectorChallenges,
  SinglePartitionRequest,
  SingleVanillaProofRequest,
  UnsealRangeRequest,
  VerifyAggregateSealRequest,
  VerifyPoStRequest,
  VerifySealRequest,
  WindowPoStRequest,
  WindowPoStResult,
  WindowPoStWithVanillaRequest,
  WinningChallengeRequest,
  WinningPoStRequest,
  WriteAndPreprocessRequest,
} from './backend.js'
import type {
  DecodeFromRequest,
  DecodeRangeRequest,
  EncodeIntoRequest,
  EncodeIntoResult,
  RemoveEncodedDataRequest,
  UpdateProofRegistryInfo,
  UpdateProveRequest,
  UpdateSnarkRequest,
  VerifyUpdatePartitionsRequest,
  VerifyUpdateRequest,
} from './backend-update.js'
import {
  commRFromRoots,
  leafChallenges,
  mockAggregateLength,
  mockRoots,
  parseVanilla,
  partitionProofBytes,
  replicaIdOf,
  sealProofBytes,
  treeDOf,
  VANILLA_MAGIC,
} from './mock-derive.js'
import {
  fileSize,
  openRw,
  padIntoFile,
  readPAux,
  sparseCopy,
  sparseFile,
  unpadFromFile,
} from './mock-files.js'
import {
  bytesEqual,
  concat,
  expand,
  fromHex,
  type HashField,
  readU64le,
  sha256,
  taggedDigest,
  toHex,
  u64le,
} from './mock-hash.js'
import {
  aggregationType,
  bytes32,
  commDOf,
  commitmentValue,
  failed,
  fr32Value,
  invalid,
  nonEmptyPath,
  paddedOf,
  piecesOf,
  replicasPoStType,
  sectorNum,
  sortedReplicas,
  unpaddedRange,
} from './mock-input.js'
import { MockUpdateProofs } from './mock-update.js'
import {
  postProofFacts,
  SNARK_PROOF_BYTES,
  sealProofFacts,
  sectorCacheFiles,
  sectorShape,
} from './registry.js'

/** `items` in slices of `size` (the last one shorter): replicas into partitions. */
function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** A call the mock is about to run, as seen by {@link MockProofsOptions.onCall}. */
export interface MockProofsCall {
  stage: ProofsStage
  method: keyof ProofsBackend
  request: unknown
}

/** Options of {@link mockProofs}. */
export interface MockProofsOptions {
  /** Milliseconds each stage sleeps before working (abortable), to model slow hardware in benchmarks. */
  delays?: Partial<Record<ProofsStage, number>> | undefined
  /**
   * Failure injection: called before every call; throwing (or rejecting) makes the call fail with
   * that error (non-`VenusError`s are wrapped as `PROOFS_FAILED`).
   */
  onCall?: ((call: MockProofsCall) => void | Promise<void>) | undefined
  /**
   * Largest sector size for which PC1 reads the staged file and builds the real tree D (checking
   * it against the pieces' CommD, as the library does). Larger sectors get a sparse tree-D file
   * whose last node is the CommD. Default 8 MiB.
   */
  realTreeDMaxSize?: number | undefined
  /** Version string reported by `info()`. */
  version?: string | undefined
}

const MiB = 1024 * 1024
const PC1_FORMAT = 'venus-mock-proofs/pc1/v1'
const C1_FORMAT = 'venus-mock-proofs/c1/v1'

// ---------------------------------------------------------------- phase outputs

interface Pc1Json {
  format: string
  registeredProof: number
  proverId: string
  sectorNumber: number
  ticket: string
  commD: string
  replicaId: string
}

interface C1Json extends Pc1Json {
  seed: string
  commR: string
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

function decodeJson<T extends Pc1Json>(bytes: unknown, format: string, field: string): T {
  if (!(bytes instanceof Uint8Array)) throw invalid(`${field} must be bytes`, { field })
  let v: T
  try {
    v = JSON.parse(new TextDecoder().decode(bytes)) as T
  } catch (err) {
    throw new VenusError('PROOFS_INVALID_INPUT', `${field} is not valid JSON`, {
      details: { field },
      cause: err,
    })
  }
  if (v?.format !== format) throw invalid(`${field} is not a mock ${format} output`, { field })
  const replicaId = replicaIdOf(
    sealProofFacts(v.registeredProof).proofType,
    fromHex(v.proverId),
    sectorNum(`${field}.sectorNumber`, v.sectorNumber),
    fromHex(v.ticket),
    fromHex(v.commD),
  )
  if (toHex(replicaId) !== v.replicaId)
    throw invalid(`${field} was altered (replica id does not match)`, { field })
  return v
}

// ---------------------------------------------------------------- the backend

class MockProofs implements ProofsBackend {
  readonly #delays: Partial<Record<ProofsStage, number>>
  readonly #onCall: MockProofsOptions['onCall']
  readonly #realTreeDMax: number
  readonly #version: string
  readonly #update: MockUpdateProofs

  constructor(options: MockProofsOptions) {
    this.#delays = options.delays ?? {}
    this.#onCall = options.onCall
    this.#realTreeDMax = options.realTreeDMaxSize ?? 8 * MiB
    this.#version = options.version ?? '0.1.0'
    this.#update = new MockUpdateProofs({
      begin: (stage, method, request, opts) => this.#begin(stage, method, request, opts),
      progress: (opts, stage, step, done, total) => this.#progress(opts, stage, step, done, total),
      realTreeDMax: this.#realTreeDMax,
    })
  }

  async #begin(stage: ProofsStage, method: keyof ProofsBackend, request: unknown, opts?: ProofsCallOptions) {
    const signal = opts?.signal
    throwIfAborted(signal)
    if (request === null || typeof request !== 'object')
      throw invalid(`${method} expects a request object`, { method })
    if (this.#onCall !== undefined) {
      try {
        await this.#onCall({ stage, method, request })
      } catch (err) {
        if (isVenusError(err)) throw err
        throw failed(`injected failure in ${method}`, { method }, err)
      }
    }
    const delay = this.#delays[stage] ?? 0
    if (delay > 0) {
      try {
        await sleep(delay, undefined, signal ? { signal } : undefined)
      } catch (err) {
        throw new VenusError('ABORTED', 'operation aborted', { cause: signal?.reason ?? err })
      }
    }
    throwIfAborted(signal)
  }

  #progress(
    opts: ProofsCallOptions | undefined,
    stage: ProofsStage,
    step: string,
    done: number,
    total: number,
  ) {
    try {
      opts?.onProgress?.({ stage, step, done, total })
    } catch {
      // A faulty listener must not break sealing.
    }
  }

  async info(): Promise<ProofsBackendInfo> {
    return { name: 'mock', version: this.#version, realProofs: false }
  }

  async sealProofInfo(proofType: SealProofType): Promise<SealProofRegistryInfo> {
    const f = sealProofFacts(proofType)
    const circuitIdentifier = `mock-stacked-proof-of-replication-${f.sectorSize}-layers-${f.layers}-partitions-${f.partitions}`
    return {
      proofType: f.proofType,
      sectorSize: f.sectorSize,
      apiVersion: f.apiVersion,
      partitions: f.partitions,
      proofLength: f.proofLength,
      circuitIdentifier,
      paramsFile: `v28-${circuitIdentifier}.params`,
      verifyingKeyFile: `v28-${circuitIdentifier}.vk`,
    }
  }

  async postProofInfo(postProofType: PoStProofType): Promise<PoStProofRegistryInfo> {
    const f = postProofFacts(postProofType)
    const circuitIdentifier = `mock-proof-of-spacetime-fallback-${f.kind}-${f.sectorSize}`
    return {
      postProofType: f.postProofType,
      kind: f.kind,
      sectorSize: f.sectorSize,
      apiVersion: f.apiVersion,
      sectorsPerPartition: f.sectorsPerPartition,
      challengesPerSector: f.challengesPerSector,
      partitionProofLength: SNARK_PROOF_BYTES,
      circuitIdentifier,
      paramsFile: `v28-${circuitIdentifier}.params`,
      verifyingKeyFile: `v28-${circuitIdentifier}.vk`,
    }
  }

  async windowPoStPartitions(postProofType: PoStProofType, sectorCount: number): Promise<number> {
    const f = postProofFacts(postProofType)
    sectorNum('sectorCount', sectorCount)
    return Math.ceil(sectorCount / f.sectorsPerPartition)
  }

  // ---- pieces

  async addPiece(req: AddPieceRequest, opts?: ProofsCallOptions): Promise<AddPieceResult> {
    await this.#begin('addPiece', 'addPiece', req, opts)
    const facts = sealProofFacts(req.proofType)
    const size = paddedOf('unpaddedSize', req.unpaddedSize)
    const stagedPath = nonEmptyPath('stagedPath', req.stagedPath)
    if (!Array.isArray(req.existingPieceSizes))
      throw invalid('existingPieceSizes must be an array', { field: 'existingPieceSizes' })
    const start = req.existingPieceSizes.reduce<number>(
      (n, s, i) => n + paddedOf(`existingPieceSizes[${i}]`, s),
      0,
    )
    const gap = (size - (start % size)) % size
    const offset = start + gap
    if (offset + size > facts.sectorSize) {
      throw invalid('piece does not fit in the sector', {
        offset,
        paddedSize: size,
        sectorSize: facts.sectorSize,
      })
    }
    const fh = await openRw(stagedPath)
    try {
      const have = (await fh.stat()).size
      if (gap > 0 && have > start) {
        const zeros = new Uint8Array(Math.min(MiB, gap))
        for (let p = start; p < Math.min(have, offset); p += zeros.length) {
          await fh.write(zeros, 0, Math.min(zeros.length, Math.min(have, offset) - p), p)
        }
      }
      const commP = await padIntoFile(fh, req.source, req.unpaddedSize, offset, opts?.signal)
      this.#progress(opts, 'addPiece', 'written', 1, 1)
      return {
        piece: { commP, paddedSize: size },
        writtenUnpadded: ((gap + size) / 128) * 127,
        paddedOffset: offset,
      }
    } finally {
      await fh.close()
    }
  }

  async writeAndPreprocess(
    req: WriteAndPreprocessRequest,
    opts?: ProofsCallOptions,
  ): Promise<AddPieceResult> {
    await this.#begin('addPiece', 'writeAndPreprocess', req, opts)
    sealProofFacts(req.proofType)
    const size = paddedOf('unpaddedSize', req.unpaddedSize)
    const targetPath = nonEmptyPath('targetPath', req.targetPath)
    const fh = await openRw(targetPath)
    try {
      const offset = req.paddedOffset ?? (await fh.stat()).size
      if (!Number.isSafeInteger(offset) || offset < 0 || offset % 128 !== 0) {
        throw invalid('paddedOffset must be a non-negative multiple of 128', {
          field: 'paddedOffset',
          value: offset,
        })
      }
      const commP = await padIntoFile(fh, req.source, req.unpaddedSize, offset, opts?.signal)
      this.#progress(opts, 'addPiece', 'written', 1, 1)
      return { piece: { commP, paddedSize: size }, writtenUnpadded: req.unpaddedSize, paddedOffset: offset }
    } finally {
      await fh.close()
    }
  }

  async generatePieceCommitment(
    req: PieceCommitmentRequest,
    opts?: ProofsCallOptions,
  ): Promise<ProofsPieceInfo> {
    await this.#begin('pieceCommitment', 'generatePieceCommitment', req, opts)
    sealProofFacts(req.proofType)
    const size = paddedOf('unpaddedSize', req.unpaddedSize)
    const commP = await padIntoFile(undefined, req.source, req.unpaddedSize, 0, opts?.signal)
    return { commP, paddedSize: size }
  }

  async computeCommD(req: ComputeCommDRequest): Promise<Uint8Array> {
    await this.#begin('pieceCommitment', 'computeCommD', req)
    const facts = sealProofFacts(req.proofType)
    return commDOf(piecesOf(req.pieces), facts.sectorSize)
  }

  // ---- sealing

  async sealPreCommitPhase1(req: PreCommit1Request, opts?: ProofsCallOptions): Promise<PreCommit1Output> {
    await this.#begin('pc1', 'sealPreCommitPhase1', req, opts)
    const facts = sealProofFacts(req.proofType)
    const proverId = bytes32('proverId', req.proverId)
    const ticket = bytes32('ticket', req.ticket)
    const sectorNumber = sectorNum('sectorNumber', req.sectorNumber)
    const cacheDir = nonEmptyPath('cacheDir', req.cacheDir)
    const stagedPath = nonEmptyPath('stagedPath', req.stagedPath)
    const sealedPath = nonEmptyPath('sealedPath', req.sealedPath)
    const commD = commDOf(piecesOf(req.pieces), facts.sectorSize)
    const stagedSize = await fileSize(stagedPath)
    if (stagedSize === undefined) throw failed('staged file does not exist', { path: stagedPath })
    if (stagedSize > facts.sectorSize) {
      throw invalid('staged file is larger than the sector', {
        path: stagedPath,
        size: stagedSize,
        sectorSize: facts.sectorSize,
      })
    }
    await mkdir(cacheDir, { recursive: true })
    const files = sectorCacheFiles(facts.sectorSize)
    const pc1Files = files.filter((f) => f.phase === 'pc1')
    const total = pc1Files.length + 1
    const treeD = files[0] as (typeof files)[0]
    if (facts.sectorSize <= this.#realTreeDMax) {
      const tree = treeDOf(new Uint8Array(await readFile(stagedPath)), facts.sectorSize)
      const root = tree.subarray(tree.length - 32)
      if (!bytesEqual(root, commD)) {
        throw failed('pieces and comm_d do not match', {
          commDOfPieces: toHex(commD),
          commDOfStagedFile: toHex(root),
        })
      }
      await writeFile(join(cacheDir, treeD.name), tree)
      await writeFile(sealedPath, tree.subarray(0, facts.sectorSize))
    } else {
      await sparseFile(join(cacheDir, treeD.name), treeD.size, commD)
      await sparseCopy(stagedPath, sealedPath, facts.sectorSize)
    }
    this.#progress(opts, 'pc1', 'tree-d', 1, total)
    let done = 1
    for (const f of pc1Files.slice(1)) {
      throwIfAborted(opts?.signal)
      await sparseFile(join(cacheDir, f.name), f.size)
      this.#progress(opts, 'pc1', `labels ${f.name}`, ++done, total)
    }
    const replicaId = replicaIdOf(facts.proofType, proverId, sectorNumber, ticket, commD)
    const out: Pc1Json = {
      format: PC1_FORMAT,
      registeredProof: facts.proofType,
      proverId: toHex(proverId),
      sectorNumber,
      ticket: toHex(ticket),
      commD: toHex(commD),
      replicaId: toHex(replicaId),
    }
    this.#progress(opts, 'pc1', 'done', total, total)
    return encodeJson(out)
  }

  async sealPreCommitPhase2(req: PreCommit2Request, opts?: ProofsCallOptions): Promise<PreCommit2Result> {
    await this.#begin('pc2', 'sealPreCommitPhase2', req, opts)
    const p1 = decodeJson<Pc1Json>(req.phase1Output, PC1_FORMAT, 'phase1Output')
    const facts = sealProofFacts(p1.registeredProof)
    const cacheDir = nonEmptyPath('cacheDir', req.cacheDir)
    const sealedPath = nonEmptyPath('sealedPath', req.sealedPath)
    const files = sectorCacheFiles(facts.sectorSize)
    for (const f of files.filter((x) => x.phase === 'pc1')) {
      if ((await fileSize(join(cacheDir, f.name))) === undefined) {
        throw failed('PC1 output is missing from the cache directory', { cacheDir, file: f.name })
      }
    }
    const sealedSize = await fileSize(sealedPath)
    if (sealedSize !== facts.sectorSize) {
      throw failed('sealed file is missing or not of the sector size', {
        sealedPath,
        size: sealedSize ?? null,
      })
    }
    const { commC, commRLast, commR } = mockRoots(fromHex(p1.replicaId))
    const pc2Files = files.filter((f) => f.phase === 'pc2' && f.name !== 'p_aux' && f.name !== 't_aux')
    let done = 0
    for (const f of pc2Files) {
      throwIfAborted(opts?.signal)
      const root =
        f.name === 'sc-02-data-tree-r-last.dat'
          ? commRLast
          : f.name === 'sc-02-data-tree-c.dat'
            ? commC
            : undefined
      await sparseFile(join(cacheDir, f.name), f.size, root)
      this.#progress(opts, 'pc2', f.name, ++done, pc2Files.length + 1)
    }
    await writeFile(join(cacheDir, 'p_aux'), concat([commC, commRLast]))
    await writeFile(
      join(cacheDir, 't_aux'),
      JSON.stringify({
        format: 'venus-mock-proofs/t_aux/v1',
        sectorSize: facts.sectorSize,
        layers: facts.layers,
        replicaId: p1.replicaId,
      }),
    )
    this.#progress(opts, 'pc2', 'aux', pc2Files.length + 1, pc2Files.length + 1)
    return { commR, commD: fromHex(p1.commD) }
  }

  async sealCommitPhase1(req: Commit1Request, opts?: ProofsCallOptions): Promise<Commit1Output> {
    await this.#begin('c1', 'sealCommitPhase1', req, opts)
    const facts = sealProofFacts(req.proofType)
    const proverId = bytes32('proverId', req.proverId)
    const ticket = bytes32('ticket', req.ticket)
    const seed = bytes32('seed', req.seed)
    const commR = commitmentValue('commR', req.commR)
    const commD = commitmentValue('commD', req.commD)
    const sectorNumber = sectorNum('sectorNumber', req.sectorNumber)
    const cacheDir = nonEmptyPath('cacheDir', req.cacheDir)
    const sealedPath = nonEmptyPath('sealedPath', req.sealedPath)
    if (!bytesEqual(commDOf(piecesOf(req.pieces), facts.sectorSize), commD)) {
      throw failed('pieces and comm_d do not match', { commD: toHex(commD) })
    }
    for (const f of sectorCacheFiles(facts.sectorSize).filter((x) => x.name !== 't_aux')) {
      if ((await fileSize(join(cacheDir, f.name))) === undefined) {
        throw failed('cache file needed by C1 is missing (was the cache cleared?)', {
          cacheDir,
          file: f.name,
        })
      }
    }
    if ((await fileSize(sealedPath)) !== facts.sectorSize) {
      throw failed('sealed file is missing or not of the sector size', { sealedPath })
    }
    const pAux = await readFile(join(cacheDir, 'p_aux'))
    if (pAux.length !== 64 || !bytesEqual(commRFromRoots(pAux.subarray(0, 32), pAux.subarray(32)), commR)) {
      throw failed('comm_r does not match p_aux in the cache directory', { cacheDir, commR: toHex(commR) })
    }
    const replicaId = replicaIdOf(facts.proofType, proverId, sectorNumber, ticket, commD)
    if (!bytesEqual(mockRoots(replicaId).commR, commR)) {
      throw failed(
        'vanilla proofs do not verify: prover, sector number, ticket or proof type differ from PC1',
        {
          sectorNumber,
        },
      )
    }
    this.#progress(opts, 'c1', 'vanilla proofs', facts.partitions, facts.partitions)
    const out: C1Json = {
      format: C1_FORMAT,
      registeredProof: facts.proofType,
      proverId: toHex(proverId),
      sectorNumber,
      ticket: toHex(ticket),
      commD: toHex(commD),
      replicaId: toHex(replicaId),
      seed: toHex(seed),
      commR: toHex(commR),
    }
    return encodeJson(out)
  }

  async sealCommitPhase2(req: Commit2Request, opts?: ProofsCallOptions): Promise<Uint8Array> {
    await this.#begin('c2', 'sealCommitPhase2', req, opts)
    const c1 = decodeJson<C1Json>(req.phase1Output, C1_FORMAT, 'phase1Output')
    const facts = sealProofFacts(c1.registeredProof)
    const proverId = bytes32('proverId', req.proverId)
    const sectorNumber = sectorNum('sectorNumber', req.sectorNumber)
    const commR = fromHex(c1.commR)
    if (!bytesEqual(mockRoots(fromHex(c1.replicaId)).commR, commR)) {
      throw invalid('phase1Output was altered (comm_r does not match the replica id)', {
        field: 'phase1Output',
      })
    }
    if (toHex(proverId) !== c1.proverId || sectorNumber !== c1.sectorNumber) {
      throw failed('post-generation verification failed: prover or sector number differ from C1', {
        sectorNumber,
      })
    }
    for (let p = 1; p <= facts.partitions; p++) {
      throwIfAborted(opts?.signal)
      this.#progress(opts, 'c2', `partition ${p}`, p, facts.partitions)
    }
    return sealProofBytes(
      facts,
      proverId,
      sectorNumber,
      fromHex(c1.ticket),
      fromHex(c1.seed),
      commR,
      fromHex(c1.commD),
    )
  }

  async verifySeal(req: VerifySealRequest): Promise<boolean> {
    await this.#begin('verifySeal', 'verifySeal', req)
    const facts = sealProofFacts(req.proofType)
    const expected = sealProofBytes(
      facts,
      bytes32('proverId', req.proverId),
      sectorNum('sectorNumber', req.sectorNumber),
      bytes32('ticket', req.ticket),
      bytes32('seed', req.seed),
      commitmentValue('commR', req.commR),
      commitmentValue('commD', req.commD),
    )
    if (!(req.proof instanceof Uint8Array)) throw invalid('proof must be bytes', { field: 'proof' })
    return bytesEqual(expected, req.proof)
  }

  async aggregateSealProofs(req: AggregateSealRequest, opts?: ProofsCallOptions): Promise<Uint8Array> {
    await this.#begin('aggregate', 'aggregateSealProofs', req, opts)
    const facts = sealProofFacts(req.proofType)
    const aggType = aggregationType(req.aggregateType)
    const n = Array.isArray(req.proofs) ? req.proofs.length : 0
    if (n === 0 || req.commRs?.length !== n || req.seeds?.length !== n) {
      throw invalid('proofs, commRs and seeds must be non-empty arrays of the same length', {
        proofs: n,
        commRs: req.commRs?.length ?? null,
        seeds: req.seeds?.length ?? null,
      })
    }
    const fields: HashField[] = [facts.proofType, aggType, n]
    for (let i = 0; i < n; i++) {
      const proof = req.proofs[i]
      if (!(proof instanceof Uint8Array) || proof.length !== facts.proofLength) {
        throw invalid('proof has the wrong length for its proof type', {
          index: i,
          expected: facts.proofLength,
        })
      }
      fields.push(commitmentValue(`commRs[${i}]`, req.commRs[i]), bytes32(`seeds[${i}]`, req.seeds[i]), proof)
    }
    this.#progress(opts, 'aggregate', 'snarkpack', 1, 1)
    return expand(taggedDigest('aggregate', ...fields), mockAggregateLength(n))
  }

  async verifyAggregateSealProofs(req: VerifyAggregateSealRequest): Promise<boolean> {
    await this.#begin('verifyAggregate', 'verifyAggregateSealProofs', req)
    const facts = sealProofFacts(req.proofType)
    const aggType = aggregationType(req.aggregateType)
    const proverId = bytes32('proverId', req.proverId)
    if (!Array.isArray(req.infos) || req.infos.length === 0)
      throw invalid('infos must be a non-empty array', { field: 'infos' })
    if (!(req.aggregate instanceof Uint8Array))
      throw invalid('aggregate must be bytes', { field: 'aggregate' })
    const fields: HashField[] = [facts.proofType, aggType, req.infos.length]
    req.infos.forEach((info, i) => {
      const commR = commitmentValue(`infos[${i}].commR`, info?.commR)
      const seed = bytes32(`infos[${i}].seed`, info.seed)
      const proof = sealProofBytes(
        facts,
        proverId,
        sectorNum(`infos[${i}].sectorNumber`, info.sectorNumber),
        bytes32(`infos[${i}].ticket`, info.ticket),
        seed,
        commR,
        commitmentValue(`infos[${i}].commD`, info.commD),
      )
      fields.push(commR, seed, proof)
    })
    const expected = expand(taggedDigest('aggregate', ...fields), mockAggregateLength(req.infos.length))
    return bytesEqual(expected, req.aggregate)
  }

  async unsealRange(req: UnsealRangeRequest, opts?: ProofsCallOptions): Promise<number> {
    await this.#begin('unseal', 'unsealRange', req, opts)
    const facts = sealProofFacts(req.proofType)
    const proverId = bytes32('proverId', req.proverId)
    const ticket = bytes32('ticket', req.ticket)
    const commD = commitmentValue('commD', req.commD)
    const sectorNumber = sectorNum('sectorNumber', req.sectorNumber)
    const cacheDir = nonEmptyPath('cacheDir', req.cacheDir)
    const sealedPath = nonEmptyPath('sealedPath', req.sealedPath)
    const outputPath = nonEmptyPath('outputPath', req.outputPath)
    const { offset, length } = unpaddedRange(
      'unseal',
      req.unpaddedOffset,
      req.unpaddedLength,
      facts.sectorSize,
    )
    if ((await fileSize(sealedPath)) !== facts.sectorSize) {
      throw failed('sealed file is missing or not of the sector size', { sealedPath })
    }
    // The library decodes with keys derived from these inputs and would return garbage for wrong
    // ones; the mock (whose replica is not encoded) refuses instead.
    const replicaId = replicaIdOf(facts.proofType, proverId, sectorNumber, ticket, commD)
    const roots = await readPAux(cacheDir)
    if (
      roots === undefined ||
      !bytesEqual(commRFromRoots(roots.commC, roots.commRLast), mockRoots(replicaId).commR)
    ) {
      throw failed('prover, sector number, ticket or commD do not match the replica', {
        cacheDir,
        sectorNumber,
      })
    }
    await unpadFromFile(sealedPath, outputPath, (offset / 127) * 128, length, opts?.signal)
    this.#progress(opts, 'unseal', 'done', 1, 1)
    return length
  }

  async clearCache(req: ClearCacheRequest): Promise<void> {
    await this.#begin('clearCache', 'clearCache', req)
    const cacheDir = nonEmptyPath('cacheDir', req.cacheDir)
    const keep = new Set(
      sectorCacheFiles(sectorShape(req.sectorSize).sectorSize)
        .filter((f) => f.keptByClearCache)
        .map((f) => f.name),
    )
    let names: string[]
    try {
      names = await readdir(cacheDir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw failed('cannot list the cache directory', { cacheDir }, err)
    }
    for (const name of names) {
      if (keep.has(name)) continue
      if (/^sc-02-data-(tree-d|tree-c(-\d+)?|layer-\d+)\.dat$/.test(name))
        await rm(join(cacheDir, name), { force: true })
    }
  }

  // ---- empty-sector update (mock-update.ts)

  updateProofInfo(updateProofType: number): Promise<UpdateProofRegistryInfo> {
    return this.#update.updateProofInfo(updateProofType)
  }

  encodeInto(req: EncodeIntoRequest, opts?: ProofsCallOptions): Promise<EncodeIntoResult> {
    return this.#update.encodeInto(req, opts)
  }

  generateUpdatePartitionProofs(req: UpdateProveRequest, opts?: ProofsCallOptions): Promise<Uint8Array[]> {
    return this.#update.generateUpdatePartitionProofs(req, opts)
  }

  verifyUpdatePartitionProofs(req: VerifyUpdatePartitionsRequest): Promise<boolean> {
    return this.#update.verifyUpdatePartitionProofs(req)
  }

  generateUpdateProofWithVanilla(req: UpdateSnarkRequest, opts?: ProofsCallOptions): Promise<Uint8Array> {
    return this.#update.generateUpdateProofWithVanilla(req, opts)
  }

  generateUpdateProof(req: UpdateProveRequest, opts?: ProofsCallOptions): Promise<Uint8Array> {
    return this.#update.generateUpdateProof(req, opts)
  }

  verifyUpdateProof(req: VerifyUpdateRequest): Promise<boolean> {
    return this.#update.verifyUpdateProof(req)
  }

  decodeFrom(req: DecodeFromRequest, opts?: ProofsCallOptions): Promise<void> {
    return this.#update.decodeFrom(req, opts)
  }

  decodeRange(req: DecodeRangeRequest, opts?: ProofsCallOptions): Promise<number> {
    return this.#update.decodeRange(req, opts)
  }

  removeEncodedData(req: RemoveEncodedDataRequest, opts?: ProofsCallOptions): Promise<void> {
    return this.#update.removeEncodedData(req, opts)
  }

  // ---- PoSt

  /** Checks a replica's files; returns its tree roots, or the reason it is faulty. */
  async #replicaRoots(
    r: PrivateReplicaInfo,
    sectorSize: number,
  ): Promise<{ commC: Uint8Array; commRLast: Uint8Array } | string> {
    if ((await fileSize(r.sealedPath)) !== sectorSize) return 'sealed file missing or of the wrong size'
    for (const f of sectorCacheFiles(sectorSize).filter((x) => x.keptByClearCache && x.name !== 't_aux')) {
      if ((await fileSize(join(r.cacheDir, f.name))) === undefined) return `cache file ${f.name} missing`
    }
    const pAux = await readFile(join(r.cacheDir, 'p_aux'))
    if (pAux.length !== 64) return 'p_aux malformed'
    const commC = pAux.subarray(0, 32)
    const commRLast = pAux.subarray(32, 64)
    if (!bytesEqual(commRFromRoots(commC, commRLast), r.commR)) return 'comm_r does not match p_aux'
    return { commC: new Uint8Array(commC), commRLast: new Uint8Array(commRLast) }
  }

  async generateWindowPoSt(req: WindowPoStRequest, opts?: ProofsCallOptions): Promise<WindowPoStResult> {
    await this.#begin('windowPoSt', 'generateWindowPoSt', req, opts)
    const randomness = fr32Value('randomness', req.randomness)
    const proverId = bytes32('proverId', req.proverId)
    const replicas = sortedReplicas(req.replicas)
    const facts = replicasPoStType(replicas, 'window')
    const faultySectors: number[] = []
    for (const r of replicas) {
      throwIfAborted(opts?.signal)
      if (typeof (await this.#replicaRoots(r, facts.sectorSize)) === 'string')
        faultySectors.push(r.sectorNumber)
    }
    if (faultySectors.length > 0) return { proofs: [], faultySectors }
    const partitions = chunk(replicas, facts.sectorsPerPartition)
    const parts: Uint8Array[] = []
    for (const [i, sectors] of partitions.entries()) {
      throwIfAborted(opts?.signal)
      parts.push(partitionProofBytes(facts, randomness, proverId, i, sectors))
      this.#progress(opts, 'windowPoSt', `partition ${i}`, i + 1, partitions.length)
    }
    return { proofs: [{ postProof: facts.postProofType, proofBytes: concat(parts) }], faultySectors: [] }
  }

  async generateFallbackSectorChallenges(req: FallbackChallengesRequest): Promise<SectorChallenges[]> {
    await this.#begin('windowPoSt', 'generateFallbackSectorChallenges', req)
    const facts = postProofFacts(req.postProofType)
    const randomness = fr32Value('randomness', req.randomness)
    bytes32('proverId', req.proverId)
    if (!Array.isArray(req.sectorNumbers))
      throw invalid('sectorNumbers must be an array', { field: 'sectorNumbers' })
    return req.sectorNumbers.map((s, i) => ({
      sectorNumber: sectorNum(`sectorNumbers[${i}]`, s),
      challenges: leafChallenges(facts, randomness, s),
    }))
  }

  async generateSingleVanillaProof(
    req: SingleVanillaProofRequest,
    opts?: ProofsCallOptions,
  ): Promise<Uint8Array> {
    await this.#begin('windowPoSt', 'generateSingleVanillaProof', req, opts)
    const r = req.replica
    const facts = postProofFacts(r?.postProofType)
    const sectorNumber = sectorNum('replica.sectorNumber', r.sectorNumber)
    commitmentValue('replica.commR', r.commR)
    const leaves = facts.sectorSize / 32
    if (!Array.isArray(req.challenges) || req.challenges.length !== facts.challengesPerSector) {
      throw invalid(`challenges must be ${facts.challengesPerSector} leaf indexes`, { field: 'challenges' })
    }
    for (const c of req.challenges) {
      if (!Number.isSafeInteger(c) || c < 0 || c >= leaves)
        throw invalid('challenge is not a leaf index', { challenge: c })
    }
    const roots = await this.#replicaRoots(r, facts.sectorSize)
    if (typeof roots === 'string')
      throw failed(`cannot prove sector ${sectorNumber}: ${roots}`, { sectorNumber })
    const body = concat([
      VANILLA_MAGIC,
      u64le(facts.postProofType),
      u64le(sectorNumber),
      roots.commC,
      roots.commRLast,
      u64le(req.challenges.length),
      ...req.challenges.map(u64le),
    ])
    return concat([body, taggedDigest('vanilla', body)])
  }

  async generateSingleWindowPoStWithVanilla(
    req: SinglePartitionRequest,
    opts?: ProofsCallOptions,
  ): Promise<PartitionProof> {
    await this.#begin('windowPoSt', 'generateSingleWindowPoStWithVanilla', req, opts)
    const facts = postProofFacts(req.postProofType)
    if (facts.kind !== 'window')
      throw invalid('postProofType is not a window PoSt type', { postProofType: facts.postProofType })
    const randomness = fr32Value('randomness', req.randomness)
    const proverId = bytes32('proverId', req.proverId)
    const partitionIndex = sectorNum('partitionIndex', req.partitionIndex)
    if (!Array.isArray(req.vanillaProofs) || req.vanillaProofs.length === 0) {
      throw invalid('vanillaProofs must be a non-empty array', { field: 'vanillaProofs' })
    }
    if (req.vanillaProofs.length > facts.sectorsPerPartition) {
      throw invalid('more vanilla proofs than sectors per partition', {
        count: req.vanillaProofs.length,
        max: facts.sectorsPerPartition,
      })
    }
    const sectors = vanillaSectors(facts, randomness, req.vanillaProofs)
    this.#progress(opts, 'windowPoSt', `partition ${partitionIndex}`, 1, 1)
    return {
      partitionIndex,
      proof: {
        postProof: facts.postProofType,
        proofBytes: partitionProofBytes(facts, randomness, proverId, partitionIndex, sectors),
      },
    }
  }

  async generateWindowPoStWithVanilla(
    req: WindowPoStWithVanillaRequest,
    opts?: ProofsCallOptions,
  ): Promise<PoStProofBytes[]> {
    await this.#begin('windowPoSt', 'generateWindowPoStWithVanilla', req, opts)
    const facts = postProofFacts(req.postProofType)
    if (facts.kind !== 'window')
      throw invalid('postProofType is not a window PoSt type', { postProofType: facts.postProofType })
    const randomness = fr32Value('randomness', req.randomness)
    const proverId = bytes32('proverId', req.proverId)
    if (!Array.isArray(req.vanillaProofs) || req.vanillaProofs.length === 0) {
      throw invalid('vanillaProofs must be a non-empty array', { field: 'vanillaProofs' })
    }
    const sectors = vanillaSectors(facts, randomness, req.vanillaProofs)
    const parts: Uint8Array[] = []
    const partitions = chunk(sectors, facts.sectorsPerPartition)
    for (const [i, group] of partitions.entries()) {
      throwIfAborted(opts?.signal)
      parts.push(partitionProofBytes(facts, randomness, proverId, i, group))
      this.#progress(opts, 'windowPoSt', `partition ${i}`, i + 1, partitions.length)
    }
    return [{ postProof: facts.postProofType, proofBytes: concat(parts) }]
  }

  async mergeWindowPoStPartitionProofs(req: MergePartitionsRequest): Promise<PoStProofBytes> {
    await this.#begin('windowPoSt', 'mergeWindowPoStPartitionProofs', req)
    const facts = postProofFacts(req.postProofType)
    if (!Array.isArray(req.partitionProofs) || req.partitionProofs.length === 0) {
      throw invalid('partitionProofs must be a non-empty array', { field: 'partitionProofs' })
    }
    const sorted = [...req.partitionProofs].sort((a, b) => a.partitionIndex - b.partitionIndex)
    sorted.forEach((p, i) => {
      if (p.partitionIndex !== i)
        throw invalid('partition proofs must cover partitions 0..n-1 once each', {
          partitionIndex: p.partitionIndex,
        })
      if (p.proof.postProof !== facts.postProofType || p.proof.proofBytes.length !== SNARK_PROOF_BYTES) {
        throw invalid('partition proof has another type or length', { partitionIndex: p.partitionIndex })
      }
    })
    return { postProof: facts.postProofType, proofBytes: concat(sorted.map((p) => p.proof.proofBytes)) }
  }

  async verifyWindowPoSt(req: VerifyPoStRequest): Promise<boolean> {
    await this.#begin('verifyPoSt', 'verifyWindowPoSt', req)
    return this.#verifyPoSt(req, 'window')
  }

  async #verifyPoSt(req: VerifyPoStRequest, kind: 'window' | 'winning'): Promise<boolean> {
    const randomness = fr32Value('randomness', req.randomness)
    const proverId = bytes32('proverId', req.proverId)
    const replicas = sortedReplicas(req.replicas)
    if (!Array.isArray(req.proofs)) throw invalid('proofs must be an array', { field: 'proofs' })
    const first = req.proofs[0]
    if (first === undefined) return false
    const facts = postProofFacts(first.postProof)
    if (facts.kind !== kind) return false
    if (req.proofs.some((p) => p.postProof !== facts.postProofType || !(p.proofBytes instanceof Uint8Array)))
      return false
    const expected = concat(
      chunk(replicas, facts.sectorsPerPartition).map((s, i) =>
        partitionProofBytes(facts, randomness, proverId, i, s),
      ),
    )
    return bytesEqual(expected, concat(req.proofs.map((p) => p.proofBytes)))
  }

  async generateWinningPoStSectorChallenge(req: WinningChallengeRequest): Promise<number[]> {
    await this.#begin('winningPoSt', 'generateWinningPoStSectorChallenge', req)
    const facts = postProofFacts(req.postProofType)
    if (facts.kind !== 'winning')
      throw invalid('postProofType is not a winning PoSt type', { postProofType: facts.postProofType })
    const randomness = fr32Value('randomness', req.randomness)
    const proverId = bytes32('proverId', req.proverId)
    const len = sectorNum('sectorSetLength', req.sectorSetLength)
    if (len === 0) throw invalid('sectorSetLength must be at least 1', { field: 'sectorSetLength' })
    // WINNING_POST_SECTOR_COUNT = 1.
    return [Number(readU64le(sha256(proverId, randomness, u64le(0))) % BigInt(len))]
  }

  async generateWinningPoSt(req: WinningPoStRequest, opts?: ProofsCallOptions): Promise<PoStProofBytes[]> {
    await this.#begin('winningPoSt', 'generateWinningPoSt', req, opts)
    const randomness = fr32Value('randomness', req.randomness)
    const proverId = bytes32('proverId', req.proverId)
    const replicas = sortedReplicas(req.replicas)
    const facts = replicasPoStType(replicas, 'winning')
    const faultySectors: number[] = []
    for (const r of replicas) {
      if (typeof (await this.#replicaRoots(r, facts.sectorSize)) === 'string')
        faultySectors.push(r.sectorNumber)
    }
    if (faultySectors.length > 0)
      throw failed('winning PoSt: challenged sectors are faulty', { faultySectors })
    this.#progress(opts, 'winningPoSt', 'snark', 1, 1)
    return [
      {
        postProof: facts.postProofType,
        proofBytes: partitionProofBytes(facts, randomness, proverId, 0, replicas),
      },
    ]
  }

  async verifyWinningPoSt(req: VerifyPoStRequest): Promise<boolean> {
    await this.#begin('verifyPoSt', 'verifyWinningPoSt', req)
    if (Array.isArray(req.proofs) && req.proofs.length > 1) return false
    return this.#verifyPoSt({ ...req, replicas: req.replicas }, 'winning')
  }
}

/**
 * The public replicas that vanilla proofs answer for, in order: each must answer the challenges
 * of `randomness` with `facts`' PoSt type, sectors strictly ascending.
 */
function vanillaSectors(
  facts: ReturnType<typeof postProofFacts>,
  randomness: Uint8Array,
  vanillaProofs: readonly Uint8Array[],
): PublicReplicaInfo[] {
  const sectors: PublicReplicaInfo[] = []
  for (const [i, v] of vanillaProofs.entries()) {
    const p = parseVanilla(v, i)
    if (p.postProofType !== facts.postProofType)
      throw failed('vanilla proof is of another PoSt type', { index: i })
    const want = leafChallenges(facts, randomness, p.sectorNumber)
    if (want.length !== p.challenges.length || want.some((c, j) => c !== p.challenges[j])) {
      throw failed('vanilla proof answers other challenges (randomness differs)', {
        index: i,
        sectorNumber: p.sectorNumber,
      })
    }
    const prev = sectors[sectors.length - 1]
    if (prev !== undefined && prev.sectorNumber >= p.sectorNumber) {
      throw invalid('vanilla proofs must be in ascending sector order', { index: i })
    }
    sectors.push({ sectorNumber: p.sectorNumber, commR: commRFromRoots(p.commC, p.commRLast) })
  }
  return sectors
}

/**
 * A deterministic, fast and file-faithful {@link ProofsBackend} for tests, the devnet and
 * pipeline benchmarks. It writes real Fr32-padded pieces, the real tree D / CommD, a sealed file
 * of the full sector size (sparse) and the cache files the proofs library leaves; CommR and all
 * proofs are hashes of their inputs, so a verifier accepts only when every public input matches.
 * SnapDeals updates write a real new replica (the data mixed into the sector key, so
 * `decodeFrom` gives the staged bytes back) and the update cache files.
 * Proof lengths are the real ones (192 bytes per SNARK partition). Proofs are not secret-bound:
 * anyone can compute them, so this is for testing only.
 *
 * @example
 * ```ts
 * const proofs = mockProofs({ delays: { pc1: 50 } })
 * const ok = await proofs.verifySeal({ proofType: 5, proverId, sectorNumber, ticket, seed, commR, commD, proof })
 * ```
 */
export function mockProofs(options: MockProofsOptions = {}): ProofsBackend {
  return new MockProofs(options)
}
