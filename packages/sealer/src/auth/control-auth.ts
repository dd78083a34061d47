/**
 * Auth of the worker control API (`VenusWorker.*` and `/metrics`), decided on the worker alone:
 *
 * - the **local control token** (`<worker home>/control.token`, 0600) grants read and write:
 *   the worker host's own CLI reads it, with any manager, reachable or not;
 * - a **manager control token** (EdDSA JWT minted by the manager, see `@venus-cluster/core`'s
 *   control tokens) grants what it says (read, or read and write) when it is signed by the
 *   manager key this worker fetched and cached, is for this worker's instance name, was sent to
 *   this worker's control address (when it names one), and has not expired.
 *
 * Nothing else gets in: the manager's own API tokens are not accepted here, and the manager is
 * never asked, so the control API keeps working while the manager is down.
 */
import { timingSafeEqual } from 'node:crypto'
import { type Logger, type RpcPermission, VenusError } from '@venus-cluster/core'
import {
  controlTokenKid,
  SECTOR_MANAGER_TOKEN_ENV,
  WORKER_CONTROL_PERMISSIONS,
} from '@venus-cluster/core/auth'
import type { ManagerKeyCache } from './manager-key.js'

/** Required permission of each `VenusWorker.*` method; others need `admin` (which no control token carries). */
export const workerControlPermissions: Readonly<Record<string, RpcPermission>> = {
  'VenusWorker.WorkerList': 'read',
  'VenusWorker.WorkerPause': 'write',
  'VenusWorker.WorkerResume': 'write',
}

/**
 * The permission a control method needs.
 *
 * @example
 * ```ts
 * workerControlPermission('VenusWorker.WorkerPause') // 'write'
 * ```
 */
export function workerControlPermission(method: string): RpcPermission {
  return workerControlPermissions[method] ?? 'admin'
}

/** Maps a request's token (undefined = none sent) to its permissions; throws to refuse. */
export type ControlAuthorize = (token: string | undefined) => Promise<readonly RpcPermission[]>

/**
 * The token the worker sends to the manager: an explicit one, else `VENUS_SECTOR_MANAGER_TOKEN`,
 * else the `Authorization: Bearer` header of `[sector_manager.rpc_client.headers]`.
 *
 * @example
 * ```ts
 * const token = workerManagerToken(config.sectorManager.headers)
 * ```
 */
export function workerManagerToken(
  headers: Record<string, string>,
  explicit?: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (explicit !== undefined && explicit !== '') return explicit
  const fromEnv = env[SECTOR_MANAGER_TOKEN_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'authorization' && v.startsWith('Bearer ')) return v.slice(7).trim() || undefined
  }
  return undefined
}

/** Options of {@link localControlAuth}. */
export interface LocalControlAuthOptions {
  /** This worker's instance name: the audience manager tokens must name. */
  instance: string
  /** The local control token. */
  localToken: string
  /** The manager's cached key; undefined = only the local token is accepted. */
  keys?: Pick<ManagerKeyCache, 'verifierFor'> | undefined
  /** This worker's control address as it reports it to the manager (undefined until known). */
  dest: () => string | undefined
  /** Refusals are logged here (each reason at most once a minute). */
  log?: Logger | undefined
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The control API's authorize hook.
 *
 * @example
 * ```ts
 * const authorize = localControlAuth({ instance: 'rig-7', localToken, keys, dest: () => '10.0.0.5:17890' })
 * await authorize(localToken) // ['read', 'write']
 * ```
 */
export function localControlAuth(opts: LocalControlAuthOptions): ControlAuthorize {
  const lastLogged = new Map<string, number>()
  const refuse = (reason: string, cause?: unknown): never => {
    const now = Date.now()
    if (opts.log !== undefined && now - (lastLogged.get(reason) ?? Number.NEGATIVE_INFINITY) >= 60_000) {
      if (lastLogged.size > 100) lastLogged.clear()
      lastLogged.set(reason, now)
      opts.log.warn({ reason }, 'control API request refused')
    }
    throw new VenusError('UNAUTHENTICATED', `control API: ${reason}`, {
      details: { reason },
      ...(cause === undefined ? {} : { cause }),
    })
  }
  const full = Object.freeze([...WORKER_CONTROL_PERMISSIONS])
  return async (token) => {
    if (token === undefined || token === '') return refuse('no token sent')
    if (sameSecret(token, opts.localToken)) return full
    const kid = controlTokenKid(token)
    if (kid === undefined) return refuse('the token is neither the local control token nor a control token')
    const verifier = await opts.keys?.verifierFor(kid)
    if (verifier === undefined)
      return refuse(
        'the token is not signed with the manager control key this worker knows (it fetches the key from the manager; an original manager has none, use the local control token)',
      )
    try {
      return (await verifier.verify(token, { worker: opts.instance, dest: opts.dest() })).allow
    } catch (err) {
      return refuse(err instanceof VenusError ? err.message : String(err), err)
    }
  }
}
