/**
 * The snap-up (SnapDeals) methods of the `Venus.*` API over a {@link SectorManager}: allocation
 * (the original's misspelt `AllocateSanpUpSector` and the correct `AllocateSnapUpSector`),
 * `SubmitSnapUpProof`, `SubmitPersistedEx` (persisted files of a normal or an upgraded replica)
 * and the operator's `SnapUpPreFetch`, `SnapUpCandidates`, `SnapUpCancelCommitment`.
 *
 * `SubmitSnapUpProof(SectorID, SnapUpOnChainInfo)` accepts the params of both damocles shapes
 * (its v0.1.2 worker and manager disagree): the new replica's CommR as `CommR` (32 bytes: an
 * array of 32 integers, as Go writes `[32]byte`, or base64) or as `NewSealedCID` (a CID link or
 * string); the data's CommD as `CommD` (the same two byte forms) or `UnsealedCID`; `Pieces` as
 * piece CIDs (links `{"/": …}` or strings) or as objects carrying one (`{ Cid }` / `{ PieceCID }`);
 * `Proof` in base64; `AccessInstance` the persist store of the new replica.
 */
import { cidToCommitment, commitmentToCid, sectorIdToWire, VenusError } from '@venus-cluster/core'
import type { SectorManager } from '../manager.js'
import type { ParamReader } from './params.js'
import { piecesToWire, submitResponseToWire } from './sector-wire.js'

type Method = (
  name: string,
  count: number,
  fn: (r: ParamReader) => unknown,
) => [string, (params: unknown[]) => unknown]

/** Most pieces one snap-up names (a 64 GiB sector of 128-byte pieces is far beyond real use). */
const MAX_PIECES = 4096

function commitment(
  r: ParamReader,
  o: Record<string, unknown>,
  bytesKey: string,
  cidKey: string,
  path: string,
): Uint8Array {
  const v = o[bytesKey]
  if (Array.isArray(v)) return r.bytes32(v, `${path}.${bytesKey}`)
  if (typeof v === 'string') return r.base64(v, `${path}.${bytesKey}`, 32)
  const c = o[cidKey]
  const text =
    typeof c === 'string'
      ? c
      : typeof c === 'object' && c !== null
        ? (c as { '/'?: unknown })['/']
        : undefined
  if (typeof text !== 'string' || text.length > 256)
    return r.fail(`${path}.${bytesKey}`, `32 bytes (or ${cidKey} as a CID)`, v ?? c)
  try {
    return cidToCommitment(text).commitment
  } catch {
    return r.fail(`${path}.${cidKey}`, 'a commitment CID', text)
  }
}

function pieceCid(r: ParamReader, v: unknown, path: string): string {
  let x = v
  if (typeof x === 'object' && x !== null && !('/' in x)) {
    const o = x as Record<string, unknown>
    x = o.Cid ?? o.PieceCID ?? o.PieceCid
  }
  const text =
    typeof x === 'string'
      ? x
      : typeof x === 'object' && x !== null
        ? (x as { '/'?: unknown })['/']
        : undefined
  if (typeof text !== 'string' || text.length > 256) return r.fail(path, 'a piece CID', v)
  try {
    const c = cidToCommitment(text)
    if (c.kind === 'commR') return r.fail(path, 'a piece CID (baga…), not a sealed CID', text)
    return commitmentToCid(c.commitment, 'commP').toString()
  } catch (err) {
    if (err instanceof VenusError && err.code === 'INVALID_ARGUMENT') throw err
    return r.fail(path, 'a piece CID (baga…)', text)
  }
}

/**
 * The snap-up rows of the method table (see the module comment).
 *
 * @example
 * ```ts
 * const table = Object.fromEntries(snapUpMethods(mgr, m, sid))
 * ```
 */
export function snapUpMethods(
  mgr: SectorManager,
  m: Method,
  sid: (r: ParamReader, i: number) => { miner: number; number: number },
  locationBytes: number,
): [string, (params: unknown[]) => unknown][] {
  const allocate = async (r: ParamReader) => {
    const spec = r.object(r.at(0), 'params[0]')
    const sector =
      spec.Sector === undefined || spec.Sector === null ? {} : r.object(spec.Sector, 'params[0].Sector')
    const deals =
      spec.Deals === undefined || spec.Deals === null ? {} : r.object(spec.Deals, 'params[0].Deals')
    const got = await mgr.snapup.allocate({
      allowedMiners: r.nullableUintList(sector.AllowedMiners ?? null, 'params[0].Sector.AllowedMiners'),
      allowedProofTypes: r.nullableUintList(
        sector.AllowedProofTypes ?? null,
        'params[0].Sector.AllowedProofTypes',
      ),
      maxDeals:
        deals.MaxDeals === undefined || deals.MaxDeals === null
          ? null
          : r.uint(deals.MaxDeals, 'params[0].Deals.MaxDeals'),
    })
    if (got === null) return null
    return {
      Sector: { ID: sectorIdToWire(got.id), ProofType: got.proofType },
      Pieces: piecesToWire(got.pieces),
      Public: {
        CommR: [...cidToCommitment(got.public.sealedCid).commitment],
        SealedCID: { '/': got.public.sealedCid },
        Activation: got.public.activation,
        Expiration: got.public.expiration,
        Deadline: got.public.deadline,
        Partition: got.public.partition,
      },
    }
  }
  return [
    m('AllocateSanpUpSector', 1, allocate),
    m('AllocateSnapUpSector', 1, allocate),
    m('SubmitSnapUpProof', 2, async (r) => {
      const id = sid(r, 0)
      const o = r.object(r.at(1), 'params[1]')
      if (!Array.isArray(o.Pieces) || o.Pieces.length > MAX_PIECES)
        return r.fail('params[1].Pieces', `an array of at most ${MAX_PIECES} piece CIDs`, o.Pieces)
      const pieces = (o.Pieces as unknown[]).map((p, i) => pieceCid(r, p, `params[1].Pieces[${i}]`))
      const proof = r.base64(o.Proof, 'params[1].Proof')
      if (proof.length === 0) r.fail('params[1].Proof', 'a non-empty proof', o.Proof)
      const res = await mgr.snapup.submitProof(id, {
        commRNew: commitment(r, o, 'CommR', 'NewSealedCID', 'params[1]'),
        commDNew: commitment(r, o, 'CommD', 'UnsealedCID', 'params[1]'),
        pieces,
        proof,
        accessInstance: r.string(o.AccessInstance ?? '', 'params[1].AccessInstance', locationBytes),
      })
      return submitResponseToWire(res)
    }),
    m('SubmitPersistedEx', 3, async (r) => {
      const id = sid(r, 0)
      const instance = r.string(r.at(1), 'params[1]', locationBytes)
      if (!r.bool(r.at(2), 'params[2]')) return mgr.submitPersisted(id, instance)
      return mgr.snapup.persisted(id, instance)
    }),
    m('SnapUpPreFetch', 2, async (r) => {
      const miner = r.uint(r.at(0), 'params[0]')
      const dl = r.at(1) === null || r.at(1) === undefined ? undefined : r.uint(r.at(1), 'params[1]')
      const got = await mgr.snapup.fetchCandidates(miner, dl)
      return { Total: got.total, Diff: got.added }
    }),
    m('SnapUpCandidates', 1, (r) =>
      mgr.snapup.candidates.list(r.uint(r.at(0), 'params[0]')).map((c) => ({
        Number: c.number,
        Deadline: c.public.deadline,
        Partition: c.public.partition,
        Expiration: c.public.expiration,
        SealedCID: { '/': c.public.sealedCid },
      })),
    ),
    m('SnapUpCancelCommitment', 1, async (r) => {
      await mgr.snapup.cancel(sid(r, 0))
      return null
    }),
  ]
}
