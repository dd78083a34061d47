/**
 * The compute stages of sealing (tree_d, pc1, pc2, c1, c2) and of a snap-up (snap_encode,
 * snap_prove) behind one interface, and the
 * in-process implementation that calls a `ProofsBackend` directly. The worker-thread pool
 * (`pool.ts`) and external child processes (`external.ts`) implement the same interface.
 */
import { open, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type Commit1Request,
  type Commit2Request,
  type EncodeIntoRequest,
  type EncodeIntoResult,
  hashPieceNodePairs,
  type PreCommit1Request,
  type PreCommit2Request,
  type PreCommit2Result,
  type ProofsBackend,
  type ProofsPieceInfo,
  sealProofFacts,
  type UpdateProveRequest,
  VenusError,
} from '@venus-cluster/core'

/** The stages a processor runs. */
export type SealStage = 'tree_d' | 'pc1' | 'pc2' | 'c1' | 'c2' | 'snap_encode' | 'snap_prove'

/** The file name rust-fil-proofs gives tree D. */
export const TREE_D_FILE = 'sc-02-data-tree-d.dat'

/** Input of the tree_d stage: builds `<outDir>/sc-02-data-tree-d.dat` over the staged file. */
export interface TreeDRequest {
  proofType: number
  stagedPath: string
  outDir: string
  pieces: readonly ProofsPieceInfo[]
}

/** Request and result types per stage. */
export interface StageIo {
  tree_d: { req: TreeDRequest; res: boolean }
  pc1: { req: PreCommit1Request; res: Uint8Array }
  pc2: { req: PreCommit2Request; res: PreCommit2Result }
  c1: { req: Commit1Request; res: Uint8Array }
  c2: { req: Commit2Request; res: Uint8Array }
  /** Encodes the staged data into a new replica of a CC sector (empty-sector update). */
  snap_encode: { req: EncodeIntoRequest; res: EncodeIntoResult }
  /** Proves an update: vanilla partition proofs and the SNARK, as one call. */
  snap_prove: { req: UpdateProveRequest; res: Uint8Array }
}

/** Runs one stage request; every implementation honours `signal` between steps. */
export interface StageProcessor {
  run<S extends SealStage>(
    stage: S,
    req: StageIo[S]['req'],
    opts?: { signal?: AbortSignal },
  ): Promise<StageIo[S]['res']>
  /** Stops children / threads. */
  close?(): Promise<void>
}

/** Largest sector for which tree D is built for real; larger ones get a sparse file ending in CommD. */
const REAL_TREE_D_MAX = 8 * 1024 * 1024

/**
 * Builds tree D (binary SHA254 tree over the staged file, zero-padded to the sector size).
 *
 * @example
 * ```ts
 * await buildTreeD(proofs, { proofType: 5, stagedPath, outDir, pieces })
 * ```
 */
export async function buildTreeD(backend: ProofsBackend, req: TreeDRequest): Promise<boolean> {
  const { sectorSize } = sealProofFacts(req.proofType)
  const out = join(req.outDir, TREE_D_FILE)
  await rm(out, { force: true })
  const treeBytes = (2 * (sectorSize / 32) - 1) * 32
  if (sectorSize > REAL_TREE_D_MAX) {
    const commD = await backend.computeCommD({ proofType: req.proofType, pieces: req.pieces })
    const fh = await open(out, 'w')
    try {
      await fh.truncate(treeBytes)
      await fh.write(commD, 0, 32, treeBytes - 32)
    } finally {
      await fh.close()
    }
    return true
  }
  const tree = new Uint8Array(treeBytes)
  const fh = await open(req.stagedPath, 'r')
  try {
    await fh.read(tree, 0, sectorSize, 0)
  } finally {
    await fh.close()
  }
  let from = 0
  for (let n = sectorSize / 32; n > 1; n /= 2) {
    hashPieceNodePairs(tree, from * 32, tree, (from + n) * 32, n / 2)
    from += n
  }
  await writeFile(out, tree)
  return true
}

/**
 * Runs a stage on a backend in this thread.
 *
 * @example
 * ```ts
 * const out = await runStageOn(mockProofs(), 'pc2', { phase1Output, cacheDir, sealedPath })
 * ```
 */
export async function runStageOn<S extends SealStage>(
  backend: ProofsBackend,
  stage: S,
  req: StageIo[S]['req'],
  opts: { signal?: AbortSignal } = {},
): Promise<StageIo[S]['res']> {
  const o = opts.signal === undefined ? {} : { signal: opts.signal }
  switch (stage) {
    case 'tree_d':
      return (await buildTreeD(backend, req as TreeDRequest)) as StageIo[S]['res']
    case 'pc1':
      return (await backend.sealPreCommitPhase1(req as PreCommit1Request, o)) as StageIo[S]['res']
    case 'pc2':
      return (await backend.sealPreCommitPhase2(req as PreCommit2Request, o)) as StageIo[S]['res']
    case 'c1':
      return (await backend.sealCommitPhase1(req as Commit1Request, o)) as StageIo[S]['res']
    case 'c2':
      return (await backend.sealCommitPhase2(req as Commit2Request, o)) as StageIo[S]['res']
    case 'snap_encode':
      return (await backend.encodeInto(req as EncodeIntoRequest, o)) as StageIo[S]['res']
    case 'snap_prove':
      return (await backend.generateUpdateProof(req as UpdateProveRequest, o)) as StageIo[S]['res']
    default:
      throw new VenusError('INVALID_ARGUMENT', `unknown sealing stage ${String(stage)}`)
  }
}

/**
 * The in-process processor: calls the backend on the event loop. The mock backend only does
 * async file I/O and small hashes, so this is what tests use; the daemon uses the pool.
 *
 * @example
 * ```ts
 * const processor = inlineProcessor(mockProofs())
 * ```
 */
export function inlineProcessor(backend: ProofsBackend): StageProcessor {
  return { run: (stage, req, opts) => runStageOn(backend, stage, req, opts) }
}

/**
 * Sends stage requests to a processor per stage, falling back to `fallback` (C1 always runs in
 * the fallback: the original never externalises it).
 *
 * @example
 * ```ts
 * const p = routeProcessors(poolProcessor(...), { pc2: externalPc2 })
 * ```
 */
export function routeProcessors(
  fallback: StageProcessor,
  perStage: Partial<Record<SealStage, StageProcessor>>,
): StageProcessor {
  return {
    run: (stage, req, opts) => {
      const p = stage === 'c1' ? fallback : (perStage[stage] ?? fallback)
      return p.run(stage, req, opts)
    },
    async close() {
      const all = new Set([fallback, ...Object.values(perStage)])
      await Promise.all([...all].map((p) => p.close?.()))
    },
  }
}

// ---------------------------------------------------------------- wire codec

const BYTES = '/bytes'

/**
 * JSON-safe form of a stage payload: `Uint8Array`s become `{"/bytes": base64}`.
 *
 * @example
 * ```ts
 * JSON.stringify(toStageWire({ ticket: new Uint8Array(2) })) // '{"ticket":{"/bytes":"AAA="}}'
 * ```
 */
export function toStageWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BYTES]: Buffer.from(value).toString('base64') }
  if (Array.isArray(value)) return value.map(toStageWire)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toStageWire(v)
    return out
  }
  return value
}

/** The inverse of {@link toStageWire}. */
export function fromStageWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromStageWire)
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>
    const keys = Object.keys(o)
    if (keys.length === 1 && keys[0] === BYTES && typeof o[BYTES] === 'string') {
      return new Uint8Array(Buffer.from(o[BYTES], 'base64'))
    }
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(o)) out[k] = fromStageWire(v)
    return out
  }
  return value
}
