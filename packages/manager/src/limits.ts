/**
 * Bounds of what the manager takes from the wire: request bodies per class of `Venus.*` call,
 * and the texts it keeps from reports. Every value is an option with the default given here;
 * `docs/security.md` says why each default is what it is.
 */
import { VenusError } from '@venus-cluster/core'
import type { HttpLimits } from '@venus-cluster/core/http'
import { DEFAULT_MAX_JSON_DEPTH } from '@venus-cluster/core/rpc'

const KiB = 1024
const MiB = 1024 * KiB

/** Limits of the manager's HTTP endpoint and of the texts it stores; see {@link MANAGER_LIMITS}. */
export interface ManagerLimits {
  /** Timeouts and connection caps (defaults: `DEFAULT_HTTP_LIMITS` of core). */
  http?: Partial<HttpLimits> | undefined
  /** Body of an ordinary `Venus.*` call, proofs included (a C2 proof is at most 1920 bytes). */
  callBodyBytes: number
  /** Body of `ReportState` / `ReportAborted`: accepted whole, their texts stored truncated. */
  reportBodyBytes: number
  /** Body of calls that carry a miner's sector list (`CheckProvable`). */
  listBodyBytes: number
  /**
   * Request bytes all connections may hold at once before callers get 503 and retry (bodies up
   * to 64 KiB, a worker's ordinary calls, are always let in).
   */
  maxBufferedBodyBytes: number
  /** Nesting of arrays/objects in a request. */
  maxJsonDepth: number
  /** Calls in one JSON-RPC batch. */
  maxBatch: number
  /** Bytes kept of a failure description or an abort reason. */
  failureTextBytes: number
  /** Bytes kept of a state name, an event, a failure level or a worker instance name in a report. */
  nameBytes: number
  /** Bytes kept of a worker's store location in a report (a path). */
  locationBytes: number
  /**
   * Records `Venus.ListSectors` answers at once when called without a page (the original's call):
   * past it the call is refused with the count and asks for pages, so one answer never holds a
   * farm's whole history in memory.
   */
  listSectorsMax: number
}

/** The defaults. */
export const MANAGER_LIMITS: Readonly<Omit<ManagerLimits, 'http'>> = Object.freeze({
  callBodyBytes: 1 * MiB,
  reportBodyBytes: 32 * MiB,
  listBodyBytes: 16 * MiB,
  maxBufferedBodyBytes: 128 * MiB,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  maxBatch: 100,
  failureTextBytes: 8 * KiB,
  nameBytes: 256,
  locationBytes: 4 * KiB,
  listSectorsMax: 20_000,
})

/** The `Venus.*` calls whose body may be a report's long text. */
const REPORT_CALLS = new Set(['Venus.ReportState', 'Venus.ReportAborted'])
/** The calls that carry a list of a miner's sectors. */
const LIST_CALLS = new Set(['Venus.CheckProvable'])

/**
 * The limits with `overrides` applied; throws `INVALID_ARGUMENT` naming a bad value.
 *
 * @example
 * ```ts
 * managerLimits({ failureTextBytes: 16 * 1024 }).reportBodyBytes // 33554432
 * ```
 */
export function managerLimits(overrides: Partial<ManagerLimits> = {}): ManagerLimits {
  const out: ManagerLimits = { ...MANAGER_LIMITS }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue
    if (k === 'http') {
      out.http = v as Partial<HttpLimits>
      continue
    }
    if (!(k in MANAGER_LIMITS)) throw new VenusError('INVALID_ARGUMENT', `unknown manager limit '${k}'`)
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `manager limit ${k} must be a positive integer, got ${String(v)}`,
        {
          details: { field: k },
        },
      )
    ;(out as unknown as Record<string, number>)[k] = v
  }
  return out
}

/**
 * The body limit of each `Venus.*` method under `limits`, for `createRpcServer`'s
 * `methodBodyBytes`, and the largest of them (its `maxBodyBytes`).
 *
 * @example
 * ```ts
 * const { maxBodyBytes, methodBodyBytes } = venusBodyLimits(managerLimits())
 * methodBodyBytes('Venus.AllocateSector') // 1048576
 * ```
 */
export function venusBodyLimits(limits: ManagerLimits): {
  maxBodyBytes: number
  methodBodyBytes: (method: string) => number
} {
  return {
    maxBodyBytes: Math.max(limits.callBodyBytes, limits.reportBodyBytes, limits.listBodyBytes),
    methodBodyBytes: (method) =>
      REPORT_CALLS.has(method)
        ? limits.reportBodyBytes
        : LIST_CALLS.has(method)
          ? limits.listBodyBytes
          : limits.callBodyBytes,
  }
}

/**
 * The options of the manager's `createRpcServer` that carry `limits`: body limits per call
 * class, the shared body budget, JSON depth and batch size; tokens only in the `Authorization`
 * header; JSON bodies only from callers that send none (trusted networks, auth off).
 *
 * @example
 * ```ts
 * createRpcServer({ methods, path: '/rpc/v0', ...venusRpcOptions(managerLimits()) })
 * ```
 */
export function venusRpcOptions(limits: ManagerLimits) {
  return {
    ...venusBodyLimits(limits),
    maxBufferedBodyBytes: limits.maxBufferedBodyBytes,
    maxJsonDepth: limits.maxJsonDepth,
    maxBatch: limits.maxBatch,
    queryToken: false,
    jsonOnlyWithoutToken: true,
  }
}
