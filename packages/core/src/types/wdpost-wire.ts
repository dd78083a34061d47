/**
 * WindowPoSt jobs for PoSt workers (`Venus.WdPoSt*`, damocles' worker-prover): the domain types
 * the manager and the worker speak in code, the wire shapes (PascalCase, as damocles puts them on
 * the wire, with the lower-case `proofs`/`faults` of the output) and the converters between them.
 * Every converter from the wire checks shapes and bounds, since the other side is a peer.
 */
import { blake2b } from '@noble/hashes/blake2.js'
import { base58btc } from 'multiformats/bases/base58'
import { VenusError } from '../errors/index.js'
import { RegisteredPoStProof } from './proof-types.js'

/** Sectors one job may carry at most (the chain's `AddressedSectorsMax`). */
export const WDPOST_MAX_SECTORS = 25_000
/** Proof byte strings one job's output may carry at most. */
export const WDPOST_MAX_PROOFS = 16
/** Bytes of one proof at most (192 per SNARK partition; generous for every sector size). */
export const WDPOST_MAX_PROOF_BYTES = 192 * 64
/** Bytes of one vanilla proof at most. */
export const WDPOST_MAX_VANILLA_BYTES = 1 << 20
/** Longest error reason a worker may report (longer ones are cut). */
export const WDPOST_MAX_ERROR_BYTES = 4096
/** Longest store instance name in a sector's accesses. */
export const WDPOST_MAX_STORE_NAME = 256

/** Where a job stands: waiting for a worker, held by one, or done (with an error or not). */
export type WdPoStJobState = 'ready2run' | 'running' | 'finished'

/** One sector of a job: what the worker proves, and where its files are. */
export interface WdPoStSectorInput {
  sectorNumber: number
  /** 32-byte replica commitment. */
  commR: Uint8Array
  /** A snap-upgraded sector: its files are under `update/` and `update-cache/`. */
  upgrade: boolean
  /** Persist store instance holding the sealed (or updated) replica. */
  sealedStore: string
  /** Persist store instance holding the cache dir. */
  cacheStore: string
  /**
   * The sector's vanilla proof when it was made where the files are (the manager's stores); the
   * worker then computes only the SNARK. Absent: the worker reads the files itself.
   */
  vanillaProof?: Uint8Array | undefined
}

/** What a job proves: one batch of partitions of one deadline. */
export interface WdPoStJobInput {
  minerId: number
  /** `RegisteredPoStProof` id of the miner's WindowPoSt. */
  postProofType: number
  /** 32-byte challenge randomness, already a field element (`r[31] &= 0x3f`). */
  seed: Uint8Array
  sectors: WdPoStSectorInput[]
}

/** What a worker hands back: the proof bytes, or the sectors it found faulty (then no proof). */
export interface WdPoStJobOutput {
  proofs: Uint8Array[]
  faults: number[]
}

/** A job as the manager keeps it (times are Unix seconds; 0 = not yet). */
export interface WdPoStJob {
  id: string
  state: WdPoStJobState
  deadline: number
  partitions: number[]
  input: WdPoStJobInput
  output: WdPoStJobOutput | null
  /** Allocations so far (incremented each time a worker takes it). */
  tryNum: number
  /** Empty when it succeeded (or has not finished). */
  errorReason: string
  workerName: string
  startedAt: number
  heartbeatAt: number
  finishedAt: number
  createdAt: number
  updatedAt: number
}

/** Which jobs a worker may take (empty or null lists: any). */
export interface WdPoStAllocateSpec {
  allowedMiners: number[] | null
  /** PoSt proof names, e.g. `StackedDrgWindow32GiBV1_1`. */
  allowedProofTypes: string[] | null
}

// ---------------------------------------------------------------------------------------------
// Wire shapes

/** `WdPoStSectorInfo` on the wire. `VanillaProof` (base64) is this project's extension. */
export interface WireWdPoStSectorInfo {
  SectorId: number
  CommR: number[]
  Upgrade: boolean
  Accesses: { SealedFile: string; CacheDir: string }
  VanillaProof?: string
}

/** `WdPoStInput` on the wire. */
export interface WireWdPoStInput {
  Sectors: WireWdPoStSectorInfo[]
  MinerId: number
  ProofType: string
  Seed: number[]
}

/** `WindowPoStOutput` on the wire (lower-case keys, as damocles' processors write them). */
export interface WireWdPoStOutput {
  proofs: string[]
  faults: number[]
}

/** `WdPoStJob` on the wire. */
export interface WireWdPoStJob {
  Id: string
  State: WdPoStJobState
  DeadlineIdx: number
  Partitions: number[]
  Input: WireWdPoStInput
  Output: WireWdPoStOutput | null
  TryNum: number
  ErrorReason: string
  WorkerName: string
  StartedAt: number
  HeartbeatAt: number
  FinishedAt: number
  CreatedAt: number
  UpdatedAt: number
}

/** A job in `Venus.WdPoStAllJobs`: input reduced to its miner, output emptied, counts added. */
export interface WireWdPoStBriefJob extends Omit<WireWdPoStJob, 'Input' | 'Output'> {
  Input: { MinerId: number }
  Output: null
  /** Sectors the job proves. */
  Sectors: number
  /** Sectors the worker reported faulty. */
  Faults: number
}

/** The answer of `Venus.WdPoStAllJobs`. */
export interface WireWdPoStAllJobs {
  Jobs: WireWdPoStBriefJob[]
  MaxTry: number
}

// ---------------------------------------------------------------------------------------------
// Converters

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

/** The name of a PoSt proof id on the wire (`StackedDrgWindow2KiBV1_1`). */
export function postProofWireName(id: number): string {
  for (const [name, v] of Object.entries(RegisteredPoStProof)) if (v === id) return name
  throw new VenusError('PROOF_TYPE_INVALID', `unknown PoSt proof id ${id}`, { details: { proofType: id } })
}

/**
 * The wire shape of a job input.
 *
 * @example
 * ```ts
 * wdPoStInputToWire({ minerId: 1000, postProofType: 10, seed, sectors: [] }).ProofType // 'StackedDrgWindow2KiBV1_1'
 * ```
 */
export function wdPoStInputToWire(i: WdPoStJobInput): WireWdPoStInput {
  return {
    Sectors: i.sectors.map((s) => ({
      SectorId: s.sectorNumber,
      CommR: [...s.commR],
      Upgrade: s.upgrade,
      Accesses: { SealedFile: s.sealedStore, CacheDir: s.cacheStore },
      ...(s.vanillaProof ? { VanillaProof: b64(s.vanillaProof) } : {}),
    })),
    MinerId: i.minerId,
    ProofType: postProofWireName(i.postProofType),
    Seed: [...i.seed],
  }
}

/** The wire shape of a job output. */
export function wdPoStOutputToWire(o: WdPoStJobOutput): WireWdPoStOutput {
  return { proofs: o.proofs.map(b64), faults: [...o.faults] }
}

/** The wire shape of a job. */
export function wdPoStJobToWire(j: WdPoStJob): WireWdPoStJob {
  return {
    Id: j.id,
    State: j.state,
    DeadlineIdx: j.deadline,
    Partitions: [...j.partitions],
    Input: wdPoStInputToWire(j.input),
    Output: j.output === null ? null : wdPoStOutputToWire(j.output),
    TryNum: j.tryNum,
    ErrorReason: j.errorReason,
    WorkerName: j.workerName,
    StartedAt: j.startedAt,
    HeartbeatAt: j.heartbeatAt,
    FinishedAt: j.finishedAt,
    CreatedAt: j.createdAt,
    UpdatedAt: j.updatedAt,
  }
}

/** The brief wire shape `Venus.WdPoStAllJobs` lists (sector and fault counts, no input). */
export function wdPoStBriefJobToWire(j: WdPoStJob): WireWdPoStBriefJob {
  const { Input: _i, Output: _o, ...rest } = wdPoStJobToWire(j)
  return {
    ...rest,
    Input: { MinerId: j.input.minerId },
    Output: null,
    Sectors: j.input.sectors.length,
    Faults: j.output?.faults.length ?? 0,
  }
}

/** Reads wire values, naming the path of the first bad one (`Input.Sectors[3].CommR`). */
class WireReader {
  constructor(readonly what: string) {}

  fail(path: string, want: string): never {
    throw new VenusError('RPC_INVALID_PARAMS', `${this.what}: ${path} must be ${want}`, {
      details: { field: path },
    })
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object')
    return v as Record<string, unknown>
  }

  uint(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(path, 'a non-negative integer')
    return v
  }

  list(v: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'a list')
    if (v.length > max) this.fail(path, `a list of at most ${max} entries`)
    return v
  }

  string(v: unknown, path: string, maxBytes: number): string {
    if (typeof v !== 'string') this.fail(path, 'a string')
    if (Buffer.byteLength(v) > maxBytes) this.fail(path, `at most ${maxBytes} bytes`)
    return v
  }

  bytes32(v: unknown, path: string): Uint8Array {
    const l = this.list(v, path, 32)
    if (l.length !== 32 || l.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255))
      this.fail(path, 'a list of 32 bytes')
    return new Uint8Array(l as number[])
  }

  base64(v: unknown, path: string, maxBytes: number): Uint8Array {
    const s = this.string(v, path, Math.ceil(maxBytes / 3) * 4 + 4)
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) this.fail(path, 'base64')
    return new Uint8Array(Buffer.from(s, 'base64'))
  }
}

/**
 * A job input from the wire, checked (what a worker gets from `Venus.WdPoStAllocateJobs`).
 *
 * @throws VenusError `RPC_INVALID_PARAMS` naming the bad field.
 * @example
 * ```ts
 * const input = wdPoStInputFromWire(answer[0].Input)
 * ```
 */
export function wdPoStInputFromWire(v: unknown, what = 'WdPoStInput'): WdPoStJobInput {
  const r = new WireReader(what)
  const o = r.object(v, 'Input')
  const proofName = r.string(o.ProofType, 'Input.ProofType', 64)
  const postProofType: number =
    (RegisteredPoStProof as Record<string, number>)[proofName] ??
    r.fail('Input.ProofType', 'a PoSt proof name like StackedDrgWindow32GiBV1_1')
  return {
    minerId: r.uint(o.MinerId, 'Input.MinerId'),
    postProofType,
    seed: r.bytes32(o.Seed, 'Input.Seed'),
    sectors: r.list(o.Sectors, 'Input.Sectors', WDPOST_MAX_SECTORS).map((x, i) => {
      const at = `Input.Sectors[${i}]`
      const s = r.object(x, at)
      const acc = r.object(s.Accesses, `${at}.Accesses`)
      return {
        sectorNumber: r.uint(s.SectorId, `${at}.SectorId`),
        commR: r.bytes32(s.CommR, `${at}.CommR`),
        upgrade: s.Upgrade === true,
        sealedStore: r.string(acc.SealedFile, `${at}.Accesses.SealedFile`, WDPOST_MAX_STORE_NAME),
        cacheStore: r.string(acc.CacheDir, `${at}.Accesses.CacheDir`, WDPOST_MAX_STORE_NAME),
        ...(s.VanillaProof === undefined || s.VanillaProof === null
          ? {}
          : { vanillaProof: r.base64(s.VanillaProof, `${at}.VanillaProof`, WDPOST_MAX_VANILLA_BYTES) }),
      }
    }),
  }
}

/**
 * A job output from the wire, checked (what the manager gets in `Venus.WdPoStFinishJob`);
 * `null` stays `null` (a failed job).
 *
 * @throws VenusError `RPC_INVALID_PARAMS` naming the bad field.
 */
export function wdPoStOutputFromWire(v: unknown, what = 'WindowPoStOutput'): WdPoStJobOutput | null {
  if (v === null || v === undefined) return null
  const r = new WireReader(what)
  const o = r.object(v, 'output')
  return {
    proofs: r
      .list(o.proofs ?? [], 'output.proofs', WDPOST_MAX_PROOFS)
      .map((p, i) => r.base64(p, `output.proofs[${i}]`, WDPOST_MAX_PROOF_BYTES)),
    faults: r
      .list(o.faults ?? [], 'output.faults', WDPOST_MAX_SECTORS)
      .map((n, i) => r.uint(n, `output.faults[${i}]`)),
  }
}

/**
 * A job from the wire (the CLI reads `Venus.WdPoStAllJobs`' brief jobs with the fields it shows).
 *
 * @throws VenusError `RPC_INVALID_PARAMS` naming the bad field.
 */
export function wdPoStBriefJobFromWire(v: unknown): WireWdPoStBriefJob {
  const r = new WireReader('WdPoStJob')
  const o = r.object(v, 'job')
  const raw = r.string(o.State, 'job.State', 16)
  const state: WdPoStJobState =
    raw === 'ready2run' || raw === 'running' || raw === 'finished'
      ? raw
      : r.fail('job.State', 'ready2run, running or finished')
  const n = (k: string) => r.uint(o[k] ?? 0, `job.${k}`)
  return {
    Id: r.string(o.Id, 'job.Id', 128),
    State: state,
    DeadlineIdx: n('DeadlineIdx'),
    Partitions: r
      .list(o.Partitions ?? [], 'job.Partitions', 3000)
      .map((x, i) => r.uint(x, `job.Partitions[${i}]`)),
    Input: { MinerId: r.uint(r.object(o.Input, 'job.Input').MinerId, 'job.Input.MinerId') },
    Output: null,
    TryNum: n('TryNum'),
    ErrorReason: r.string(o.ErrorReason ?? '', 'job.ErrorReason', WDPOST_MAX_ERROR_BYTES * 2),
    WorkerName: r.string(o.WorkerName ?? '', 'job.WorkerName', 256),
    StartedAt: n('StartedAt'),
    HeartbeatAt: n('HeartbeatAt'),
    FinishedAt: n('FinishedAt'),
    CreatedAt: n('CreatedAt'),
    UpdatedAt: n('UpdatedAt'),
    Sectors: n('Sectors'),
    Faults: n('Faults'),
  }
}

/**
 * The id of a job: the same input always gets the same id (base58 of a 64-bit hash of the wire
 * input without vanilla proofs), so a manager that takes over a deadline finds the job its
 * predecessor published instead of publishing it twice.
 *
 * @example
 * ```ts
 * wdPoStJobId(input) // e.g. '3FgfEnvrub1'
 * ```
 */
export function wdPoStJobId(input: WdPoStJobInput): string {
  const wire = wdPoStInputToWire({ ...input, sectors: input.sectors.map(({ vanillaProof: _v, ...s }) => s) })
  const digest = blake2b(new TextEncoder().encode(JSON.stringify(wire)), { dkLen: 8 })
  return base58btc.baseEncode(digest)
}

/**
 * Whether a job is done for good: finished and either succeeded or out of tries.
 *
 * @example
 * ```ts
 * if (wdPoStJobFinished(job, 2)) deliver(job)
 * ```
 */
export function wdPoStJobFinished(
  j: Pick<WdPoStJob, 'state' | 'errorReason' | 'tryNum'>,
  maxTry: number,
): boolean {
  return j.state === 'finished' && (j.errorReason === '' || j.tryNum >= maxTry)
}

/**
 * The state `util worker wdpost list` shows: `ReadyToRun`, `Running`, `Succeed`, `Faults(n)` or
 * `Failed`.
 */
export function wdPoStDisplayState(j: Pick<WireWdPoStBriefJob, 'State' | 'ErrorReason' | 'Faults'>): string {
  if (j.State === 'ready2run') return 'ReadyToRun'
  if (j.State === 'running') return 'Running'
  if (j.ErrorReason !== '') return 'Failed'
  return j.Faults > 0 ? `Faults(${j.Faults})` : 'Succeed'
}
