/**
 * Which optional `Venus.*` methods the manager serves. The original Go manager (v0.1.2) knows
 * neither `Venus.WorkerPing` (v0.2) nor this project's extensions such as
 * `Venus.WorkerControlKey`, and logs an error pair for every call of an unknown method. The
 * worker therefore stops calling a method once the manager answered "method not found", and asks
 * again only after `reprobeMs` (default 1 h), in case the manager was upgraded meanwhile; a
 * restarted worker asks once at start.
 */
import { isVenusError } from '@venus-cluster/core'

/** Default of {@link ManagerMethodSupportOptions.reprobeMs}. */
export const METHOD_REPROBE_MS = 3_600_000

/**
 * Whether `err` (or an error in its cause chain) says the server does not know the method:
 * JSON-RPC -32601, as go-jsonrpc and this project's server answer it.
 *
 * @example
 * ```ts
 * try { await rpc.call('Venus.WorkerPing', [info]) } catch (err) { if (isMethodNotFound(err)) stop() }
 * ```
 */
export function isMethodNotFound(err: unknown): boolean {
  let e: unknown = err
  for (let i = 0; i < 8 && e !== undefined && e !== null; i++) {
    if (isVenusError(e)) {
      if (e.code === 'RPC_METHOD_NOT_FOUND') return true
      if ((e.details as { rpcCode?: unknown } | undefined)?.rpcCode === -32601) return true
    }
    e = e instanceof Error ? e.cause : undefined
  }
  return false
}

/** Options of {@link ManagerMethodSupport}. */
export interface ManagerMethodSupportOptions {
  /** How long a method the manager did not know is left alone (ms, default 1 h). */
  reprobeMs?: number | undefined
  /** Milliseconds clock (tests). */
  now?: (() => number) | undefined
}

/**
 * What the manager answered for optional methods.
 *
 * @example
 * ```ts
 * const support = new ManagerMethodSupport()
 * if (support.mayCall('Venus.WorkerPing')) {
 *   await ping().then(() => support.record('Venus.WorkerPing'), (err) => support.record('Venus.WorkerPing', err))
 * }
 * ```
 */
export class ManagerMethodSupport {
  readonly #missingSince = new Map<string, number>()
  readonly #reprobeMs: number
  readonly #now: () => number

  constructor(opts: ManagerMethodSupportOptions = {}) {
    this.#reprobeMs = opts.reprobeMs ?? METHOD_REPROBE_MS
    this.#now = opts.now ?? Date.now
  }

  /** False while `method` is known to be missing and its re-probe is not due. */
  mayCall(method: string): boolean {
    const since = this.#missingSince.get(method)
    return since === undefined || this.#now() - since >= this.#reprobeMs
  }

  /**
   * Records how a call of `method` ended (`err` undefined = it was answered). Returns true when
   * the manager does not know the method; it is then skipped until the re-probe.
   */
  record(method: string, err?: unknown): boolean {
    if (err !== undefined && isMethodNotFound(err)) {
      this.#missingSince.set(method, this.#now())
      return true
    }
    // Any other answer, or a failure to reach the manager, says nothing about the method.
    if (err === undefined) this.#missingSince.delete(method)
    return false
  }

  /** Whether the manager was last found not to know `method`. */
  missing(method: string): boolean {
    return this.#missingSince.has(method)
  }
}
