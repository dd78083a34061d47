// The empty-sector-update (SnapDeals) calls of the mock backend: real files, cheap derivations.
import { copyFile, type FileHandle, mkdir, open, readFile, truncate, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { throwIfAborted } from '../errors/index.js'
import { fr32UnpadInto } from '../piece/fr32.js'
import type { ProofsCallOptions, ProofsStage } from './backend.js'
import type {
  DecodeFromRequest,
  DecodeRangeRequest,
  EncodeIntoRequest,
  EncodeIntoResult,
  RemoveEncodedDataRequest,
  UpdateCommitments,
  UpdateProofRegistryInfo,
  UpdateProofsBackend,
  UpdateProveRequest,
  UpdateSnarkRequest,
  VerifyUpdatePartitionsRequest,
  VerifyUpdateRequest,
} from './backend-update.js'
import {
  commRFromRoots,
  mixNodes,
  treeDOf,
  unmixNodes,
  updateCommRLast,
  updateMasks,
  updateProofBytes,
  updateVanillaBytes,
} from './mock-derive.js'
import { fileSize, openRw, readPAux, sparseCopy, sparseFile } from './mock-files.js'
import { bytesEqual, concat, toHex } from './mock-hash.js'
import { commDOf, failed, fr32Value, invalid, nonEmptyPath, piecesOf, unpaddedRange } from './mock-input.js'
import { SNARK_PROOF_BYTES, type UpdateProofFacts, updateCacheFiles, updateProofFacts } from './registry.js'

/** What the update calls need from the backend that hosts them. */
export interface MockUpdateHost {
  begin(
    stage: ProofsStage,
    method: keyof UpdateProofsBackend,
    request: unknown,
    opts?: ProofsCallOptions,
  ): Promise<void>
  progress(
    opts: ProofsCallOptions | undefined,
    stage: ProofsStage,
    step: string,
    done: number,
    total: number,
  ): void
  /** Largest sector whose tree D is built for real (larger ones get a sparse tree-D file). */
  realTreeDMax: number
}

/** Bytes processed per read: a multiple of 128 (so Fr32 quads never straddle two chunks). */
const CHUNK = 4 * 1024 * 1024
const ZERO_CHUNK = Buffer.alloc(CHUNK)

function isZero(b: Uint8Array): boolean {
  return Buffer.from(b.buffer, b.byteOffset, b.length).equals(ZERO_CHUNK.subarray(0, b.length))
}

async function readAt(fh: FileHandle, buf: Uint8Array, pos: number): Promise<Uint8Array> {
  buf.fill(0)
  await fh.read(buf, 0, buf.length, pos)
  return buf
}

function commitments(req: UpdateCommitments) {
  return {
    facts: updateProofFacts(req.updateProofType),
    commROld: fr32Value('commROld', req.commROld),
    commRNew: fr32Value('commRNew', req.commRNew),
    commDNew: fr32Value('commDNew', req.commDNew),
  }
}

/** A readable sector-sized file, or a PROOFS_FAILED naming it. */
async function sectorFile(field: string, path: unknown, sectorSize: number): Promise<string> {
  const p = nonEmptyPath(field, path)
  const size = await fileSize(p)
  if (size !== sectorSize) {
    throw failed(`${field} is missing or not of the sector size`, {
      field,
      path: p,
      size: size ?? null,
      sectorSize,
    })
  }
  return p
}

/** The roots in a cache directory's `p_aux`, or a PROOFS_FAILED naming the directory. */
async function pAuxOf(field: string, dir: unknown) {
  const d = nonEmptyPath(field, dir)
  const roots = await readPAux(d)
  if (roots === undefined) throw failed(`${field} has no readable p_aux`, { field, cacheDir: d })
  return { dir: d, ...roots, commR: commRFromRoots(roots.commC, roots.commRLast) }
}

/** Creates `path` with `size` bytes when missing; an existing file must have that size already. */
async function sizedOutput(field: string, path: string, size: number): Promise<void> {
  const have = await fileSize(path)
  if (have === undefined) {
    await sparseFile(path, size)
  } else if (have !== size) {
    throw failed(`${field} exists with another size than the sector key`, { field, path, size: have })
  }
}

/**
 * Streams `out = f(a, b)` chunk by chunk over `[0, length)`, leaving chunks untouched where
 * `skip(a, b)` says the result is already in place (sparse regions stay sparse).
 */
async function transform(
  paths: { a: string; b: string; out: string },
  length: number,
  opts: ProofsCallOptions | undefined,
  step: (aChunk: Uint8Array, bChunk: Uint8Array, out: Uint8Array, offset: number) => boolean,
): Promise<void> {
  const a = await open(paths.a, 'r')
  const b = await open(paths.b, 'r')
  const out = await openRw(paths.out)
  try {
    const bufA = new Uint8Array(CHUNK)
    const bufB = new Uint8Array(CHUNK)
    const bufOut = new Uint8Array(CHUNK)
    for (let pos = 0; pos < length; pos += CHUNK) {
      throwIfAborted(opts?.signal)
      const n = Math.min(CHUNK, length - pos)
      const ca = await readAt(a, bufA.subarray(0, n), pos)
      const cb = await readAt(b, bufB.subarray(0, n), pos)
      if (step(ca, cb, bufOut.subarray(0, n), pos)) await out.write(bufOut, 0, n, pos)
    }
  } finally {
    await Promise.all([a.close(), b.close(), out.close()])
  }
}

/**
 * The update calls of `mockProofs()`. The new replica is the sector key with each non-zero data
 * node mixed in under a mask keyed by (comm_d_new, comm_r_old), so decoding needs the sector key
 * and the right CommD, zero data leaves the key as it is (as `key + 0 · rho` does), and sparse
 * sectors stay sparse. The new comm_r_last binds comm_r_old and comm_d_new; proofs are digests
 * of the public inputs.
 */
export class MockUpdateProofs implements UpdateProofsBackend {
  readonly #host: MockUpdateHost

  constructor(host: MockUpdateHost) {
    this.#host = host
  }

  async updateProofInfo(updateProofType: number): Promise<UpdateProofRegistryInfo> {
    const f = updateProofFacts(updateProofType)
    const circuitIdentifier = `mock-empty-sector-update-${f.sectorSize}-partitions-${f.partitions}`
    return {
      updateProofType: f.updateProofType,
      sectorSize: f.sectorSize,
      apiVersion: f.apiVersion,
      partitions: f.partitions,
      proofLength: f.proofLength,
      circuitIdentifier,
      paramsFile: `v28-${circuitIdentifier}.params`,
      verifyingKeyFile: `v28-${circuitIdentifier}.vk`,
    }
  }

  async encodeInto(req: EncodeIntoRequest, opts?: ProofsCallOptions): Promise<EncodeIntoResult> {
    await this.#host.begin('snapEncode', 'encodeInto', req, opts)
    const facts = updateProofFacts(req.updateProofType)
    const size = facts.sectorSize
    const pieces = piecesOf(req.pieces)
    const sectorKeyPath = await sectorFile('sectorKeyPath', req.sectorKeyPath, size)
    const old = await pAuxOf('sectorKeyCacheDir', req.sectorKeyCacheDir)
    const stagedPath = nonEmptyPath('stagedPath', req.stagedPath)
    const newReplicaPath = nonEmptyPath('newReplicaPath', req.newReplicaPath)
    const newCacheDir = nonEmptyPath('newCacheDir', req.newCacheDir)
    const stagedSize = await fileSize(stagedPath)
    if (stagedSize === undefined) throw failed('staged file does not exist', { stagedPath })
    // The rest of the sector is zeros by the pieces' CommD; the library needs a full-size file.
    if (stagedSize < size) await truncate(stagedPath, size)
    const commDPieces = commDOf(pieces, size)
    const total = 4
    await mkdir(newCacheDir, { recursive: true })
    const treeDFile = updateCacheFiles(size)[0] as { name: string; size: number }
    let commDNew = commDPieces
    if (size <= this.#host.realTreeDMax) {
      const tree = treeDOf(new Uint8Array(await readFile(stagedPath)), size)
      commDNew = tree.slice(tree.length - 32)
      if (!bytesEqual(commDNew, commDPieces)) {
        throw failed('pieces and comm_d do not match', {
          commDOfPieces: toHex(commDPieces),
          commDOfStagedFile: toHex(commDNew),
        })
      }
      await writeFile(join(newCacheDir, treeDFile.name), tree)
    } else {
      await sparseFile(join(newCacheDir, treeDFile.name), treeDFile.size, commDPieces)
    }
    this.#host.progress(opts, 'snapEncode', 'tree-d', 1, total)
    const existing = await fileSize(newReplicaPath)
    if (existing !== undefined && existing !== size) {
      throw failed('new replica and sector key file size mis-match (must be equal)', {
        newReplicaPath,
        size: existing,
        sectorSize: size,
      })
    }
    await mkdir(dirname(newReplicaPath), { recursive: true })
    await sparseCopy(sectorKeyPath, newReplicaPath, size)
    const commROld = old.commR
    // Past the staged file's old end the data is zero: the replica there is the key, as copied.
    const dataEnd = Math.min(stagedSize, size)
    await transform(
      { a: sectorKeyPath, b: stagedPath, out: newReplicaPath },
      dataEnd,
      opts,
      (key, data, out, pos) => {
        if (isZero(data)) return false
        mixNodes(key, data, updateMasks(commDNew, commROld, pos / 32, data.length), out)
        return true
      },
    )
    this.#host.progress(opts, 'snapEncode', 'replica', 2, total)
    const commRLastNew = updateCommRLast(commROld, commDNew)
    for (const f of updateCacheFiles(size).filter((x) => x.name.startsWith('sc-02-data-tree-r-last'))) {
      await sparseFile(
        join(newCacheDir, f.name),
        f.size,
        f.name === 'sc-02-data-tree-r-last.dat' ? commRLastNew : undefined,
      )
    }
    this.#host.progress(opts, 'snapEncode', 'tree-r-last', 3, total)
    await writeFile(join(newCacheDir, 'p_aux'), concat([old.commC, commRLastNew]))
    await copyFile(join(old.dir, 't_aux'), join(newCacheDir, 't_aux')).catch((err: unknown) => {
      throw failed('sector key cache has no t_aux', { cacheDir: old.dir }, err)
    })
    this.#host.progress(opts, 'snapEncode', 'aux', total, total)
    return { commRNew: commRFromRoots(old.commC, commRLastNew), commRLastNew, commDNew }
  }

  /** Checks what the library's vanilla prover reads; returns the facts of the update. */
  async #checkProvable(req: UpdateProveRequest) {
    const c = commitments(req)
    const size = c.facts.sectorSize
    await sectorFile('sectorKeyPath', req.sectorKeyPath, size)
    await sectorFile('replicaPath', req.replicaPath, size)
    const old = await pAuxOf('sectorKeyCacheDir', req.sectorKeyCacheDir)
    const neu = await pAuxOf('replicaCacheDir', req.replicaCacheDir)
    for (const f of updateCacheFiles(size).filter((x) => x.name !== 't_aux' && x.name !== 'p_aux')) {
      if ((await fileSize(join(neu.dir, f.name))) === undefined)
        throw failed(`replica cache file ${f.name} is missing (was the update cache cleared?)`, {
          cacheDir: neu.dir,
        })
    }
    if (!bytesEqual(old.commR, c.commROld))
      throw failed('comm_r_old does not match the sector key cache', { commROld: toHex(c.commROld) })
    if (!bytesEqual(neu.commC, old.commC) || !bytesEqual(neu.commR, c.commRNew))
      throw failed('comm_r_new does not match the replica cache', { commRNew: toHex(c.commRNew) })
    if (!bytesEqual(neu.commRLast, updateCommRLast(c.commROld, c.commDNew)))
      throw failed('comm_d_new is not the data encoded into the replica', { commDNew: toHex(c.commDNew) })
    return c
  }

  async generateUpdatePartitionProofs(
    req: UpdateProveRequest,
    opts?: ProofsCallOptions,
  ): Promise<Uint8Array[]> {
    await this.#host.begin('snapVanilla', 'generateUpdatePartitionProofs', req, opts)
    const c = await this.#checkProvable(req)
    const out: Uint8Array[] = []
    for (let k = 0; k < c.facts.partitions; k++) {
      throwIfAborted(opts?.signal)
      out.push(updateVanillaBytes(c.facts, k, c.commROld, c.commRNew, c.commDNew))
      this.#host.progress(opts, 'snapVanilla', `partition ${k}`, k + 1, c.facts.partitions)
    }
    return out
  }

  async verifyUpdatePartitionProofs(req: VerifyUpdatePartitionsRequest): Promise<boolean> {
    await this.#host.begin('verifySnap', 'verifyUpdatePartitionProofs', req)
    const c = commitments(req)
    return this.#vanillaMatch(c.facts, req.vanillaProofs, c)
  }

  #vanillaMatch(facts: UpdateProofFacts, proofs: unknown, c: ReturnType<typeof commitments>): boolean {
    if (!Array.isArray(proofs)) throw invalid('vanillaProofs must be an array', { field: 'vanillaProofs' })
    if (proofs.length !== facts.partitions) return false
    return proofs.every((p: unknown, k) => {
      if (!(p instanceof Uint8Array))
        throw invalid('vanilla proof must be bytes', { field: `vanillaProofs[${k}]` })
      return bytesEqual(p, updateVanillaBytes(facts, k, c.commROld, c.commRNew, c.commDNew))
    })
  }

  async generateUpdateProofWithVanilla(
    req: UpdateSnarkRequest,
    opts?: ProofsCallOptions,
  ): Promise<Uint8Array> {
    await this.#host.begin('snapProve', 'generateUpdateProofWithVanilla', req, opts)
    const c = commitments(req)
    if (!Array.isArray(req.vanillaProofs) || req.vanillaProofs.length !== c.facts.partitions) {
      throw invalid(`vanillaProofs must hold one proof per partition (${c.facts.partitions})`, {
        field: 'vanillaProofs',
        count: Array.isArray(req.vanillaProofs) ? req.vanillaProofs.length : null,
      })
    }
    // The library would make a SNARK that does not verify; the mock says so at once.
    if (!this.#vanillaMatch(c.facts, req.vanillaProofs, c))
      throw failed('vanilla proofs do not prove these commitments', { commRNew: toHex(c.commRNew) })
    for (let k = 1; k <= c.facts.partitions; k++) {
      throwIfAborted(opts?.signal)
      this.#host.progress(opts, 'snapProve', `partition ${k}`, k, c.facts.partitions)
    }
    return updateProofBytes(c.facts, c.commROld, c.commRNew, c.commDNew)
  }

  async generateUpdateProof(req: UpdateProveRequest, opts?: ProofsCallOptions): Promise<Uint8Array> {
    await this.#host.begin('snapProve', 'generateUpdateProof', req, opts)
    const c = await this.#checkProvable(req)
    this.#host.progress(opts, 'snapProve', 'snark', 1, 1)
    return updateProofBytes(c.facts, c.commROld, c.commRNew, c.commDNew)
  }

  async verifyUpdateProof(req: VerifyUpdateRequest): Promise<boolean> {
    await this.#host.begin('verifySnap', 'verifyUpdateProof', req)
    const c = commitments(req)
    if (!(req.proof instanceof Uint8Array)) throw invalid('proof must be bytes', { field: 'proof' })
    if (req.proof.length !== c.facts.proofLength || req.proof.length % SNARK_PROOF_BYTES !== 0) return false
    return bytesEqual(req.proof, updateProofBytes(c.facts, c.commROld, c.commRNew, c.commDNew))
  }

  async decodeFrom(req: DecodeFromRequest, opts?: ProofsCallOptions): Promise<void> {
    await this.#host.begin('snapDecode', 'decodeFrom', req, opts)
    const facts = updateProofFacts(req.updateProofType)
    const size = facts.sectorSize
    const commDNew = fr32Value('commDNew', req.commDNew)
    const replicaPath = await sectorFile('replicaPath', req.replicaPath, size)
    const sectorKeyPath = await sectorFile('sectorKeyPath', req.sectorKeyPath, size)
    const old = await pAuxOf('sectorKeyCacheDir', req.sectorKeyCacheDir)
    const outputPath = nonEmptyPath('outputPath', req.outputPath)
    await mkdir(dirname(outputPath), { recursive: true })
    // Written from scratch: holes where the data is zero.
    await sparseFile(outputPath, 0)
    await sparseFile(outputPath, size)
    await transform(
      { a: replicaPath, b: sectorKeyPath, out: outputPath },
      size,
      opts,
      (rep, key, out, pos) => {
        if (isZero(rep) && isZero(key)) return false
        unmixNodes(rep, key, updateMasks(commDNew, old.commR, pos / 32, rep.length), out)
        return true
      },
    )
    this.#host.progress(opts, 'snapDecode', 'done', 1, 1)
  }

  async decodeRange(req: DecodeRangeRequest, opts?: ProofsCallOptions): Promise<number> {
    await this.#host.begin('snapDecode', 'decodeRange', req, opts)
    const facts = updateProofFacts(req.updateProofType)
    const commDNew = fr32Value('commDNew', req.commDNew)
    const commROld = fr32Value('commROld', req.commROld)
    const { offset, length } = unpaddedRange(
      'decode',
      req.unpaddedOffset,
      req.unpaddedLength,
      facts.sectorSize,
    )
    const replicaPath = await sectorFile('replicaPath', req.replicaPath, facts.sectorSize)
    const sectorKeyPath = await sectorFile('sectorKeyPath', req.sectorKeyPath, facts.sectorSize)
    const outputPath = nonEmptyPath('outputPath', req.outputPath)
    await mkdir(dirname(outputPath), { recursive: true })
    const rep = await open(replicaPath, 'r')
    const key = await open(sectorKeyPath, 'r')
    const out = await open(outputPath, 'w')
    try {
      const padded = new Uint8Array(CHUNK)
      const bufR = new Uint8Array(CHUNK)
      const bufK = new Uint8Array(CHUNK)
      const raw = new Uint8Array((CHUNK / 128) * 127)
      const start = (offset / 127) * 128
      const end = start + (length / 127) * 128
      for (let pos = start; pos < end; pos += CHUNK) {
        throwIfAborted(opts?.signal)
        const n = Math.min(CHUNK, end - pos)
        const r = await readAt(rep, bufR.subarray(0, n), pos)
        const k = await readAt(key, bufK.subarray(0, n), pos)
        unmixNodes(r, k, updateMasks(commDNew, commROld, pos / 32, n), padded.subarray(0, n))
        fr32UnpadInto(padded, 0, raw, 0, n / 128)
        await out.write(raw, 0, (n / 128) * 127, ((pos - start) / 128) * 127)
      }
    } finally {
      await Promise.all([rep.close(), key.close(), out.close()])
    }
    this.#host.progress(opts, 'snapDecode', 'done', 1, 1)
    return length
  }

  async removeEncodedData(req: RemoveEncodedDataRequest, opts?: ProofsCallOptions): Promise<void> {
    await this.#host.begin('snapRemoveData', 'removeEncodedData', req, opts)
    const facts = updateProofFacts(req.updateProofType)
    const size = facts.sectorSize
    const commDNew = fr32Value('commDNew', req.commDNew)
    const replicaPath = await sectorFile('replicaPath', req.replicaPath, size)
    // As the library: comm_c and the sector key's comm_r_last come from this directory's p_aux.
    const aux = await pAuxOf('replicaCacheDir', req.replicaCacheDir)
    const stagedPath = nonEmptyPath('stagedPath', req.stagedPath)
    const stagedSize = await fileSize(stagedPath)
    if (stagedSize === undefined || stagedSize < size)
      throw failed('data file is missing or shorter than the replica', {
        stagedPath,
        size: stagedSize ?? null,
      })
    const sectorKeyPath = nonEmptyPath('sectorKeyPath', req.sectorKeyPath)
    const sectorKeyCacheDir = nonEmptyPath('sectorKeyCacheDir', req.sectorKeyCacheDir)
    await mkdir(dirname(sectorKeyPath), { recursive: true })
    await sizedOutput('sectorKeyPath', sectorKeyPath, size)
    await mkdir(sectorKeyCacheDir, { recursive: true })
    await sparseCopy(replicaPath, sectorKeyPath, size)
    await transform(
      { a: replicaPath, b: stagedPath, out: sectorKeyPath },
      size,
      opts,
      (rep, data, out, pos) => {
        if (isZero(data)) return false
        mixNodes(rep, data, updateMasks(commDNew, aux.commR, pos / 32, rep.length), out)
        return true
      },
    )
    for (const f of updateCacheFiles(size).filter((x) => x.name.startsWith('sc-02-data-tree-r-last'))) {
      await sparseFile(
        join(sectorKeyCacheDir, f.name),
        f.size,
        f.name === 'sc-02-data-tree-r-last.dat' ? aux.commRLast : undefined,
      )
    }
    await writeFile(join(sectorKeyCacheDir, 'p_aux'), concat([aux.commC, aux.commRLast]))
    if (join(aux.dir, 't_aux') !== join(sectorKeyCacheDir, 't_aux'))
      await copyFile(join(aux.dir, 't_aux'), join(sectorKeyCacheDir, 't_aux')).catch(() => {})
    this.#host.progress(opts, 'snapRemoveData', 'done', 1, 1)
  }
}
