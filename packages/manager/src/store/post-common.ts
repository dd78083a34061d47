/** Row conversions and checks the two engines' WindowPoSt stores share. */
import {
  postProofWireName,
  type WdPoStAllocateSpec,
  type WdPoStJobOutput,
  wdPoStInputFromWire,
  wdPoStInputToWire,
  wdPoStOutputFromWire,
  wdPoStOutputToWire,
} from '@venus-cluster/core'
import type {
  NewPostJob,
  PostLeaseKey,
  PostLeaseRow,
  PostSubmissionRow,
  StoredPostJob,
} from './post-types.js'

/** Leases and submissions are pruned this often (every Nth acquire). */
export const PRUNE_EVERY = 500

export interface LeaseRowDb {
  miner: number | string
  deadline: number | string
  open: number | string
  holder: string
  token: number | string
  acquired_at: number | string
  renewed_at: number | string
  expires_at: number | string
  released: number | string
  takeovers: number | string
}

export function leaseFromRow(r: LeaseRowDb): PostLeaseRow {
  return {
    miner: Number(r.miner),
    deadline: Number(r.deadline),
    open: Number(r.open),
    holder: r.holder,
    token: Number(r.token),
    acquiredAt: Number(r.acquired_at),
    renewedAt: Number(r.renewed_at),
    expiresAt: Number(r.expires_at),
    released: Number(r.released) === 1,
    takeovers: Number(r.takeovers),
  }
}

/**
 * What an acquire does with the current row at `now`: `grant` it (a new token, or the same for
 * its own holder), or `refuse` it while another holder's lease is live.
 */
export function leaseDecision(
  row: PostLeaseRow | undefined,
  holder: string,
  now: number,
):
  | { kind: 'insert' }
  | { kind: 'refuse' }
  | { kind: 'renew'; token: number }
  | { kind: 'take'; token: number; takenOverFrom?: string } {
  if (row === undefined) return { kind: 'insert' }
  const live = !row.released && row.expiresAt > now
  if (live && row.holder === holder) return { kind: 'renew', token: row.token }
  if (live) return { kind: 'refuse' }
  // Expired without a release: its holder stopped renewing (died, paused, cut off).
  const takenOver = !row.released && row.holder !== holder
  return { kind: 'take', token: row.token + 1, ...(takenOver ? { takenOverFrom: row.holder } : {}) }
}

/** Partition indexes as the text the submissions table keys on. */
export function partsKey(partitions: readonly number[]): string {
  return [...new Set(partitions)].sort((a, b) => a - b).join(',')
}

/** The messager UID of a submission: one per deadline, partitions and attempt, whoever sends it. */
export function submissionId(key: PostLeaseKey, parts: string, seq: number): string {
  return `wdpost-${key.miner}-${key.deadline}-${key.open}-p${parts.replace(/,/g, '.')}-${seq}`
}

export interface SubmissionRowDb {
  id: string
  miner: number | string
  deadline: number | string
  open: number | string
  parts: string
  holder: string
  token: number | string
  state: string
  created_at: number | string
}

export function submissionFromRow(r: SubmissionRowDb): PostSubmissionRow {
  return {
    id: r.id,
    miner: Number(r.miner),
    deadline: Number(r.deadline),
    open: Number(r.open),
    partitions: r.parts === '' ? [] : r.parts.split(',').map(Number),
    holder: r.holder,
    token: Number(r.token),
    state: r.state === 'failed' ? 'failed' : 'recorded',
    createdAt: Number(r.created_at),
  }
}

export interface JobRowDb {
  id: string
  state: string
  miner: number | string
  deadline: number | string
  open: number | string
  proof_type: string
  partitions: string
  input: string
  output: string | null
  try_num: number | string
  error: string
  worker: string
  started_at: number | string
  heartbeat_at: number | string
  finished_at: number | string
  created_at: number | string
  updated_at: number | string
}

export function jobFromRow(r: JobRowDb): StoredPostJob {
  return {
    id: r.id,
    state: r.state as StoredPostJob['state'],
    miner: Number(r.miner),
    deadline: Number(r.deadline),
    open: Number(r.open),
    partitions: JSON.parse(r.partitions) as number[],
    input: wdPoStInputFromWire(JSON.parse(r.input)),
    output: r.output === null ? null : wdPoStOutputFromWire(JSON.parse(r.output)),
    tryNum: Number(r.try_num),
    errorReason: r.error,
    workerName: r.worker,
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    finishedAt: Number(r.finished_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

/** Column values of a new job row, in the order of {@link JOB_INSERT_COLUMNS}. */
export function newJobValues(j: NewPostJob, now: number): unknown[] {
  return [
    j.id,
    'ready2run',
    j.miner,
    j.deadline,
    j.open,
    postProofWireName(j.input.postProofType),
    JSON.stringify(j.partitions),
    JSON.stringify(wdPoStInputToWire(j.input)),
    null,
    0,
    '',
    '',
    0,
    0,
    0,
    now,
    now,
  ]
}

export const JOB_INSERT_COLUMNS =
  'id, state, miner, deadline, open, proof_type, partitions, input, output, try_num, error, worker, started_at, heartbeat_at, finished_at, created_at, updated_at'

export function outputText(o: WdPoStJobOutput | null): string | null {
  return o === null ? null : JSON.stringify(wdPoStOutputToWire(o))
}

/** Whether a ready job may go to a worker with `spec` (empty or null lists allow any). */
export function jobMatches(spec: WdPoStAllocateSpec, miner: number, proofType: string): boolean {
  if (spec.allowedMiners && spec.allowedMiners.length > 0 && !spec.allowedMiners.includes(miner)) return false
  if (
    spec.allowedProofTypes &&
    spec.allowedProofTypes.length > 0 &&
    !spec.allowedProofTypes.includes(proofType)
  )
    return false
  return true
}

/** Unix seconds. */
export const nowSec = (): number => Math.floor(Date.now() / 1000)
