/**
 * Snap-up (SnapDeals): CC sectors upgraded with deal data — candidates, allocation, update proof
 * checks, batched `ProveReplicaUpdates3`, landing and finality cleanup.
 *
 * @packageDocumentation
 */
export { buildProveReplicaUpdates3, dataPieces } from './build.js'
export { candidateProblem, SnapCandidates } from './candidates.js'
export {
  DEFAULT_SNAP_UP_POLICY,
  type SnapUpAllocation,
  type SnapUpEvents,
  type SnapUpPolicy,
  SnapUpService,
  type SnapUpServiceOptions,
  type SnapUpSubmission,
} from './service.js'
export type * from './types.js'
