/**
 * Which permission each `Venus.*` method needs: reads are `read`, worker state changes are
 * `write`, calls that end in a chain message are `sign`, operator repairs are `admin`.
 */
import { type RpcMethod, type RpcPermission, VenusError } from '@venus-cluster/core'
import { parsePermission, type TokenAuthority } from '@venus-cluster/core/auth'

/** Required permission of every `Venus.*` method the manager serves. */
export const venusMethodPermissions: Readonly<Record<string, RpcPermission>> = {
  'Venus.ListSectors': 'read',
  'Venus.FindSector': 'read',
  'Venus.ProvingSectorInfo': 'read',
  'Venus.SectorIndexerFind': 'read',
  'Venus.WorkerPingInfoList': 'read',
  'Venus.WorkerGetPingInfo': 'read',
  'Venus.PollPreCommitState': 'read',
  'Venus.PollProofState': 'read',
  'Venus.CheckProvable': 'read',
  'Venus.WaitSeed': 'read',
  'Venus.PollTerminateSectorState': 'read',
  'Venus.AuthVerify': 'read',
  'Venus.KnownWorkers': 'read',
  'Venus.ListDirectPieces': 'read',
  'Venus.RepairTasks': 'read',
  'Venus.RepairTaskState': 'read',
  'Venus.StoreBasicInfo': 'read',
  'Venus.StoreList': 'read',
  'Venus.FindSectorsWithDeal': 'read',
  // The public key workers verify control tokens with: nothing secret.
  'Venus.WorkerControlKey': 'read',
  'Venus.WdPoStAllJobs': 'read',
  'Venus.PoStLeases': 'read',
  // PoSt workers take, heartbeat and finish jobs (reset and remove stay admin).
  'Venus.WdPoStAllocateJobs': 'write',
  'Venus.WdPoStHeartbeatJobs': 'write',
  'Venus.WdPoStFinishJob': 'write',
  'Venus.AllocateSector': 'write',
  'Venus.AllocateSanpUpSector': 'write',
  'Venus.AllocateSnapUpSector': 'write',
  'Venus.SubmitPersistedEx': 'write',
  'Venus.SnapUpPreFetch': 'write',
  'Venus.SnapUpCandidates': 'read',
  'Venus.AcquireDeals': 'write',
  'Venus.AssignTicket': 'write',
  'Venus.SubmitPersisted': 'write',
  'Venus.ReportState': 'write',
  'Venus.ReportFinalized': 'write',
  'Venus.ReportAborted': 'write',
  'Venus.WorkerPing': 'write',
  // Rebuild and unseal workers: they take tasks and report files, as sealing workers do.
  'Venus.AllocateRebuildSector': 'write',
  'Venus.SubmitRebuilt': 'write',
  'Venus.ReportRebuildFailed': 'write',
  'Venus.AllocateUnsealSector': 'write',
  'Venus.SubmitUnsealed': 'write',
  'Venus.AchieveUnsealSector': 'write',
  // A worker asks where to persist a sector: placement, not a repair.
  'Venus.StoreReserveSpace': 'write',
  // WinningPoSt for a block producer (mounted with `daemon run --miner`): costly, not a read.
  'Venus.ComputeWinningPoSt': 'write',
  'Venus.SubmitPreCommit': 'sign',
  'Venus.SubmitProof': 'sign',
  'Venus.SubmitSnapUpProof': 'sign',
  'Venus.RestoreSector': 'admin',
  // Operator repairs: a rebuild takes a worker for hours, an unseal for minutes.
  'Venus.SectorSetForRebuild': 'admin',
  'Venus.UnsealPieceRequest': 'admin',
  // Drops a snap-up the worker proved: its deals go back to the market.
  'Venus.SnapUpCancelCommitment': 'admin',
  'Venus.TerminateSector': 'admin',
  // Deletes sealed files: as destructive as a termination.
  'Venus.RemoveSector': 'admin',
  'Venus.AuthNew': 'admin',
  // A token for a worker's control API: an operator's act, as pausing a thread is.
  'Venus.WorkerControlToken': 'admin',
  // Releases a worker name pinned to its control address.
  'Venus.WorkerRemove': 'admin',
  // Queues data for sealing (and spends a client's verified allocation): an operator's act.
  'Venus.AddDirectPiece': 'admin',
  'Venus.RemoveDirectPiece': 'admin',
  // Operator acts on stores and sectors: their plans are read with the same methods.
  'Venus.StoreAttach': 'admin',
  'Venus.StoreDetach': 'admin',
  'Venus.StoreReleaseReserved': 'admin',
  'Venus.SectorFinalize': 'admin',
  'Venus.SectorResendPreCommit': 'admin',
  'Venus.SectorResendProof': 'admin',
}

/**
 * The permission a method needs; methods missing from the table need `admin`, so a new method
 * is never open by accident.
 *
 * @example
 * ```ts
 * venusMethodPermission('Venus.ListSectors') // 'read'
 * ```
 */
export function venusMethodPermission(method: string): RpcPermission {
  return venusMethodPermissions[method] ?? 'admin'
}

/**
 * `Venus.AuthVerify(token)` → permissions and `Venus.AuthNew(perms)` → token, as Lotus's
 * `Filecoin.AuthVerify`/`AuthNew`.
 *
 * @example
 * ```ts
 * const methods = { ...createSealerApi(mgr), ...authMethods(auth) }
 * ```
 */
export function authMethods(auth: TokenAuthority): Record<string, RpcMethod> {
  return {
    'Venus.AuthVerify': async (params) => {
      const token = params[0]
      if (typeof token !== 'string')
        throw new VenusError('RPC_INVALID_PARAMS', 'params[0] must be a token string')
      return auth.verify(token)
    },
    'Venus.AuthNew': async (params) => {
      const raw = params[0]
      if (!Array.isArray(raw) || raw.length === 0) {
        throw new VenusError('RPC_INVALID_PARAMS', 'params[0] must be a non-empty list of permissions')
      }
      const perms = raw.map((p, i) => {
        if (typeof p !== 'string')
          throw new VenusError('RPC_INVALID_PARAMS', `params[0][${i}] must be a string`)
        return parsePermission(p)
      })
      return auth.issue(perms)
    },
  }
}
