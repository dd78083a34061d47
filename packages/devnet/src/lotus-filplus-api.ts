/**
 * The Lotus v1 read methods of Fil+ and the market served by the devnet: allocations, claims,
 * DataCap of clients and verifiers, the registry's root key, and market deals — in Lotus' JSON
 * (actor ids inside allocations and claims as bare numbers, maps keyed by decimal ids, DataCap as
 * a decimal string of bytes, `null` where Lotus answers nil).
 */
import { DATACAP_TOKEN_PRECISION, type RpcMethod, VenusError } from '@venus-cluster/core'
import type { Devnet } from './devnet.js'
import { cidJson } from './json.js'
import { arity, num, str, tsParam } from './lotus-api.js'
import type { AllocationState, DealState, StoredClaim, WorldState } from './state.js'

/** Lotus JSON of an allocation. */
export function allocationJson(a: AllocationState): Record<string, unknown> {
  return {
    Client: a.client,
    Provider: a.provider,
    Data: cidJson(a.data),
    Size: a.size,
    TermMin: a.termMin,
    TermMax: a.termMax,
    Expiration: a.expiration,
  }
}

/** Lotus JSON of a claim. */
export function claimJson(c: StoredClaim): Record<string, unknown> {
  return {
    Provider: c.provider,
    Client: c.client,
    Data: cidJson(c.data),
    Size: c.size,
    TermMin: c.termMin,
    TermMax: c.termMax,
    TermStart: c.termStart,
    Sector: c.sector,
  }
}

/** Lotus JSON of a market deal (proposal and state; epochs -1 while not activated). */
export function marketDealJson(d: DealState, idAddress: (id: number) => string): Record<string, unknown> {
  return {
    Proposal: {
      PieceCID: cidJson(d.pieceCid),
      PieceSize: d.pieceSize,
      VerifiedDeal: d.verified,
      Client: idAddress(d.client),
      Provider: idAddress(d.provider),
      Label: '',
      StartEpoch: d.startEpoch,
      EndEpoch: d.endEpoch,
      StoragePricePerEpoch: '0',
      ProviderCollateral: '0',
      ClientCollateral: '0',
    },
    State: {
      SectorNumber: d.sectorNumber ?? 0,
      SectorStartEpoch: d.sectorStartEpoch,
      LastUpdatedEpoch: -1,
      SlashEpoch: -1,
    },
  }
}

/**
 * The `Filecoin.State*` Fil+ and market read methods of a devnet (merged into `lotusMethods`).
 *
 * @example
 * ```ts
 * const claims = await filplusMethods(devnet)['Filecoin.StateGetClaims']!(['t01000', []], {})
 * ```
 */
export function filplusMethods(devnet: Devnet): Record<string, RpcMethod> {
  const world = (method: string, tsk: unknown): WorldState => devnet.worldAt(tsParam(devnet, method, tsk))
  /** The actor id of an address param (Lotus looks it up first: an unknown one is an error). */
  const actorId = (method: string, w: WorldState, v: unknown, what: string): number => {
    const a = str(method, v, what)
    const id = devnet.resolve(a, w)
    if (id === undefined)
      throw new VenusError('ACTOR_NOT_FOUND', `actor not found: ${a}`, { details: { address: a } })
    return id
  }
  const allocationsOf = (w: WorldState, keep: (a: AllocationState) => boolean) =>
    Object.fromEntries(
      [...w.verifreg.allocations]
        .filter(([, a]) => keep(a))
        .map(([id, a]) => [String(id), allocationJson(a)]),
    )
  const claimsOf = (w: WorldState, keep: (c: StoredClaim) => boolean) =>
    Object.fromEntries(
      [...w.verifreg.claims].filter(([, c]) => keep(c)).map(([id, c]) => [String(id), claimJson(c)]),
    )
  const bytesOfTokens = (atto: bigint) => (atto / DATACAP_TOKEN_PRECISION).toString()

  return {
    'Filecoin.StateGetAllocation': (params) => {
      const m = 'StateGetAllocation'
      arity(m, params, 3)
      const w = world(m, params[2])
      const client = actorId(m, w, params[0], 'client address')
      const a = w.verifreg.allocations.get(num(m, params[1], 'allocation id'))
      return a === undefined || a.client !== client ? null : allocationJson(a)
    },
    'Filecoin.StateGetAllocations': (params) => {
      const m = 'StateGetAllocations'
      arity(m, params, 2)
      const w = world(m, params[1])
      const client = actorId(m, w, params[0], 'client address')
      return allocationsOf(w, (a) => a.client === client)
    },
    'Filecoin.StateGetAllAllocations': (params) => {
      arity('StateGetAllAllocations', params, 1)
      return allocationsOf(world('StateGetAllAllocations', params[0]), () => true)
    },
    'Filecoin.StateGetAllocationIdForPendingDeal': (params) => {
      const m = 'StateGetAllocationIdForPendingDeal'
      arity(m, params, 2)
      const w = world(m, params[1])
      return w.pendingDealAllocations.get(num(m, params[0], 'deal id')) ?? 0
    },
    'Filecoin.StateGetAllocationForPendingDeal': (params) => {
      const m = 'StateGetAllocationForPendingDeal'
      arity(m, params, 2)
      const w = world(m, params[1])
      const id = w.pendingDealAllocations.get(num(m, params[0], 'deal id'))
      const a = id === undefined ? undefined : w.verifreg.allocations.get(id)
      return a === undefined ? null : allocationJson(a)
    },
    'Filecoin.StateGetClaim': (params) => {
      const m = 'StateGetClaim'
      arity(m, params, 3)
      const w = world(m, params[2])
      const provider = actorId(m, w, params[0], 'provider address')
      const c = w.verifreg.claims.get(num(m, params[1], 'claim id'))
      return c === undefined || c.provider !== provider ? null : claimJson(c)
    },
    'Filecoin.StateGetClaims': (params) => {
      const m = 'StateGetClaims'
      arity(m, params, 2)
      const w = world(m, params[1])
      const provider = actorId(m, w, params[0], 'provider address')
      return claimsOf(w, (c) => c.provider === provider)
    },
    'Filecoin.StateGetAllClaims': (params) => {
      arity('StateGetAllClaims', params, 1)
      return claimsOf(world('StateGetAllClaims', params[0]), () => true)
    },
    'Filecoin.StateVerifiedClientStatus': (params) => {
      const m = 'StateVerifiedClientStatus'
      arity(m, params, 2)
      const w = world(m, params[1])
      const atto = w.datacap.get(actorId(m, w, params[0], 'address'))
      return atto === undefined ? null : bytesOfTokens(atto)
    },
    'Filecoin.StateVerifierStatus': (params) => {
      const m = 'StateVerifierStatus'
      arity(m, params, 2)
      const w = world(m, params[1])
      const cap = w.verifreg.verifiers.get(actorId(m, w, params[0], 'address'))
      return cap === undefined ? null : cap.toString()
    },
    'Filecoin.StateVerifiedRegistryRootKey': (params) => {
      arity('StateVerifiedRegistryRootKey', params, 1)
      return devnet.idAddress(world('StateVerifiedRegistryRootKey', params[0]).verifreg.rootKey)
    },
    'Filecoin.StateMarketStorageDeal': (params) => {
      const m = 'StateMarketStorageDeal'
      arity(m, params, 2)
      const id = num(m, params[0], 'deal id')
      const d = world(m, params[1]).deals.get(id)
      if (d === undefined)
        throw new VenusError('NOT_FOUND', `deal ${id} not found`, { details: { deal: id } })
      return marketDealJson(d, (x) => devnet.idAddress(x))
    },
  }
}
