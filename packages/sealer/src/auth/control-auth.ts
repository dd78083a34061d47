/**
 * Auth of the worker control API. The worker holds no secret: it asks the manager
 * (`Venus.AuthVerify`) what a token allows, as Lotus workers defer to the miner. A manager that
 * serves no `Venus.AuthVerify` runs with auth explicitly off, and the control API follows it.
 */
import {
  createRpcClient,
  http,
  RPC_PERMISSIONS,
  type RpcClient,
  type RpcPermission,
  SECTOR_MANAGER_TOKEN_ENV,
  VenusError,
} from '@venus-cluster/core'

/** Required permission of each `VenusWorker.*` method; others need `admin`. */
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

/** Options of {@link managerVerifiedAuth}. */
export interface ManagerVerifiedAuthOptions {
  /** The manager's HTTP RPC URL (`http://host:1789/rpc/v0`). */
  url: string
  /** The worker's own token for the manager. */
  token: string | undefined
  /** How long an answer is reused, ms (default 30 s). */
  cacheMs?: number
  /** Called once when the manager turns out to run without auth. */
  onManagerAuthOff?: () => void
  /** Injected client (tests). */
  client?: Pick<RpcClient, 'call' | 'close'>
}

/**
 * An authorize hook that asks the manager. Refuses (fails closed) when the manager cannot be
 * asked or refuses the worker's own token.
 *
 * @example
 * ```ts
 * const authorize = managerVerifiedAuth({ url: 'http://127.0.0.1:1789/rpc/v0', token })
 * ```
 */
export function managerVerifiedAuth(opts: ManagerVerifiedAuthOptions): ControlAuthorize & {
  close(): Promise<void>
} {
  const client = opts.client ?? createRpcClient(http(opts.url, { token: opts.token }), { timeoutMs: 10_000 })
  const cacheMs = opts.cacheMs ?? 30_000
  const cache = new Map<string, { at: number; perms: readonly RpcPermission[] }>()
  let warned = false
  const fn = async (token: string | undefined): Promise<readonly RpcPermission[]> => {
    const key = token ?? ''
    const hit = cache.get(key)
    if (hit && Date.now() - hit.at < cacheMs) return hit.perms
    let perms: readonly RpcPermission[]
    try {
      const got = await client.call<unknown>('Venus.AuthVerify', [key])
      perms = Array.isArray(got) ? RPC_PERMISSIONS.filter((p) => got.includes(p)) : []
    } catch (err) {
      if (err instanceof VenusError && err.code === 'RPC_METHOD_NOT_FOUND') {
        if (!warned) opts.onManagerAuthOff?.()
        warned = true
        perms = RPC_PERMISSIONS
      } else {
        throw new VenusError('UNAUTHENTICATED', 'the manager did not accept this token', { cause: err })
      }
    }
    if (cache.size > 1000) cache.clear()
    cache.set(key, { at: Date.now(), perms })
    return perms
  }
  return Object.assign(fn, { close: async () => client.close() })
}
