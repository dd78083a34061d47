/**
 * lotus-miner as an import source: its sectors through `SectorsList`/`SectorsStatus`, where
 * their files are through the storage index (`StorageList`, `StorageLocal`, `StorageInfo`) and
 * each storage path's `sectorstore.json`, converted to import candidates. Which of lotus's
 * sealing states can move is decided here, state by state.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  actorIdOf,
  decodeBase64Json,
  type EpochRandomness,
  LOTUS_STORAGE_META_FILE,
  type LotusLocalStorageMeta,
  type LotusMinerClient,
  type LotusMinerSectorInfo,
  type LotusSectorPiece,
  type LotusStorageDecl,
  SectorFileType,
  sealProofForSectorSize,
} from '@venus-cluster/core'
import type { ManagedSector, SectorPiece } from '../sector.js'
import type { ImportCandidate, ImportFiles, ImportStore } from './types.js'

/** How each lotus state moves: proven, maybe precommitted (the chain decides), or refused and why. */
type LotusStateClass = { kind: 'proven' } | { kind: 'precommitted' } | { kind: 'refused'; why: string }

const PROVEN = [
  'Proving',
  'Available',
  'FinalizeSector',
  'FinalizeFailed',
  'Faulty',
  'FaultReported',
  'FaultedFinal',
]
/** States where a precommit may be on chain: the chain decides between take-over and refusal. */
const PRECOMMITTED = [
  'PreCommitting',
  'PreCommitWait',
  'SubmitPreCommitBatch',
  'PreCommitBatchWait',
  'PreCommitFailed',
  'WaitSeed',
  'Committing',
  'CommitFinalize',
  'CommitFinalizeFailed',
  'SubmitCommit',
  'CommitWait',
  'SubmitCommitAggregate',
  'CommitAggregateWait',
  'ComputeProofFailed',
  'RemoteCommitFailed',
  'CommitFailed',
]
const NOT_ON_CHAIN = [
  'Empty',
  'WaitDeals',
  'AddPiece',
  'Packing',
  'GetTicket',
  'PreCommit1',
  'PreCommit2',
  'ReceiveSector',
  'AddPieceFailed',
  'SealPreCommit1Failed',
  'SealPreCommit2Failed',
  'PackingFailed',
  'DealsExpired',
  'RecoverDealIDs',
]
const SNAP = [
  'SnapDealsWaitDeals',
  'SnapDealsAddPiece',
  'SnapDealsPacking',
  'UpdateReplica',
  'ProveReplicaUpdate',
  'SubmitReplicaUpdate',
  'WaitMutable',
  'ReplicaUpdateWait',
  'FinalizeReplicaUpdate',
  'UpdateActivating',
  'ReleaseSectorKey',
  'SnapDealsAddPieceFailed',
  'SnapDealsDealsExpired',
  'SnapDealsRecoverDealIDs',
  'AbortUpgrade',
  'ReplicaUpdateFailed',
  'ReleaseSectorKeyFailed',
  'FinalizeReplicaUpdateFailed',
]
const GONE = [
  'Terminating',
  'TerminateWait',
  'TerminateFinality',
  'TerminateFailed',
  'Removing',
  'RemoveFailed',
  'Removed',
  'FailedUnrecoverable',
]

/**
 * How a lotus sealing state moves in.
 *
 * @example
 * ```ts
 * lotusStateClass('Proving') // { kind: 'proven' }
 * lotusStateClass('PreCommit1').kind // 'refused'
 * ```
 */
export function lotusStateClass(state: string): LotusStateClass {
  if (PROVEN.includes(state)) return { kind: 'proven' }
  if (PRECOMMITTED.includes(state)) return { kind: 'precommitted' }
  if (NOT_ON_CHAIN.includes(state))
    return {
      kind: 'refused',
      why: `${state}: not precommitted yet and its sealing data are lotus's own; finish it in lotus-miner (or remove it there) and import it once proven`,
    }
  if (SNAP.includes(state))
    return {
      kind: 'refused',
      why: `${state}: snap-deal upgrades are not imported; finish or abort the upgrade in lotus-miner first`,
    }
  if (GONE.includes(state)) return { kind: 'refused', why: `${state}: terminated or removed` }
  return { kind: 'refused', why: `${state}: unknown lotus sector state` }
}

function randomness(r: { Value: string | null; Epoch: number }, what: string): EpochRandomness | null {
  if (r.Value === null || r.Value === '') return null
  return { value: decodeBase64Json(r.Value, what), epoch: r.Epoch }
}

function pieceOf(p: LotusSectorPiece): SectorPiece {
  const d = p.DealInfo
  return {
    // A DDO piece has no deal id: its activation manifest travels in `proposal`.
    dealId: d?.PublishCid ? d.DealID : 0,
    payloadSize: p.Piece.Size - p.Piece.Size / 128,
    piece: { size: p.Piece.Size, cid: p.Piece.PieceCID['/'] },
    proposal: d === null ? null : (d.DealProposal ?? { PieceActivationManifest: d.PieceActivationManifest }),
  }
}

/**
 * A lotus sector as this manager's record (proven ones finalized, the others in flight).
 *
 * @example
 * ```ts
 * const rec = recordFromLotus(1000, await miner.sectorsStatus(7, true), 5)
 * rec.preCommit?.commR // 'bagboea4b5abc…'
 * ```
 */
export function recordFromLotus(miner: number, s: LotusMinerSectorInfo, proofType: number): ManagedSector {
  const ticket = randomness(s.Ticket, `SectorsStatus(${s.SectorID}).Ticket.Value`)
  const pieces = (s.Pieces ?? []).map(pieceOf)
  return {
    id: { miner, number: s.SectorID },
    proofType: s.SealProof > 0 ? s.SealProof : proofType,
    ticket,
    seed: randomness(s.Seed, `SectorsStatus(${s.SectorID}).Seed.Value`),
    pieces: pieces.length === 0 ? null : pieces,
    preCommit:
      s.CommR === null || s.CommD === null || ticket === null
        ? null
        : { commR: s.CommR['/'], commD: s.CommD['/'], ticket, dealIds: [...(s.Deals ?? [])] },
    proof:
      s.Proof === null || s.Proof === ''
        ? null
        : decodeBase64Json(s.Proof, `SectorsStatus(${s.SectorID}).Proof`),
    messages: {
      preCommit: s.PreCommitMsg?.['/'] ?? null,
      proveCommit: s.CommitMsg?.['/'] ?? null,
      needSend: false,
    },
    latestReport: null,
    finalized: lotusStateClass(s.State).kind === 'proven',
    abortReason: '',
    imported: true,
  }
}

/** A lotus storage path as a persist store: named by its storage id, as lotus names it. */
async function storagePath(id: string, path: string): Promise<ImportStore & { problem?: string }> {
  try {
    const meta = JSON.parse(
      await readFile(join(path, LOTUS_STORAGE_META_FILE), 'utf8'),
    ) as LotusLocalStorageMeta
    if (meta.ID !== id)
      return {
        name: id,
        path,
        problem: `${join(path, LOTUS_STORAGE_META_FILE)} names storage ${meta.ID}, not ${id}`,
      }
  } catch (err) {
    return {
      name: id,
      path,
      problem: `cannot read ${join(path, LOTUS_STORAGE_META_FILE)}: ${(err as Error).message}`,
    }
  }
  return { name: id, path }
}

/** Options of {@link lotusMinerCandidates}. */
export interface LotusMinerSourceOptions {
  /** Only these sector numbers (default: every number `SectorsList` gives). */
  numbers?: readonly number[] | undefined
  /** `SectorsStatus` calls at once (default 8). */
  concurrency?: number | undefined
  /**
   * Where a storage path the miner node reports is mounted here, when not at the same path
   * (`{ '/mnt/lotus/store1': '/srv/store1' }`); prefixes are replaced.
   */
  pathMap?: Readonly<Record<string, string>> | undefined
  signal?: AbortSignal | undefined
}

/** What {@link lotusMinerCandidates} read. */
export interface LotusMinerSource {
  miner: number
  candidates: ImportCandidate[]
}

/**
 * Reads a lotus-miner's sectors and the storage index, and turns them into import candidates.
 * The storage calls need an admin token.
 *
 * @example
 * ```ts
 * const miner = createLotusMinerClient(httpTransport('http://10.0.0.5:2345/rpc/v0', { token }))
 * const { candidates } = await lotusMinerCandidates(miner)
 * const report = await importer.plan(candidates)
 * ```
 */
export async function lotusMinerCandidates(
  client: LotusMinerClient,
  opts: LotusMinerSourceOptions = {},
): Promise<LotusMinerSource> {
  const call = opts.signal === undefined ? {} : { signal: opts.signal }
  const maddr = await client.actorAddress(call)
  const miner = actorIdOf(maddr)
  const sectorSize = await client.actorSectorSize(maddr, call)
  const proofType = sealProofForSectorSize(sectorSize)
  const numbers = opts.numbers ?? (await client.sectorsList(call))

  // The storage index: which storage ids hold each sector's sealed file and cache.
  const [list, local] = await Promise.all([client.storageList(call), client.storageLocal(call)])
  const mapPath = (p: string) => {
    for (const [from, to] of Object.entries(opts.pathMap ?? {})) {
      if (p === from || p.startsWith(`${from.replace(/\/$/, '')}/`))
        return to + p.slice(from.replace(/\/$/, '').length)
    }
    return p
  }
  const paths = new Map<string, ImportStore & { problem?: string }>()
  for (const [id, path] of Object.entries(local)) paths.set(id, await storagePath(id, mapPath(path)))
  const where = new Map<number, { sealed: string[]; cache: string[] }>()
  for (const [id, decls] of Object.entries(list)) {
    for (const d of (decls ?? []) as LotusStorageDecl[]) {
      if (d.Miner !== miner) continue
      const w = where.get(d.Number) ?? { sealed: [], cache: [] }
      if ((d.SectorFileType & SectorFileType.Sealed) !== 0) w.sealed.push(id)
      if ((d.SectorFileType & SectorFileType.Cache) !== 0) w.cache.push(id)
      where.set(d.Number, w)
    }
  }
  const remote = new Map<string, string>()
  const describeRemote = async (id: string) => {
    let text = remote.get(id)
    if (text === undefined) {
      const info = await client.storageInfo(id, call).catch(() => null)
      text = `storage ${id} is not local to the miner node${info?.URLs?.length ? ` (served at ${info.URLs.join(', ')})` : ''}`
      remote.set(id, text)
    }
    return text
  }
  const locate = async (n: number): Promise<{ files?: ImportFiles; problem?: string }> => {
    const w = where.get(n)
    if (w === undefined || w.sealed.length === 0) return { problem: 'no sealed file in the storage index' }
    if (w.cache.length === 0) return { problem: 'no cache in the storage index' }
    const pick = async (ids: string[]) => {
      const found = ids.map((id) => paths.get(id)).find((p) => p !== undefined && p.problem === undefined)
      if (found) return { store: { name: found.name, path: found.path } }
      const bad = ids.map((id) => paths.get(id)).find((p) => p?.problem !== undefined)
      return { problem: bad?.problem ?? (await describeRemote(ids[0] as string)) }
    }
    const sealed = await pick(w.sealed)
    const cache = await pick(w.cache)
    if (sealed.store === undefined || cache.store === undefined)
      return { problem: sealed.problem ?? cache.problem ?? 'files not located' }
    return { files: { sealed: sealed.store, cache: cache.store } }
  }

  const candidates: ImportCandidate[] = new Array(numbers.length)
  let next = 0
  const worker = async () => {
    for (;;) {
      opts.signal?.throwIfAborted()
      const i = next++
      if (i >= numbers.length) return
      const n = numbers[i] as number
      const info = await client.sectorsStatus(n, true, call)
      const cls = lotusStateClass(info.State)
      const record = recordFromLotus(miner, { ...info, SectorID: n }, proofType)
      const c: ImportCandidate = { record, sourceState: info.State, filesRequired: true }
      if (info.Expiration > 0) c.expiration = info.Expiration
      if (cls.kind === 'refused') c.refusal = cls.why
      else {
        const at = await locate(n)
        if (at.files) c.files = at.files
        if (at.problem !== undefined) c.filesProblem = at.problem
        if (cls.kind === 'proven' && (record.proof === null || record.preCommit === null))
          c.refusal = `${info.State}: lotus reports no ${record.preCommit === null ? 'CommR/CommD/ticket' : 'proof'}`
      }
      candidates[i] = c
    }
  }
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, numbers.length)) }, worker),
  )
  return { miner, candidates }
}
