/**
 * The `Venus.*` JSON-RPC method table (SealerAPI + SealerCliAPI) over a {@link SectorManager}.
 * Every handler validates all its params before touching state, and returns the exact JSON
 * shapes of the original (PascalCase, `null` for void results).
 */
import {
  controlDestProblem,
  sectorIdToWire,
  ticketToWire,
  truncateText,
  VenusError,
  type WireWorkerInfo,
  WORKER_DEST_MAX_LENGTH,
  WORKER_NAME_MAX_LENGTH,
  workerInfoFromWire,
  workerNameProblem,
} from '@venus-cluster/core'
import { type ManagerLimits, managerLimits } from '../limits.js'
import type { SectorManager } from '../manager.js'
import type { SectorReport } from '../sector.js'
import { MAX_SECTOR_PAGE } from '../store/types.js'
import { directPieceFilterFromWire, directPieceInputFromWire, directPieceToWire } from './direct-wire.js'
import { operatorApiMethods } from './operator-api.js'
import { ParamReader } from './params.js'
import { createRepairApi } from './repair-api.js'
import {
  piecesToWire,
  pollResultToWire,
  reportFromWire,
  sectorToWire,
  seedWaitToWire,
  submitResponseToWire,
  terminationToWire,
} from './sector-wire.js'
import { snapUpMethods } from './snapup-api.js'
import { knownWorkerToWire, workerPingToWire } from './worker-wire.js'

/** Per-call context given by the RPC server (structurally the core `RpcContext`). */
export interface VenusCallContext {
  signal?: AbortSignal
}

/** A method handler, structurally the core `RpcMethod`. */
export type VenusMethod = (params: unknown[], ctx?: VenusCallContext) => unknown

/**
 * A `ReportState` request with its texts cut to the limits: the original worker reports after
 * every step and does not expect a refusal, so an over-long text is kept truncated (visibly).
 */
function reportReq(r: ParamReader, v: unknown, path: string, limits: ManagerLimits): SectorReport {
  const o = r.object(v, path)
  const w = r.object(o.Worker, `${path}.Worker`)
  const sc = r.object(o.StateChange, `${path}.StateChange`)
  const name = (x: unknown, at: string) => truncateText(r.string(x, at), limits.nameBytes)
  let Failure: { Level: string; Desc: string } | null = null
  if (o.Failure !== null && o.Failure !== undefined) {
    const f = r.object(o.Failure, `${path}.Failure`)
    Failure = {
      Level: name(f.Level, `${path}.Failure.Level`),
      Desc: truncateText(r.string(f.Desc, `${path}.Failure.Desc`), limits.failureTextBytes),
    }
  }
  return reportFromWire({
    Worker: {
      Instance: name(w.Instance, `${path}.Worker.Instance`),
      Location: truncateText(r.string(w.Location, `${path}.Worker.Location`), limits.locationBytes),
    },
    StateChange: {
      Prev: name(sc.Prev, `${path}.StateChange.Prev`),
      Next: name(sc.Next, `${path}.StateChange.Next`),
      Event: name(sc.Event, `${path}.StateChange.Event`),
    },
    Failure,
  })
}

function workerName(r: ParamReader, v: unknown, path: string): string {
  const name = r.string(v, path)
  if (workerNameProblem(name) !== undefined)
    r.fail(path, `a worker name (1-${WORKER_NAME_MAX_LENGTH} letters, digits and . _ - : @)`, name)
  return name
}

function controlDest(r: ParamReader, v: unknown, path: string): string {
  const dest = r.string(v, path)
  if (controlDestProblem(dest) !== undefined)
    r.fail(path, `a control address host:port (at most ${WORKER_DEST_MAX_LENGTH} characters) or ""`, dest)
  return dest
}

function ticket(r: ParamReader, v: unknown, path: string): { value: Uint8Array; epoch: number } {
  const o = r.object(v, path)
  return { value: r.base64(o.Ticket, `${path}.Ticket`, 32), epoch: r.int(o.Epoch, `${path}.Epoch`) }
}

/**
 * Builds the `Venus.*` method table, ready for `createRpcServer({ methods })` at `/rpc/v0`.
 * `limits` bounds the texts kept from reports (see {@link ManagerLimits}).
 *
 * @example
 * ```ts
 * const methods = createSealerApi(manager)
 * const server = createRpcServer({ methods })
 * ```
 */
export function createSealerApi(
  mgr: SectorManager,
  opts: { limits?: Partial<ManagerLimits> | undefined } = {},
): Record<string, VenusMethod> {
  const limits = managerLimits(opts.limits)
  const m = (name: string, count: number, fn: (r: ParamReader) => unknown): [string, VenusMethod] => {
    const full = `Venus.${name}`
    return [full, (params) => fn(new ParamReader(full, params, count))]
  }
  const sid = (r: ParamReader, i: number) => r.sectorId(r.at(i), `params[${i}]`)
  /** `"online"` (records being sealed) or `"offline"` (finalized/aborted) as a flag. */
  const online = (r: ParamReader, i: number): boolean => {
    const which = r.string(r.at(i), `params[${i}]`)
    if (which !== 'online' && which !== 'offline')
      return r.fail(`params[${i}]`, '"online" or "offline"', which)
    return which === 'online'
  }
  /** Every online or offline record, as the original answers; refused past `listSectorsMax`. */
  const listAll = async (on: boolean) => {
    const total = (await mgr.store.countSectors())
      .filter((c) => c.online === on)
      .reduce((n, c) => n + c.count, 0)
    if (total > limits.listSectorsMax) {
      const which = on ? 'online' : 'offline'
      throw new VenusError(
        'UNSUPPORTED',
        `Venus.ListSectors: ${total} ${which} records are more than one answer holds (${limits.listSectorsMax}); read them in pages: Venus.ListSectors("${which}", {"After": null, "Limit": ${MAX_SECTOR_PAGE}}), then again with the last record's ID as After`,
        { details: { method: 'Venus.ListSectors', records: total, max: limits.listSectorsMax } },
      )
    }
    return (await mgr.store.listSectors(on)).map(sectorToWire)
  }
  const table: [string, VenusMethod][] = [
    m('AllocateSector', 1, async (r) => {
      const spec = r.object(r.at(0), 'params[0]')
      const got = await mgr.allocateSector({
        allowedMiners: r.nullableUintList(spec.AllowedMiners, 'params[0].AllowedMiners'),
        allowedProofTypes: r.nullableUintList(spec.AllowedProofTypes, 'params[0].AllowedProofTypes'),
      })
      return got === null ? null : { ID: sectorIdToWire(got.id), ProofType: got.proofType }
    }),
    m('AcquireDeals', 2, async (r) => {
      const id = sid(r, 0)
      const spec = r.object(r.at(1), 'params[1]')
      const maxDeals =
        spec.MaxDeals !== null && spec.MaxDeals !== undefined
          ? r.uint(spec.MaxDeals, 'params[1].MaxDeals')
          : null
      return piecesToWire(await mgr.acquireDeals(id, { maxDeals }))
    }),
    m('AssignTicket', 1, async (r) => ticketToWire(await mgr.assignTicket(sid(r, 0)))),
    m('SubmitPreCommit', 3, async (r) => {
      const sec = r.object(r.at(0), 'params[0]')
      const id = r.sectorId(sec.ID, 'params[0].ID')
      const proofType = r.uint(sec.ProofType, 'params[0].ProofType')
      const info = r.object(r.at(1), 'params[1]')
      const parsed = {
        proofType,
        commR: r.bytes32(info.CommR, 'params[1].CommR'),
        commD: r.bytes32(info.CommD, 'params[1].CommD'),
        ticket: ticket(r, info.Ticket, 'params[1].Ticket'),
        dealIds: info.Deals === null ? [] : r.uintList(info.Deals, 'params[1].Deals'),
      }
      const reset = r.bool(r.at(2), 'params[2]')
      return submitResponseToWire(await mgr.submitPreCommit(id, parsed, reset))
    }),
    m('PollPreCommitState', 1, async (r) => pollResultToWire(await mgr.pollPreCommitState(sid(r, 0)))),
    m('SubmitPersisted', 2, (r) => {
      const id = sid(r, 0)
      return mgr.submitPersisted(id, r.string(r.at(1), 'params[1]', limits.locationBytes))
    }),
    m('WaitSeed', 1, async (r) => seedWaitToWire(await mgr.waitSeed(sid(r, 0)))),
    m('SubmitProof', 3, async (r) => {
      const id = sid(r, 0)
      const info = r.object(r.at(1), 'params[1]')
      const proof = r.base64(info.Proof, 'params[1].Proof')
      if (proof.length === 0) r.fail('params[1].Proof', 'a non-empty proof', info.Proof)
      return submitResponseToWire(await mgr.submitProof(id, proof, r.bool(r.at(2), 'params[2]')))
    }),
    m('PollProofState', 1, async (r) => pollResultToWire(await mgr.pollProofState(sid(r, 0)))),
    m('ReportState', 2, async (r) => {
      const id = sid(r, 0)
      await mgr.reportState(id, reportReq(r, r.at(1), 'params[1]', limits))
      return null
    }),
    m('ReportFinalized', 1, async (r) => {
      await mgr.reportFinalized(sid(r, 0))
      return null
    }),
    m('ReportAborted', 2, async (r) => {
      const id = sid(r, 0)
      await mgr.reportAborted(id, truncateText(r.string(r.at(1), 'params[1]'), limits.failureTextBytes))
      return null
    }),
    m('WorkerPing', 1, (r) => {
      const o = r.object(r.at(0), 'params[0]')
      const s = r.object(o.Summary, 'params[0].Summary')
      const info: WireWorkerInfo = {
        Name: workerName(r, o.Name, 'params[0].Name'),
        Dest: controlDest(r, o.Dest, 'params[0].Dest'),
        Summary: {
          Threads: r.uint(s.Threads, 'params[0].Summary.Threads'),
          Empty: r.uint(s.Empty, 'params[0].Summary.Empty'),
          Paused: r.uint(s.Paused, 'params[0].Summary.Paused'),
          Errors: r.uint(s.Errors, 'params[0].Summary.Errors'),
        },
      }
      mgr.workers.ping(workerInfoFromWire(info))
      return null
    }),
    ...snapUpMethods(mgr, m, sid, limits.locationBytes),
    // ------------------------------------------------------------ CLI side
    // The original's call (one param) answers every record, up to `listSectorsMax`; with a
    // page `{ After: SectorID | null, Limit }` it answers the records after `After`, in
    // (miner, number) order: pass the last record's ID to read the next page.
    [
      'Venus.ListSectors',
      (params) => {
        // Params are checked before anything runs, as in every other method.
        const r = new ParamReader('Venus.ListSectors', params, 2, 1)
        const on = online(r, 0)
        if (r.params.length === 1) return listAll(on)
        const p = r.object(r.at(1), 'params[1]')
        const after =
          p.After === null || p.After === undefined ? undefined : r.sectorId(p.After, 'params[1].After')
        const limit = r.uint(p.Limit, 'params[1].Limit')
        if (limit < 1 || limit > MAX_SECTOR_PAGE)
          r.fail('params[1].Limit', `an integer in [1, ${MAX_SECTOR_PAGE}]`, limit)
        return mgr.store.listSectorsPage(on, { after, limit }).then((page) => page.map(sectorToWire))
      },
    ],
    m('FindSector', 2, async (r) => {
      const want = online(r, 0)
      const got = await mgr.store.getSector(sid(r, 1))
      return got !== undefined && got.online === want ? sectorToWire(got.state) : null
    }),
    m('RemoveSector', 1, async (r) => {
      await mgr.removeSector(sid(r, 0))
      return null
    }),
    m('RestoreSector', 2, async (r) => {
      const id = sid(r, 0)
      await mgr.restoreSector(id, r.bool(r.at(1), 'params[1]'))
      return null
    }),
    m('CheckProvable', 3, (r) => {
      const miner = r.uint(r.at(0), 'params[0]')
      const raw = r.at(1)
      if (!Array.isArray(raw)) return r.fail('params[1]', 'an array of ExtendedSectorInfo', raw)
      const list: unknown[] = raw
      const sectors = list.map((x, i) => {
        const o = r.object(x, `params[1][${i}]`)
        return {
          sealProof: r.uint(o.SealProof, `params[1][${i}].SealProof`),
          sectorNumber: r.uint(o.SectorNumber, `params[1][${i}].SectorNumber`),
        }
      })
      r.bool(r.at(2), 'params[2]')
      return mgr.checkProvable(miner, sectors)
    }),
    m('ProvingSectorInfo', 1, async (r) => {
      const id = sid(r, 0)
      const onChain = await mgr.chain.sectorInfo(id.miner, id.number)
      if (onChain === null) {
        throw new VenusError('SECTOR_NOT_FOUND', `sector m-${id.miner}-n-${id.number} is not on chain`)
      }
      const loc = await mgr.store.findLocation(id, 'normal')
      const name = `s-t0${id.miner}-${id.number}`
      const sealedRoot = loc ? mgr.persistStorePath(loc.sealed) : undefined
      const cacheRoot = loc ? mgr.persistStorePath(loc.cache) : undefined
      return {
        OnChain: {
          SectorNumber: onChain.sectorNumber,
          SealProof: onChain.sealProof,
          SealedCID: { '/': onChain.sealedCid },
          Activation: onChain.activation,
          Expiration: onChain.expiration,
          InitialPledge: onChain.initialPledge.toString(),
        },
        Private: {
          Accesses: { SealedFile: loc?.sealed ?? '', CacheDir: loc?.cache ?? '' },
          CacheDirPath: `cache/${name}`,
          SealedSectorPath: `sealed/${name}`,
          CacheDirURI: cacheRoot ? `${cacheRoot}/cache/${name}` : '',
          SealedSectorURI: sealedRoot ? `${sealedRoot}/sealed/${name}` : '',
        },
      }
    }),
    m('SectorIndexerFind', 2, async (r) => {
      const kind = r.string(r.at(0), 'params[0]')
      if (kind !== 'normal' && kind !== 'upgrade') return r.fail('params[0]', '"normal" or "upgrade"', kind)
      const loc = await mgr.store.findLocation(sid(r, 1), kind)
      return loc
        ? { Found: true, Instance: { SealedFile: loc.sealed, CacheDir: loc.cache } }
        : { Found: false, Instance: { SealedFile: '', CacheDir: '' } }
    }),
    m('WorkerPingInfoList', 0, () => mgr.workers.pings().map(workerPingToWire)),
    m('WorkerGetPingInfo', 1, (r) => {
      const p = mgr.workers.pingOf(r.string(r.at(0), 'params[0]'))
      return p === undefined ? null : workerPingToWire(p)
    }),
    // Extensions: every known worker (original workers never ping, they only report), and
    // releasing a worker name pinned to its control address.
    m('KnownWorkers', 0, async () =>
      mgr.workers.known(await mgr.store.countSectorsByWorker()).map(knownWorkerToWire),
    ),
    m('WorkerRemove', 1, (r) => mgr.workers.remove(r.string(r.at(0), 'params[0]'))),
    m('TerminateSector', 1, async (r) => submitResponseToWire(await mgr.terminateSector(sid(r, 0)))),
    // Direct data onboarding: pieces sealed without a market deal.
    m('AddDirectPiece', 1, async (r) => {
      const input = directPieceInputFromWire(r, 0)
      try {
        return directPieceToWire(await mgr.addDirectPiece(input))
      } catch (err) {
        // The service names the field; the caller also needs the method.
        if (err instanceof VenusError && err.code === 'INVALID_ARGUMENT')
          throw new VenusError('INVALID_ARGUMENT', `Venus.AddDirectPiece: ${err.message}`, {
            cause: err,
            details: { method: 'Venus.AddDirectPiece', ...(err.details ?? {}) },
          })
        throw err
      }
    }),
    m('ListDirectPieces', 1, async (r) =>
      (await mgr.listDirectPieces(directPieceFilterFromWire(r, 0))).map(directPieceToWire),
    ),
    m('RemoveDirectPiece', 1, async (r) => {
      await mgr.removeDirectPiece(r.uint(r.at(0), 'params[0]'))
      return null
    }),
    m('PollTerminateSectorState', 1, async (r) =>
      terminationToWire(await mgr.pollTerminateSectorState(sid(r, 0))),
    ),
    // Persist stores and sector repairs (see operator-api.ts).
    ...operatorApiMethods(mgr),
  ]
  return { ...Object.fromEntries(table), ...createRepairApi(mgr, limits) }
}

/** The `Venus.*` method names this manager serves. */
export function sealerApiMethodNames(): string[] {
  return Object.keys(createSealerApi({} as SectorManager)).sort()
}
