/**
 * Enumerations of the `Venus.*` sealer API that the manager answers with and the worker acts on
 * (spec/venus-cluster.md §1.3), as the integers the Go manager and the Rust worker put on the wire.
 */

/**
 * `SubmitResult` of `SubmitPreCommit`, `SubmitPersisted` and `SubmitProof`.
 *
 * @example
 * ```ts
 * if (res.Res === SubmitResult.Accepted || res.Res === SubmitResult.DuplicateSubmit) next()
 * ```
 */
export const SubmitResult = {
  Accepted: 1,
  DuplicateSubmit: 2,
  MismatchedSubmission: 3,
  Rejected: 4,
  FilesMissed: 5,
} as const

/**
 * `OnChainState` of `PollPreCommitState` and `PollProofState`.
 *
 * @example
 * ```ts
 * if (state.State === OnChainState.Landed) next()
 * ```
 */
export const OnChainState = {
  Pending: 1,
  Packed: 2,
  Landed: 3,
  NotFound: 4,
  Failed: 5,
  PermFailed: 6,
  ShouldAbort: 7,
} as const
