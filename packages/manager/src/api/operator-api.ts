/**
 * The operator's `Venus.*` methods: persist-store placement and management, and repairs of
 * single sectors. Each checks every param first; the repairs and `StoreDetach` take an `apply`
 * flag and answer with their plan either way.
 */
import { VenusError } from '@venus-cluster/core'
import type { SectorManager } from '../manager.js'
import { indexStoreSectors, planStoreDetach } from '../stores/index.js'
import {
  dealSectorToWire,
  detachPlanToWire,
  sectorPlanToWire,
  storeBasicToWire,
  storeStatusToWire,
} from './operator-wire.js'
import { ParamReader } from './params.js'
import type { VenusMethod } from './sealer-api.js'

/** Names a worker may offer as candidates in one `StoreReserveSpace`. */
const MAX_CANDIDATES = 1024
/** Bytes of a store name or path. */
const NAME_BYTES = 4096
/** Miners listed in a store's allow or deny list. */
const MAX_MINER_LIST = 10_000

/**
 * The operator method table over a manager, merged into `createSealerApi`'s.
 *
 * @example
 * ```ts
 * const methods = { ...createSealerApi(mgr) } // includes Venus.StoreList, Venus.SectorFinalize, …
 * ```
 */
export function operatorApiMethods(mgr: SectorManager): [string, VenusMethod][] {
  const m = (name: string, count: number, fn: (r: ParamReader) => unknown): [string, VenusMethod] => {
    const full = `Venus.${name}`
    return [full, (params) => fn(new ParamReader(full, params, count))]
  }
  const sid = (r: ParamReader, i: number) => r.sectorId(r.at(i), `params[${i}]`)
  const minerList = (r: ParamReader, v: unknown, path: string): number[] => {
    if (v === undefined || v === null) return []
    const list = r.uintList(v, path)
    if (list.length > MAX_MINER_LIST)
      r.fail(path, `at most ${MAX_MINER_LIST} miner ids`, `${list.length} ids`)
    return list
  }
  return [
    m('StoreReserveSpace', 3, async (r) => {
      const id = sid(r, 0)
      const size = r.uint(r.at(1), 'params[1]')
      const raw = r.at(2)
      if (raw !== null && !Array.isArray(raw)) r.fail('params[2]', 'an array of store names or null', raw)
      const candidates: unknown[] = raw === null ? [] : (raw as unknown[])
      if (candidates.length > MAX_CANDIDATES)
        r.fail('params[2]', `at most ${MAX_CANDIDATES} store names`, `${candidates.length} names`)
      const names = candidates.map((c, i) => r.string(c, `params[2][${i}]`, NAME_BYTES))
      const s = await mgr.reserveStoreSpace(id, size, names)
      return s === undefined ? null : storeBasicToWire(s)
    }),
    m('StoreBasicInfo', 1, (r) => {
      const s = mgr.stores.get(r.string(r.at(0), 'params[0]', NAME_BYTES))
      return s === undefined ? null : storeBasicToWire(s)
    }),
    m('StoreList', 0, async () => (await mgr.stores.status()).map(storeStatusToWire)),
    m('StoreReleaseReserved', 1, async (r) => (await mgr.stores.release(sid(r, 0))) !== undefined),
    m('StoreAttach', 1, async (r) => {
      const o = r.object(r.at(0), 'params[0]')
      const opt = <T>(v: unknown, read: (v: unknown) => T): T | undefined =>
        v === undefined || v === null ? undefined : read(v)
      const path = r.string(o.Path, 'params[0].Path', NAME_BYTES)
      if (path === '') r.fail('params[0].Path', 'a directory path', path)
      const weight = opt(o.Weight, (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
          return r.fail('params[0].Weight', 'a number >= 0', v)
        return v
      })
      const allowMiners = minerList(r, o.AllowMiners, 'params[0].AllowMiners')
      const denyMiners = minerList(r, o.DenyMiners, 'params[0].DenyMiners')
      const both = allowMiners.find((x) => denyMiners.includes(x))
      if (both !== undefined) r.fail('params[0].DenyMiners', 'miners not also in AllowMiners', both)
      const store = await mgr.stores.attach({
        path,
        name: opt(o.Name, (v) => r.string(v, 'params[0].Name', NAME_BYTES)),
        readOnly: opt(o.ReadOnly, (v) => r.bool(v, 'params[0].ReadOnly')),
        strict: opt(o.Strict, (v) => r.bool(v, 'params[0].Strict')),
        weight,
        allowMiners,
        denyMiners,
      })
      const index = opt(o.Index, (v) => r.bool(v, 'params[0].Index')) ?? false
      const split = opt(o.AllowSplitted, (v) => r.bool(v, 'params[0].AllowSplitted')) ?? false
      const indexed = index
        ? await indexStoreSectors(mgr.store, store.name, store.path, { allowSplitted: split })
        : { sealed: [], cache: [] }
      return {
        Store: storeBasicToWire(store),
        Indexed: { Sealed: indexed.sealed.length, Cache: indexed.cache.length },
      }
    }),
    m('StoreDetach', 2, async (r) => {
      const name = r.string(r.at(0), 'params[0]', NAME_BYTES)
      const o = r.object(r.at(1), 'params[1]')
      const plan = await planStoreDetach(mgr.context, mgr.stores, name, {
        apply: r.bool(o.Apply, 'params[1].Apply'),
        force: r.bool(o.Force ?? false, 'params[1].Force'),
      })
      return detachPlanToWire(plan)
    }),
    m('SectorFinalize', 2, async (r) =>
      sectorPlanToWire(await mgr.admin.finalize(sid(r, 0), { apply: r.bool(r.at(1), 'params[1]') })),
    ),
    m('SectorResendPreCommit', 3, async (r) =>
      sectorPlanToWire(
        await mgr.admin.resendPreCommit(sid(r, 0), {
          apply: r.bool(r.at(1), 'params[1]'),
          force: r.bool(r.at(2), 'params[2]'),
        }),
      ),
    ),
    m('SectorResendProof', 3, async (r) =>
      sectorPlanToWire(
        await mgr.admin.resendProof(sid(r, 0), {
          apply: r.bool(r.at(1), 'params[1]'),
          force: r.bool(r.at(2), 'params[2]'),
        }),
      ),
    ),
    m('FindSectorsWithDeal', 1, async (r) => {
      const deal = r.uint(r.at(0), 'params[0]')
      if (deal === 0)
        throw new VenusError(
          'INVALID_ARGUMENT',
          'Venus.FindSectorsWithDeal: deal 0 is a filler piece, not a deal',
        )
      return (await mgr.admin.findDeal(deal)).map(dealSectorToWire)
    }),
  ]
}
