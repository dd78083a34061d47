/**
 * `Venus.WorkerControlKey` (read: the public key workers verify control tokens with) and
 * `Venus.WorkerControlToken` (admin: a short-lived token for one worker's control API, bound to
 * the control address the manager has pinned for that name).
 */
import { checkWorkerName, type RpcMethod, VenusError } from '@venus-cluster/core'
import { type ControlTokenSigner, WORKER_CONTROL_TOKEN_TTL_S } from '@venus-cluster/core/auth'
import type { WorkerRegistry } from '../worker-registry/index.js'

/** Answer of `Venus.WorkerControlToken`: where to call and with what. */
export interface WorkerControlGrant {
  Token: string
  /** The worker's pinned control address (`host:port`). */
  Dest: string
  /** Unix seconds. */
  Expires: number
}

/**
 * The two methods over the home's signer and the registry of pinging workers.
 *
 * @example
 * ```ts
 * const methods = { ...createSealerApi(mgr), ...controlTokenMethods(mgr.workers, await managerControlKey(home)) }
 * ```
 */
export function controlTokenMethods(
  workers: Pick<WorkerRegistry, 'pingOf' | 'known'>,
  signer: ControlTokenSigner,
): Record<string, RpcMethod> {
  return {
    'Venus.WorkerControlKey': (params) => {
      if (params.length !== 0)
        throw new VenusError('RPC_INVALID_PARAMS', 'Venus.WorkerControlKey takes no params')
      return signer.publicKey
    },
    'Venus.WorkerControlToken': async (params): Promise<WorkerControlGrant> => {
      const [name, perm] = params
      if (params.length !== 2 || typeof name !== 'string')
        throw new VenusError('RPC_INVALID_PARAMS', 'Venus.WorkerControlToken takes [name, "read"|"write"]')
      if (perm !== 'read' && perm !== 'write')
        throw new VenusError(
          'RPC_INVALID_PARAMS',
          `params[1] must be "read" or "write", got ${JSON.stringify(perm)}`,
        )
      checkWorkerName(name, 'params[0]')
      const ping = workers.pingOf(name)
      if (ping === undefined) {
        const reportsOnly = workers.known([]).some((w) => w.name === name)
        throw new VenusError(
          'NOT_FOUND',
          reportsOnly
            ? `worker ${JSON.stringify(name)} is known only from its sector reports: it does not ping (an original venus-worker?), so the manager has no control address for it; give its control address host:port instead`
            : `no worker named ${JSON.stringify(name)} has pinged the manager`,
          { details: { worker: name } },
        )
      }
      if (ping.dest === '')
        throw new VenusError('NOT_FOUND', `worker ${JSON.stringify(name)} reports no control API address`, {
          details: { worker: name },
        })
      const token = await signer.issue({ worker: name, perm, dest: ping.dest })
      return {
        Token: token,
        Dest: ping.dest,
        Expires: Math.floor(Date.now() / 1000) + WORKER_CONTROL_TOKEN_TTL_S,
      }
    },
  }
}
