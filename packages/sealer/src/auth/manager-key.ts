/**
 * The manager's public control key, as this worker knows it: fetched with
 * `Venus.WorkerControlKey`, kept in memory and (with a worker home) on disk, so tokens the
 * manager minted are verified here while the manager is down — a worker restarted during the
 * outage reads the disk copy. A token naming another key id makes the worker ask the manager
 * again (at most every `minRefreshMs`), which follows a manager whose key was replaced.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@venus-cluster/core'
import {
  type ControlTokenVerifier,
  createControlTokenVerifier,
  parseWorkerControlKey,
  type WorkerControlKeyInfo,
} from '@venus-cluster/core/auth'
import type { ManagerMethodSupport } from '../manager-support.js'

/** The method that serves the key. */
export const WORKER_CONTROL_KEY_METHOD = 'Venus.WorkerControlKey'

/** Options of {@link ManagerKeyCache}. */
export interface ManagerKeyCacheOptions {
  /** Asks the manager for its key; undefined when the client has no such call. */
  fetch: (() => Promise<unknown>) | undefined
  /** The disk copy (see {@link managerKeyFile}); undefined = memory only. */
  file: string | undefined
  support: ManagerMethodSupport
  log: Logger
  /** Fewest milliseconds between two asks triggered by tokens (default 10 s). */
  minRefreshMs?: number | undefined
  /** How long a token check waits for an ask in flight (ms, default 3 s). */
  waitMs?: number | undefined
}

/**
 * Where a worker home keeps the key of the manager at `managerUrl`.
 *
 * @example
 * ```ts
 * managerKeyFile('/home/me/.venus-worker', 'http://10.0.0.1:1789/rpc/v0')
 * ```
 */
export function managerKeyFile(home: string, managerUrl: string): string {
  const id = createHash('sha256').update(managerUrl).digest('hex').slice(0, 16)
  return join(home, `manager-control-key-${id}.json`)
}

/**
 * The cached key.
 *
 * @example
 * ```ts
 * const keys = new ManagerKeyCache({ fetch: () => rpc.call('Venus.WorkerControlKey', []), file, support, log })
 * await keys.load()
 * void keys.refresh()
 * const verifier = await keys.verifierFor(controlTokenKid(token))
 * ```
 */
export class ManagerKeyCache {
  #verifier: ControlTokenVerifier | undefined
  #inFlight: Promise<void> | undefined
  #lastAsk = Number.NEGATIVE_INFINITY
  #lastError: string | undefined
  readonly #opts: ManagerKeyCacheOptions

  constructor(opts: ManagerKeyCacheOptions) {
    this.#opts = opts
  }

  /** The id of the key in use, if any. */
  get kid(): string | undefined {
    return this.#verifier?.kid
  }

  /** Reads the disk copy; a missing or damaged one is left for the next fetch to replace. */
  async load(): Promise<void> {
    if (this.#opts.file === undefined) return
    let text: string
    try {
      text = await readFile(this.#opts.file, 'utf8')
    } catch {
      return
    }
    try {
      this.#verifier = createControlTokenVerifier(parseWorkerControlKey(JSON.parse(text)))
    } catch (err) {
      this.#opts.log.warn(
        { file: this.#opts.file, err: String(err) },
        'ignoring a damaged cached manager control key',
      )
    }
  }

  /** Resolves once no ask is in flight (a stopping worker waits for it). */
  async idle(): Promise<void> {
    await this.#inFlight
  }

  /** Asks the manager for its key now (one ask at a time); never throws. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#ask().finally(() => {
      this.#inFlight = undefined
    })
    return this.#inFlight
  }

  async #ask(): Promise<void> {
    const { fetch, support, log } = this.#opts
    if (fetch === undefined || !support.mayCall(WORKER_CONTROL_KEY_METHOD)) return
    this.#lastAsk = Date.now()
    let info: WorkerControlKeyInfo
    try {
      info = parseWorkerControlKey(await fetch())
    } catch (err) {
      if (support.record(WORKER_CONTROL_KEY_METHOD, err)) {
        log.info(
          {},
          'the manager does not serve Venus.WorkerControlKey (an original manager?): the control API accepts the local control token only; asking again in 1 h',
        )
        return
      }
      const text = String(err)
      if (text !== this.#lastError)
        log.warn(
          { err: text },
          this.#verifier === undefined
            ? 'cannot fetch the manager control key yet; the control API accepts the local control token meanwhile'
            : 'cannot refresh the manager control key; the cached one stays in use',
        )
      this.#lastError = text
      return
    }
    support.record(WORKER_CONTROL_KEY_METHOD)
    this.#lastError = undefined
    if (info.Kid === this.#verifier?.kid) return
    this.#verifier = createControlTokenVerifier(info)
    log.info({ kid: info.Kid }, 'manager control key fetched')
    await this.#save(info)
  }

  async #save(info: WorkerControlKeyInfo): Promise<void> {
    const file = this.#opts.file
    if (file === undefined) return
    try {
      await mkdir(join(file, '..'), { recursive: true, mode: 0o700 })
      const tmp = `${file}.${process.pid}.tmp`
      await writeFile(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 })
      await rename(tmp, file)
    } catch (err) {
      this.#opts.log.warn({ file, err: String(err) }, 'cannot keep the manager control key on disk')
    }
  }

  /**
   * The verifier for a token signed with key `kid`: the cached one when it matches; otherwise
   * the manager is asked again (rate-limited, waiting at most `waitMs`) and the result used.
   */
  async verifierFor(kid: string | undefined): Promise<ControlTokenVerifier | undefined> {
    const current = this.#verifier
    if (current !== undefined && current.kid === kid) return current
    const due = Date.now() - this.#lastAsk >= (this.#opts.minRefreshMs ?? 10_000)
    const pending = this.#inFlight ?? (due ? this.refresh() : undefined)
    if (pending !== undefined) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        pending,
        new Promise<void>((r) => {
          timer = setTimeout(r, this.#opts.waitMs ?? 3_000)
        }),
      ])
      clearTimeout(timer)
    }
    return this.#verifier?.kid === kid ? this.#verifier : undefined
  }
}
