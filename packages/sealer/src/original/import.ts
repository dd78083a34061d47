/**
 * Taking over the sector an original venus-worker (v0.1.2) was sealing: its record is read from
 * the sealing store's RocksDB and written as this worker's `meta/info.json`, so the thread goes
 * on from the same step with the same scratch files (both workers lay out `data/` alike). The
 * RocksDB files are kept, next to a marker saying they were imported.
 */
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ORIGINAL_META_IMPORTED_FILE, originalWorkerMetaFiles, VenusError } from '@venus-cluster/core'
import { emptySectorRecord, type SectorPhases, type SectorRecord, SectorRecordStore } from '../record.js'
import { SEALING_STATES, type SealingState } from '../states.js'
import { readOriginalMeta } from './meta-db.js'
import { ORIGINAL_SECTOR_KEY, type OriginalSector } from './v012-sector.js'

/** What {@link planOriginalImport} decided for one sealing store. */
export interface OriginalImportPlan {
  location: string
  /**
   * `take-over`: the record is converted and the thread goes on from `toState`; `nothing`: no
   * sector in flight (empty, finished or aborted), the thread starts a new one; `refuse`: see
   * `reason`.
   */
  action: 'take-over' | 'nothing' | 'refuse'
  /** The sector, when the record has one (`m-<miner>-n-<number>`). */
  sector?: string | undefined
  fromState?: string | undefined
  toState?: SealingState | undefined
  reason: string
  /** The record this worker would write (take-over only). */
  record?: SectorRecord | undefined
}

const b64 = (bytes: readonly number[]) => Buffer.from(Uint8Array.from(bytes)).toString('base64')
const stateName = (i: number | null | undefined) =>
  i === null || i === undefined ? undefined : SEALING_STATES[i]

function bytesField(v: unknown, n: number | undefined, field: string): number[] {
  if (
    !Array.isArray(v) ||
    v.some((x) => !Number.isInteger(x) || x < 0 || x > 255) ||
    (n !== undefined && v.length !== n)
  )
    throw new VenusError('STORE_IO', `field ${field}: not ${n ?? 'a list of'} bytes`, { details: { field } })
  return v as number[]
}

/**
 * Converts an original record to this worker's, deciding where the sector goes on.
 *
 * @example
 * ```ts
 * convertOriginalSector(JSON.parse(text), '/data/store1').toState // e.g. 'PC1Done'
 * ```
 */
export function convertOriginalSector(o: OriginalSector, location: string): OriginalImportPlan {
  const from = stateName(o.state)
  const sector = o.base ? `m-${o.base.allocated.ID.Miner}-n-${o.base.allocated.ID.Number}` : undefined
  const plan = { location, sector, fromState: from ?? String(o.state) }
  if (o.version !== 1)
    return { ...plan, action: 'refuse', reason: `record version ${o.version} is not 1 (v0.1.x)` }
  if (from === undefined)
    return { ...plan, action: 'refuse', reason: `state ${o.state} is not a known state` }
  if (o.plan !== null && o.plan !== 'sealer')
    return { ...plan, action: 'refuse', reason: `plan ${o.plan}: only sealing sectors are taken over` }
  if (from === 'SnapEncoded' || from === 'SnapProved')
    return { ...plan, action: 'refuse', reason: `${from}: snap-up sectors are not taken over` }
  if (from === 'Empty' || from === 'Finished' || from === 'Aborted' || o.base === null)
    return { ...plan, action: 'nothing', reason: `${from}: no sector in flight; the thread starts a new one` }

  const p = o.phases
  const phases: SectorPhases = {
    ...emptySectorRecord().phases,
    pieces:
      p.pieces === null
        ? null
        : p.pieces.map((x, i) => ({
            commitment: b64(bytesField(x.commitment, 32, `phases.pieces[${i}].commitment`)),
            // The original keeps the unpadded size; this worker the padded one.
            size: (x.size * 128) / 127,
          })),
    ticket: p.ticket,
    pc2out:
      p.pc2out === null
        ? null
        : {
            comm_r: b64(bytesField(p.pc2out.comm_r, 32, 'phases.pc2out.comm_r')),
            comm_d: b64(bytesField(p.pc2out.comm_d, 32, 'phases.pc2out.comm_d')),
          },
    pc2_re_submit: p.pc2_re_submit,
    persist_instance: p.persist_instance,
    seed: p.seed,
    c2out:
      p.c2out === null ? null : { proof: b64(bytesField(p.c2out.proof, undefined, 'phases.c2out.proof')) },
    c2_re_submit: p.c2_re_submit,
  }
  let to: SealingState = from
  const notes: string[] = []
  if (
    from === 'PC1Done' ||
    (SEALING_STATES.indexOf(from) > SEALING_STATES.indexOf('PC1Done') && p.pc1out !== null)
  ) {
    // filecoin-proofs-api's PC1 output has the same serde form in the original's v11 and in the
    // v19 the native backend uses: its JSON bytes are what PC2 takes.
    phases.pc1out = p.pc1out === null ? null : Buffer.from(JSON.stringify(p.pc1out)).toString('base64')
  }
  if (from === 'C1Done') {
    // C1's output is not carried over (its vanilla proofs are version-bound and large): C1 runs
    // again from the replica and cache, with the same seed.
    to = 'SeedAssigned'
    notes.push('C1 runs again')
  }
  const record: SectorRecord = {
    version: 1,
    plan: 'sealer',
    state: SEALING_STATES.indexOf(to),
    state_name: to,
    prev_state: o.prev_state ?? null,
    retry: 0,
    base: {
      allocated: o.base.allocated,
      prove_input: [b64(bytesField(o.base.prove_input[0], 32, 'base.prove_input[0]')), o.base.prove_input[1]],
    },
    deals: o.deals,
    phases,
  }
  return {
    ...plan,
    action: 'take-over',
    toState: to,
    reason: `goes on from ${to}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
    record,
  }
}

/** Options of {@link planOriginalImport} and {@link importOriginalStore}. */
export interface OriginalImportOptions {
  /**
   * The record exported from the RocksDB beforehand (the value of `meta/info`), for databases
   * the binding cannot read (compressed table files); the RocksDB is then not opened.
   */
  record?: Uint8Array | undefined
}

/**
 * Reads the original worker's record in a sealing store and decides what happens to it; writes
 * nothing.
 *
 * @example
 * ```ts
 * const plan = await planOriginalImport('/data/store1')
 * console.log(plan.action, plan.sector, plan.reason)
 * ```
 */
export async function planOriginalImport(
  dir: string,
  opts: OriginalImportOptions = {},
): Promise<OriginalImportPlan> {
  const location = resolve(dir)
  const files = await originalWorkerMetaFiles(location)
  if (files.length === 0)
    throw new VenusError(
      'INVALID_ARGUMENT',
      `${location}: no metadata of the original venus-worker in meta/`,
      {
        details: { location },
      },
    )
  const value =
    opts.record !== undefined
      ? Buffer.from(opts.record)
      : await readOriginalMeta(location, ORIGINAL_SECTOR_KEY)
  if (value === undefined)
    return {
      location,
      action: 'nothing',
      reason: `no ${ORIGINAL_SECTOR_KEY} record; the thread starts a new one`,
    }
  let o: OriginalSector
  try {
    o = JSON.parse(value.toString('utf8')) as OriginalSector
  } catch (err) {
    throw new VenusError(
      'STORE_IO',
      `${location}/meta: ${ORIGINAL_SECTOR_KEY} is not JSON (${(err as Error).message})`,
      {
        details: { location },
      },
    )
  }
  try {
    return convertOriginalSector(o, location)
  } catch (err) {
    if (err instanceof VenusError)
      throw new VenusError('STORE_IO', `${location}/meta: ${ORIGINAL_SECTOR_KEY}: ${err.message}`, {
        details: { location, ...((err.details as object | undefined) ?? {}) },
      })
    throw err
  }
}

/**
 * Takes over the original worker's sector in a sealing store: writes `meta/info.json` (unless
 * this worker already has a record there) and the marker that lets the store be used. A
 * refused record is left alone and reported.
 *
 * @example
 * ```ts
 * const done = await importOriginalStore('/data/store1')
 * done.action // 'take-over'
 * ```
 */
export async function importOriginalStore(
  dir: string,
  opts: OriginalImportOptions = {},
): Promise<OriginalImportPlan> {
  const plan = await planOriginalImport(dir, opts)
  if (plan.action === 'refuse') return plan
  const rs = new SectorRecordStore(plan.location)
  if (plan.record !== undefined) {
    const existing = await rs.load()
    if (existing !== undefined && existing.state_name !== 'Empty')
      throw new VenusError(
        'ALREADY_EXISTS',
        `${plan.location}: this worker has a sector in meta/info.json already (${existing.state_name}); nothing imported`,
        { details: { location: plan.location } },
      )
    await rs.save(plan.record)
  }
  await writeFile(
    join(plan.location, 'meta', ORIGINAL_META_IMPORTED_FILE),
    `${JSON.stringify({ importedAt: new Date().toISOString(), sector: plan.sector ?? null, from: plan.fromState ?? null, to: plan.toState ?? null }, null, 2)}\n`,
  )
  return plan
}
