/**
 * The wire shapes of repair tasks as a `rebuild` or `unseal` thread gets them from the manager
 * (`Venus.AllocateRebuildSector`, `Venus.AllocateUnsealSector`), and their domain form. An answer
 * of the wrong shape is a Permanent failure naming the method.
 */
import type { EpochRandomness, SectorId } from '@venus-cluster/core'
import { permanent } from './failure.js'
import { dealsAnswerFromWire, type SectorDeal } from './wire.js'

/** A sector to rebuild. */
export interface RebuildTask {
  id: SectorId
  proofType: number
  /** The ticket the sector was sealed with. */
  ticket: EpochRandomness
  /** Its pieces in order; null for committed capacity. */
  deals: SectorDeal[] | null
  /** CommR on chain: the rebuilt replica must have it. */
  commR: Uint8Array
  commD: Uint8Array
  /** Only the cache is rebuilt; the sealed file in `sealedInstance` stays. */
  cacheOnly: boolean
  sealedInstance: string | null
}

/** A piece to unseal. */
export interface UnsealTask {
  id: SectorId
  proofType: number
  pieceCid: string
  /** Unpadded offset and size of the piece in the sector (multiples of 127). */
  offset: number
  size: number
  /** Payload bytes the copy is cut to. */
  payloadSize: number
  ticket: EpochRandomness
  commD: Uint8Array
  /** The persist store with the sealed file and the cache ('' for a snapped sector whose key is gone). */
  sealedInstance: string
  /** A snapped sector: decoded from its update replica and the sector key. */
  update: { replicaInstance: string; commROld: Uint8Array; commDNew: Uint8Array } | null
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isBytes32 = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length === 32 && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)

function wrong(method: string, expected: string): never {
  throw permanent(`${method}: the manager's answer is not ${expected}`)
}

function sector(method: string, v: unknown): { id: SectorId; proofType: number } {
  if (!isObject(v) || !isObject(v.ID) || !isInt(v.ID.Miner) || !isInt(v.ID.Number) || !isInt(v.ProofType))
    wrong(method, 'a task with Sector {ID: {Miner, Number}, ProofType}')
  return { id: { miner: v.ID.Miner, number: v.ID.Number }, proofType: v.ProofType }
}

function ticket(method: string, v: unknown): EpochRandomness {
  if (!isObject(v) || typeof v.Ticket !== 'string' || !isInt(v.Epoch))
    wrong(method, 'a task with Ticket {Ticket, Epoch}')
  const value = new Uint8Array(Buffer.from(v.Ticket, 'base64'))
  if (value.length !== 32) wrong(method, 'a task with a 32-byte ticket')
  return { value, epoch: v.Epoch }
}

/** `Venus.AllocateRebuildSector`'s answer; null when there is nothing to rebuild. */
export function rebuildTaskFromWire(v: unknown): RebuildTask | null {
  const method = 'AllocateRebuildSector'
  if (v === null) return null
  if (!isObject(v) || !isBytes32(v.CommR) || !isBytes32(v.CommD) || typeof v.CacheOnly !== 'boolean')
    wrong(method, 'a rebuild task {Sector, Ticket, Pieces, CommR, CommD, CacheOnly, SealedInstance} or null')
  const inst = v.SealedInstance
  if (inst !== undefined && typeof inst !== 'string') wrong(method, 'a task with SealedInstance a string')
  return {
    ...sector(method, v.Sector),
    ticket: ticket(method, v.Ticket),
    deals: v.Pieces === null || v.Pieces === undefined ? null : dealsAnswerFromWire(v.Pieces),
    commR: Uint8Array.from(v.CommR),
    commD: Uint8Array.from(v.CommD),
    cacheOnly: v.CacheOnly,
    sealedInstance: inst === undefined || inst === '' ? null : inst,
  }
}

/** `Venus.AllocateUnsealSector`'s answer; null when there is nothing to unseal. */
export function unsealTaskFromWire(v: unknown): UnsealTask | null {
  const method = 'AllocateUnsealSector'
  if (v === null) return null
  if (
    !isObject(v) ||
    !isObject(v.PieceCid) ||
    typeof v.PieceCid['/'] !== 'string' ||
    !isInt(v.Offset) ||
    !isInt(v.Size) ||
    !isBytes32(v.CommD) ||
    !isObject(v.PrivateInfo) ||
    typeof v.PrivateInfo.AccessInstance !== 'string'
  )
    wrong(method, 'an unseal task {Sector, PieceCid, Offset, Size, Ticket, CommD, PrivateInfo} or null')
  const payload = v.PayloadSize === undefined ? v.Size : v.PayloadSize
  if (!isInt(payload) || payload > v.Size) wrong(method, 'a task with PayloadSize at most Size')
  const up = v.Update
  if (
    up !== undefined &&
    up !== null &&
    (!isObject(up) ||
      typeof up.ReplicaInstance !== 'string' ||
      !isBytes32(up.CommROld) ||
      !isBytes32(up.CommDNew))
  )
    wrong(method, 'a task with Update {ReplicaInstance, CommROld, CommDNew} or null')
  return {
    ...sector(method, v.Sector),
    pieceCid: v.PieceCid['/'],
    offset: v.Offset,
    size: v.Size,
    payloadSize: payload,
    ticket: ticket(method, v.Ticket),
    commD: Uint8Array.from(v.CommD),
    sealedInstance: v.PrivateInfo.AccessInstance,
    update:
      up === undefined || up === null
        ? null
        : {
            replicaInstance: up.ReplicaInstance as string,
            commROld: Uint8Array.from(up.CommROld as number[]),
            commDNew: Uint8Array.from(up.CommDNew as number[]),
          },
  }
}
