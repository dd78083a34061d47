/**
 * Miner.ExtendSectorExpiration2 (method 32): moves the expiration of active sectors later. A
 * sector holding verified data must list every claim it holds, each kept (its term must reach the
 * new expiration) or dropped (only in the sector's last 30 days); the verified weight then counts
 * only the kept claims. Checks and exit codes follow builtin-actors v18.
 */
import { ExitCode, type ExpirationExtension2, VERIFIED_POLICY } from '@venus-cluster/core'
import { type ActorRuntime, require } from '../../actor-types.js'
import {
  type ActiveSectorState,
  activeSectors,
  type MinerState,
  SIMPLE_QA_POWER,
  writableSectors,
} from '../../state.js'
import { requireControl } from './common.js'

/** Declarations one `ExtendSectorExpiration2` may carry, and sectors it may address (policy). */
const DECLARATIONS_MAX = 3000
const ADDRESSED_SECTORS_MAX = 25_000

/** Claimed space listed for a sector: all of it, and the part kept. */
interface ClaimSpace {
  listed: bigint
  kept: bigint
}

/** Checks the claims of the declarations and sums their space per sector. */
function claimSpaceBySector(
  rt: ActorRuntime,
  m: MinerState,
  p: ExpirationExtension2[],
): Map<number, ClaimSpace> {
  const out = new Map<number, ClaimSpace>()
  const claims = rt.world.verifreg.claims
  for (const d of p) {
    for (const sc of d.sectorsWithClaims) {
      const ids = [
        ...sc.maintainClaims.map((id) => ({ id, keep: true })),
        ...sc.dropClaims.map((id) => ({ id, keep: false })),
      ]
      for (const { id, keep } of ids) {
        const c = claims.get(id)
        require(c !== undefined &&
          c.provider ===
            m.id, ExitCode.ErrIllegalArgument, `failed to get claims for sector ${sc.sectorNumber}: invalid claim ${id}`)
        require(c.sector ===
          sc.sectorNumber, ExitCode.ErrIllegalArgument, `failed to validate declaration sector=${sc.sectorNumber}, claim=${id} expected claim sector number to be ${sc.sectorNumber} but found ${c.sector}`)
        if (keep)
          require(d.newExpiration <=
            c.termStart +
              c.termMax, ExitCode.ErrForbidden, `failed to validate declaration sector=${sc.sectorNumber}, claim=${id} claim only allows extension to ${c.termStart + c.termMax} but declared new expiration is ${d.newExpiration}`)
        const space = out.get(sc.sectorNumber) ?? { listed: 0n, kept: 0n }
        space.listed += BigInt(c.size)
        if (keep) space.kept += BigInt(c.size)
        out.set(sc.sectorNumber, space)
      }
    }
  }
  return out
}

/** The sector after an extension to `newExpiration` now (weights moved to the new power base). */
function extendSector(
  rt: ActorRuntime,
  s: ActiveSectorState,
  newExpiration: number,
  claimed: Map<number, ClaimSpace>,
): ActiveSectorState {
  const e = rt.epoch
  const oldDuration = BigInt(s.expiration - s.powerBaseEpoch)
  const remaining = BigInt(s.expiration - e)
  if ((s.flags & SIMPLE_QA_POWER) === 0) {
    // Legacy sectors: the spent part of both weights goes.
    return {
      ...s,
      expiration: newExpiration,
      dealWeight: oldDuration > 0n ? (s.dealWeight * remaining) / oldDuration : 0n,
      verifiedDealWeight: oldDuration > 0n ? (s.verifiedDealWeight * remaining) / oldDuration : 0n,
      powerBaseEpoch: e,
    }
  }
  const next: ActiveSectorState = { ...s, expiration: newExpiration, powerBaseEpoch: e }
  const newDuration = BigInt(newExpiration - e)
  if (s.dealWeight > 0n) next.dealWeight = (s.dealWeight * remaining) / oldDuration
  if (s.verifiedDealWeight > 0n) {
    const oldSpace = s.verifiedDealWeight / oldDuration
    const space = claimed.get(s.sectorNumber)
    require(space !==
      undefined, ExitCode.ErrIllegalArgument, `claim missing from declaration for sector ${s.sectorNumber} with non-zero verified deal weight ${s.verifiedDealWeight}`)
    require(space.listed ===
      oldSpace, ExitCode.ErrIllegalArgument, `declared verified deal space in claims (${space.listed}) does not match verified deal space (${oldSpace}) for sector ${s.sectorNumber}`)
    require(space.kept === space.listed ||
      s.expiration - e <=
        VERIFIED_POLICY.endOfLifeClaimDropPeriod, ExitCode.ErrForbidden, `attempt to drop claims with ${s.expiration - e} epochs > end of life claim drop period ${VERIFIED_POLICY.endOfLifeClaimDropPeriod} remaining`)
    next.verifiedDealWeight = space.kept * newDuration
  }
  return next
}

/**
 * Miner.ExtendSectorExpiration2 (method 32): owner, worker or a control address; moves the
 * expiration of active sectors later, within `sectorMaxLifetime` from activation and
 * `maxSectorExpirationExtension` from now, keeping or dropping their verified claims.
 */
export function extendSectorExpiration2(rt: ActorRuntime, m: MinerState, p: ExpirationExtension2[]): void {
  requireControl(rt, m)
  require(p.length <=
    DECLARATIONS_MAX, ExitCode.ErrIllegalArgument, `too many declarations ${p.length}, max ${DECLARATIONS_MAX}`)
  const addressed = p.reduce((n, d) => n + d.sectors.length + d.sectorsWithClaims.length, 0)
  require(addressed <=
    ADDRESSED_SECTORS_MAX, ExitCode.ErrIllegalArgument, `too many sectors ${addressed}, max ${ADDRESSED_SECTORS_MAX}`)
  const e = rt.epoch
  for (const d of p)
    require(d.deadline <
      rt.params
        .wpostPeriodDeadlines, ExitCode.ErrIllegalArgument, `deadline ${d.deadline} not in range 0..${rt.params.wpostPeriodDeadlines}`)
  const claimed = claimSpaceBySector(rt, m, p)
  for (const d of p) {
    const where = `deadline ${d.deadline} partition ${d.partition}`
    const part = m.deadlines[d.deadline]?.partitions[d.partition]
    require(part !== undefined, ExitCode.ErrNotFound, `no such partition ${where}`)
    const active = activeSectors(part)
    const numbers = [...d.sectors, ...d.sectorsWithClaims.map((c) => c.sectorNumber)]
    require(new Set(numbers).size ===
      numbers.length, ExitCode.ErrIllegalArgument, `${where}: a sector is declared twice`)
    for (const n of numbers) {
      require(active.has(
        n,
      ), ExitCode.ErrIllegalArgument, `${where}: refusing to replace inactive sector ${n}`)
      const s = m.sectors.get(n)!
      require(s.expiration >=
        e, ExitCode.ErrForbidden, `cannot extend expiration for expired sector ${n} at ${s.expiration}`)
      require(d.newExpiration >=
        s.expiration, ExitCode.ErrIllegalArgument, `cannot reduce sector ${n} expiration to ${d.newExpiration} from ${s.expiration}`)
      require(d.newExpiration - s.activation <=
        rt.params
          .sectorMaxLifetime, ExitCode.ErrIllegalArgument, `sector ${n}: invalid expiration ${d.newExpiration}, total sector lifetime (${d.newExpiration - s.activation}) exceeds ${rt.params.sectorMaxLifetime}`)
      require(d.newExpiration <=
        e +
          rt.params
            .maxSectorExpirationExtension, ExitCode.ErrIllegalArgument, `sector ${n}: invalid expiration ${d.newExpiration}, cannot be more than ${rt.params.maxSectorExpirationExtension} past current epoch ${e}`)
      writableSectors(m).set(n, extendSector(rt, s, d.newExpiration, claimed))
    }
  }
}
