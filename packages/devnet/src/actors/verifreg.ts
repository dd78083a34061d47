/**
 * The verified registry actor (f06), as far as Fil+ onboarding needs it: verifiers and verified
 * clients (DataCap minted at f07), allocations made by DataCap transfers, claims made when a miner
 * activates verified pieces, claim term extension, and removal of expired allocations and
 * claims. Checks and exit codes follow builtin-actors v18.
 */
import {
  type AllocationsResponse,
  type BatchReturn,
  type ClaimTerm,
  DATACAP_TOKEN_PRECISION,
  decodeAllocationRequests,
  decodeExtendClaimTerms,
  decodeGetClaims,
  decodeRemoveExpiredAllocations,
  decodeRemoveExpiredClaims,
  decodeVerifierParams,
  ExitCode,
  encodeBatchReturn,
  encodeGetClaimsReturn,
  encodeRemoveExpiredAllocationsReturn,
  encodeRemoveExpiredClaimsReturn,
  SingletonActor,
  VERIFIED_POLICY,
  VerifregMethod,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { ActorAbort, type ActorRuntime, require } from '../actor-types.js'
import { decodeParams } from '../params-codec.js'
import { type AllocationState, resolveOrCreateAccount, type StoredClaim } from '../state.js'
import type { ActorCall, ActorCode } from './actor.js'

/** One verified piece a miner claims while activating a sector. */
export interface AllocationClaim {
  client: number
  allocationId: number
  /** Piece CID. */
  data: string
  size: number
}

/** The claims of one sector (`SectorAllocationClaims`); `expiry` is the sector's expiration. */
export interface SectorAllocationClaims {
  sector: number
  expiry: number
  claims: AllocationClaim[]
}

/** What {@link claimAllocations} answers: per-sector results and the space claimed per success. */
export interface ClaimAllocationsResult {
  sectorResults: BatchReturn
  /** Claimed bytes of each successful sector, in input order. */
  claimedSpace: bigint[]
}

const f06 = SingletonActor.VerifiedRegistry

function balanceOf(rt: ActorRuntime, id: number): bigint {
  return rt.world.datacap.get(id) ?? 0n
}

function credit(rt: ActorRuntime, id: number, amount: bigint): void {
  rt.world.datacap.set(id, balanceOf(rt, id) + amount)
}

function debit(rt: ActorRuntime, id: number, amount: bigint, what: string): void {
  const have = balanceOf(rt, id)
  require(have >= amount, ExitCode.ErrInsufficientFunds, `${what}: DataCap balance ${have} < ${amount}`)
  rt.world.datacap.set(id, have - amount)
}

/** Bytes → DataCap tokens. */
const tokens = (bytes: bigint | number) => BigInt(bytes) * DATACAP_TOKEN_PRECISION

/** The smallest allocation the devnet accepts: actors built with small deals (256 bytes). */
const MIN_ALLOCATION_SIZE = VERIFIED_POLICY.minimumAllocationSizeSmallDeals

class BatchGen {
  readonly fails: { index: number; code: number }[] = []
  #n = 0
  ok(): void {
    this.#n++
  }
  fail(code: number): void {
    this.fails.push({ index: this.#n++, code })
  }
  done(): BatchReturn {
    return { successCount: this.#n - this.fails.length, failCodes: this.fails }
  }
}

/** Verifreg.AddVerifier (2): the root key grants a verifier an allowance. */
export function addVerifier(rt: ActorRuntime, address: string, allowance: bigint): void {
  const reg = rt.world.verifreg
  require(rt.caller === reg.rootKey, ExitCode.ErrForbidden, 'caller is not the verified registry root key')
  require(allowance >=
    BigInt(
      MIN_ALLOCATION_SIZE,
    ), ExitCode.ErrIllegalArgument, `allowance ${allowance} below minimum deal size ${MIN_ALLOCATION_SIZE}`)
  const id = resolveOrCreateAccount(rt.world, address)
  require(id !== undefined, ExitCode.ErrIllegalArgument, `verifier ${address} cannot be resolved`)
  require(id !== reg.rootKey, ExitCode.ErrIllegalArgument, 'root key cannot be a verifier')
  require(balanceOf(rt, id) ===
    0n, ExitCode.ErrIllegalArgument, `verified client ${address} cannot become a verifier`)
  reg.verifiers.set(id, allowance)
}

/** Verifreg.AddVerifiedClient (4): a verifier grants a client DataCap (minted at f07). */
export function addVerifiedClient(rt: ActorRuntime, address: string, allowance: bigint): void {
  const reg = rt.world.verifreg
  require(allowance >=
    BigInt(
      MIN_ALLOCATION_SIZE,
    ), ExitCode.ErrIllegalArgument, `allowance ${allowance} below minimum deal size ${MIN_ALLOCATION_SIZE}`)
  const verifierCap = reg.verifiers.get(rt.caller)
  require(verifierCap !== undefined, ExitCode.ErrNotFound, `no such verifier ${rt.idAddress(rt.caller)}`)
  const client = resolveOrCreateAccount(rt.world, address)
  require(client !== undefined, ExitCode.ErrIllegalArgument, `client ${address} cannot be resolved`)
  require(client !== reg.rootKey &&
    !reg.verifiers.has(
      client,
    ), ExitCode.ErrIllegalArgument, 'root key or a verifier cannot be a verified client')
  require(verifierCap >=
    allowance, ExitCode.ErrIllegalArgument, `add more DataCap (${allowance}) than the verifier's allowance (${verifierCap})`)
  reg.verifiers.set(rt.caller, verifierCap - allowance)
  credit(rt, client, tokens(allowance))
}

/**
 * The receiver hook of f06 for a DataCap transfer from `from` (f07's `Transfer`): creates the
 * requested allocations and extends the requested claims. The amount must pay for exactly the
 * new allocations' sizes plus the extended claims' sizes; any invalid request aborts the whole
 * transfer. Extension DataCap is burned at once; allocation DataCap stays with f06.
 */
export function receiveDatacap(
  rt: ActorRuntime,
  from: number,
  amount: bigint,
  operatorData: Uint8Array,
): AllocationsResponse {
  const reg = rt.world.verifreg
  const reqs = decodeParams('AllocationRequests', operatorData, decodeAllocationRequests)
  const e = rt.epoch
  let total = 0n
  const ids: number[] = []
  for (const [i, a] of reqs.allocations.entries()) {
    const at = `allocation ${i}`
    require(a.size >=
      MIN_ALLOCATION_SIZE, ExitCode.ErrIllegalArgument, `${at}: size ${a.size} below minimum ${MIN_ALLOCATION_SIZE}`)
    require(a.termMin >=
      VERIFIED_POLICY.minimumAllocationTerm, ExitCode.ErrIllegalArgument, `${at}: term min ${a.termMin} below ${VERIFIED_POLICY.minimumAllocationTerm}`)
    require(a.termMax <=
      VERIFIED_POLICY.maximumAllocationTerm, ExitCode.ErrIllegalArgument, `${at}: term max ${a.termMax} above ${VERIFIED_POLICY.maximumAllocationTerm}`)
    require(a.termMin <=
      a.termMax, ExitCode.ErrIllegalArgument, `${at}: term min ${a.termMin} above term max ${a.termMax}`)
    require(a.expiration >=
      e, ExitCode.ErrIllegalArgument, `${at}: expiration ${a.expiration} before current epoch ${e}`)
    require(a.expiration <=
      e +
        VERIFIED_POLICY.maximumAllocationExpiration, ExitCode.ErrIllegalArgument, `${at}: expiration ${a.expiration} more than ${VERIFIED_POLICY.maximumAllocationExpiration} epochs ahead`)
    require(rt.world.miners.has(
      a.provider,
    ), ExitCode.ErrIllegalArgument, `${at}: provider ${a.provider} is not a miner`)
    const id = reg.nextAllocationId++
    reg.allocations.set(id, {
      client: from,
      provider: a.provider,
      data: a.data.toString(),
      size: a.size,
      termMin: a.termMin,
      termMax: a.termMax,
      expiration: a.expiration,
    })
    ids.push(id)
    total += BigInt(a.size)
  }
  let extended = 0n
  for (const [i, x] of reqs.extensions.entries()) {
    const at = `extension ${i}`
    const c = reg.claims.get(x.claim)
    require(c !== undefined &&
      c.provider === x.provider, ExitCode.ErrNotFound, `${at}: no claim ${x.claim} of provider ${x.provider}`)
    require(x.termMax <=
      e +
        VERIFIED_POLICY.maximumAllocationTerm -
        c.termStart, ExitCode.ErrIllegalArgument, `${at}: term max ${x.termMax} beyond five years from now`)
    require(x.termMax >
      c.termMax, ExitCode.ErrIllegalArgument, `${at}: term max ${x.termMax} not above ${c.termMax}`)
    require(e <= c.termStart + c.termMax, ExitCode.ErrForbidden, `${at}: claim ${x.claim} expired`)
    c.termMax = x.termMax
    extended += BigInt(c.size)
  }
  const want = tokens(total + extended)
  require(amount ===
    want, ExitCode.ErrIllegalArgument, `DataCap transferred ${amount} does not match the requests' ${want}`)
  // The extension part is spent at once; the allocation part waits for a claim or expiry.
  debit(rt, f06, tokens(extended), 'burning extension DataCap')
  const all = (n: number): BatchReturn => ({ successCount: n, failCodes: [] })
  return {
    allocationResults: all(ids.length),
    extensionResults: all(reqs.extensions.length),
    newAllocations: ids,
  }
}

function canClaim(
  claim: AllocationClaim,
  provider: number,
  a: AllocationState,
  e: number,
  expiry: number,
): boolean {
  const lifetime = expiry - e
  return (
    provider === a.provider &&
    claim.client === a.client &&
    claim.data === a.data &&
    claim.size === a.size &&
    e <= a.expiration &&
    lifetime >= a.termMin &&
    lifetime <= a.termMax
  )
}

/**
 * Verifreg.ClaimAllocations (9), called by miner `provider` while it activates sectors: each
 * sector's claims succeed or fail together. On success the allocations become claims (same ids,
 * `termStart` now) and their DataCap is burned. With `allOrNothing` one failure aborts.
 */
export function claimAllocations(
  rt: ActorRuntime,
  provider: number,
  sectors: readonly SectorAllocationClaims[],
  allOrNothing: boolean,
): ClaimAllocationsResult {
  require(sectors.length > 0, ExitCode.ErrIllegalArgument, 'claim allocations called with no sectors')
  const reg = rt.world.verifreg
  const gen = new BatchGen()
  const claimedSpace: bigint[] = []
  let burned = 0n
  for (const sector of sectors) {
    let code = 0
    for (const c of sector.claims) {
      const a = reg.allocations.get(c.allocationId)
      if (a === undefined || a.client !== c.client) {
        code = ExitCode.ErrNotFound
        break
      }
      if (!canClaim(c, provider, a, rt.epoch, sector.expiry)) {
        code = ExitCode.ErrForbidden
        break
      }
    }
    if (new Set(sector.claims.map((c) => c.allocationId)).size !== sector.claims.length)
      code = ExitCode.ErrNotFound
    if (code !== 0) {
      gen.fail(code)
      continue
    }
    let space = 0n
    for (const c of sector.claims) {
      const a = reg.allocations.get(c.allocationId)!
      require(!reg.claims.has(
        c.allocationId,
      ), ExitCode.ErrIllegalState, `claim ${c.allocationId} already exists`)
      reg.claims.set(c.allocationId, {
        provider,
        client: a.client,
        data: a.data,
        size: a.size,
        termMin: a.termMin,
        termMax: a.termMax,
        termStart: rt.epoch,
        sector: sector.sector,
      })
      reg.allocations.delete(c.allocationId)
      space += BigInt(a.size)
    }
    burned += space
    claimedSpace.push(space)
    gen.ok()
  }
  const results = gen.done()
  if (allOrNothing && results.failCodes.length > 0)
    throw new ActorAbort(
      ExitCode.ErrIllegalArgument,
      `failed to claim all allocations: ${JSON.stringify(results.failCodes)}`,
    )
  debit(rt, f06, tokens(burned), 'burning claimed DataCap')
  return { sectorResults: results, claimedSpace }
}

/** Verifreg.GetClaims (10): the provider's claims of the given ids, in order. */
export function getClaims(
  rt: ActorRuntime,
  provider: number,
  ids: readonly number[],
): { batch: BatchReturn; claims: StoredClaim[] } {
  const gen = new BatchGen()
  const claims: StoredClaim[] = []
  for (const id of ids) {
    const c = rt.world.verifreg.claims.get(id)
    if (c === undefined || c.provider !== provider) gen.fail(ExitCode.ErrNotFound)
    else {
      claims.push({ ...c })
      gen.ok()
    }
  }
  return { batch: gen.done(), claims }
}

/** Verifreg.ExtendClaimTerms (11): a claim's client raises its `termMax` (no DataCap). */
export function extendClaimTerms(rt: ActorRuntime, terms: readonly ClaimTerm[]): BatchReturn {
  const gen = new BatchGen()
  for (const t of terms) {
    const c = rt.world.verifreg.claims.get(t.claimId)
    if (t.termMax > VERIFIED_POLICY.maximumAllocationTerm) gen.fail(ExitCode.ErrIllegalArgument)
    else if (c === undefined || c.provider !== t.provider) gen.fail(ExitCode.ErrNotFound)
    else if (c.client !== rt.caller) gen.fail(ExitCode.ErrForbidden)
    else if (t.termMax < c.termMax) gen.fail(ExitCode.ErrIllegalArgument)
    else {
      c.termMax = t.termMax
      gen.ok()
    }
  }
  return gen.done()
}

/**
 * Verifreg.RemoveExpiredAllocations (8): anyone may remove a client's allocations that can no
 * longer be claimed (`curr ≥ expiration`); their DataCap goes back to the client. Empty `ids` =
 * every expired allocation of the client.
 */
export function removeExpiredAllocations(rt: ActorRuntime, client: number, ids: readonly number[]) {
  const reg = rt.world.verifreg
  const considered =
    ids.length > 0
      ? [...ids]
      : [...reg.allocations]
          .filter(([, a]) => a.client === client && rt.epoch >= a.expiration)
          .map(([id]) => id)
  const gen = new BatchGen()
  let recovered = 0n
  for (const id of considered) {
    const a = reg.allocations.get(id)
    if (a === undefined || a.client !== client) gen.fail(ExitCode.ErrNotFound)
    else if (rt.epoch < a.expiration) gen.fail(ExitCode.ErrForbidden)
    else {
      reg.allocations.delete(id)
      recovered += tokens(a.size)
      gen.ok()
    }
  }
  debit(rt, f06, recovered, 'returning expired allocations')
  credit(rt, client, recovered)
  return { considered, results: gen.done(), datacapRecovered: recovered }
}

/**
 * Verifreg.RemoveExpiredClaims (12): anyone may remove a provider's claims past their term
 * (`curr ≥ termStart + termMax`). Empty `ids` = every expired claim of the provider.
 */
export function removeExpiredClaims(rt: ActorRuntime, provider: number, ids: readonly number[]) {
  const reg = rt.world.verifreg
  const expired = (c: StoredClaim) => rt.epoch >= c.termStart + c.termMax
  const considered =
    ids.length > 0
      ? [...ids]
      : [...reg.claims].filter(([, c]) => c.provider === provider && expired(c)).map(([id]) => id)
  const gen = new BatchGen()
  for (const id of considered) {
    const c = reg.claims.get(id)
    if (c === undefined || c.provider !== provider) gen.fail(ExitCode.ErrNotFound)
    else if (!expired(c)) gen.fail(ExitCode.ErrForbidden)
    else {
      reg.claims.delete(id)
      gen.ok()
    }
  }
  return { considered, results: gen.done() }
}

type Method = (call: ActorCall) => Uint8Array | null

const M = VerifregMethod
const methods: Record<number, Method> = {
  [M.AddVerifier]: (call) => {
    const p = decodeParams('AddVerifier', call.params, (b) => decodeVerifierParams(b, 't'))
    addVerifier(call.rt, p.address, p.allowance)
    return null
  },
  [M.AddVerifiedClient]: (call) => {
    const p = decodeParams('AddVerifiedClient', call.params, (b) => decodeVerifierParams(b, 't'))
    addVerifiedClient(call.rt, p.address, p.allowance)
    return null
  },
  [M.RemoveExpiredAllocations]: (call) => {
    const p = decodeParams('RemoveExpiredAllocations', call.params, decodeRemoveExpiredAllocations)
    return encodeRemoveExpiredAllocationsReturn(removeExpiredAllocations(call.rt, p.client, p.allocationIds))
  },
  [M.GetClaims]: (call) => {
    const p = decodeParams('GetClaims', call.params, decodeGetClaims)
    const r = getClaims(call.rt, p.provider, p.claimIds)
    return encodeGetClaimsReturn({
      batchInfo: r.batch,
      claims: r.claims.map((c) => ({ ...c, data: CID.parse(c.data) as never })),
    })
  },
  [M.ExtendClaimTerms]: (call) =>
    encodeBatchReturn(
      extendClaimTerms(call.rt, decodeParams('ExtendClaimTerms', call.params, decodeExtendClaimTerms)),
    ),
  [M.RemoveExpiredClaims]: (call) => {
    const p = decodeParams('RemoveExpiredClaims', call.params, decodeRemoveExpiredClaims)
    return encodeRemoveExpiredClaimsReturn(removeExpiredClaims(call.rt, p.provider, p.claimIds))
  },
}
methods[M.AddVerifiedClientExported] = methods[M.AddVerifiedClient]!
methods[M.RemoveExpiredAllocationsExported] = methods[M.RemoveExpiredAllocations]!
methods[M.GetClaimsExported] = methods[M.GetClaims]!
methods[M.ExtendClaimTermsExported] = methods[M.ExtendClaimTerms]!
methods[M.RemoveExpiredClaimsExported] = methods[M.RemoveExpiredClaims]!

/** Code of the verified registry actor (messages from accounts; the miner and f07 call in-process). */
export const verifregActor: ActorCode = {
  name: 'verifreg',
  async invoke(call) {
    call.chargeAs({ method: call.method, to: 'verifreg' })
    if (call.method === M.ClaimAllocations || call.method === M.UniversalReceiverHook)
      throw new ActorAbort(
        ExitCode.ErrForbidden,
        `verified registry method ${call.method} only takes calls from ${call.method === M.ClaimAllocations ? 'miner actors' : 'the DataCap actor'}`,
      )
    const method = methods[call.method]
    if (method === undefined)
      throw new ActorAbort(
        ExitCode.ErrUnhandledMessage,
        `verified registry method ${call.method} not supported`,
      )
    return method(call)
  },
}
