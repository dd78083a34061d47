import { VenusError } from '../errors/index.js'

/** A chain epoch (30 s on mainnet). */
export type ChainEpoch = number
/** The numeric id of an actor (the `1000` of `f01000`). */
export type ActorId = number
/** A sector number, unique per miner and never reused. */
export type SectorNumber = number

/** A sector's identity: the miner's actor id and the sector number. */
export interface SectorId {
  miner: ActorId
  number: SectorNumber
}

/**
 * The directory and file basename the worker and the proofs library use for a sector:
 * `s-t0<miner>-<number>`.
 *
 * @example
 * ```ts
 * sectorName({ miner: 1000, number: 7 }) // 's-t01000-7'
 * ```
 */
export function sectorName(id: SectorId): string {
  checkActorId(id.miner, 'miner')
  checkSectorNumber(id.number)
  return `s-t0${id.miner}-${id.number}`
}

/**
 * Reads a sector name back; see {@link sectorName}.
 *
 * @example
 * ```ts
 * parseSectorName('s-t01000-7') // { miner: 1000, number: 7 }
 * ```
 */
export function parseSectorName(name: string): SectorId {
  const m = /^s-[tf]0(\d+)-(\d+)$/.exec(name)
  if (m === null) {
    throw new VenusError('INVALID_ARGUMENT', `${JSON.stringify(name)} is not a sector name like s-t01000-7`)
  }
  return { miner: checkActorId(Number(m[1]), 'miner'), number: checkSectorNumber(Number(m[2])) }
}

/** Validates an actor id: a non-negative safe integer. */
export function checkActorId(value: unknown, what = 'actor id'): ActorId {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new VenusError('INVALID_ARGUMENT', `${what} must be a non-negative integer, got ${String(value)}`)
  }
  return value
}

/** Validates a sector number: an integer in 0 … 2^63−1 that JavaScript holds exactly. */
export function checkSectorNumber(value: unknown): SectorNumber {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      `sector number must be a non-negative integer, got ${String(value)}`,
    )
  }
  return value
}
