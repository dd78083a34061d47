/**
 * What a worker calls itself on the wire (`WorkerPing.Name`, `ReportState.Worker.Instance`) and
 * where it says its control API listens (`WorkerPing.Dest`). Both come from peers, so both have
 * a bound: a name is a short token of letters, digits and `. _ - : @` (hostnames fit), a
 * control address is `host:port`.
 */
import { isIP } from 'node:net'
import { VenusError } from '../errors/index.js'

/** Longest worker name accepted (characters). */
export const WORKER_NAME_MAX_LENGTH = 128

/** Longest control address accepted: a 253-character DNS name, `:` and a port. */
export const WORKER_DEST_MAX_LENGTH = 262

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/**
 * Why `name` is not a usable worker name, or undefined when it is.
 *
 * @example
 * ```ts
 * workerNameProblem('rig-7') // undefined
 * workerNameProblem('a b') // 'may hold only letters, digits and . _ - : @ and must start with a letter or digit'
 * ```
 */
export function workerNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty'
  if (name.length > WORKER_NAME_MAX_LENGTH)
    return `is ${name.length} characters long; at most ${WORKER_NAME_MAX_LENGTH} are allowed`
  if (!NAME.test(name))
    return 'may hold only letters, digits and . _ - : @ and must start with a letter or digit'
  return undefined
}

/**
 * Throws `INVALID_ARGUMENT` naming `where` when `name` is not a usable worker name.
 *
 * @example
 * ```ts
 * checkWorkerName(info.Name, 'params[0].Name')
 * ```
 */
export function checkWorkerName(name: string, where: string): string {
  const problem = workerNameProblem(name)
  if (problem !== undefined) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      `${where}: worker name ${JSON.stringify(name.slice(0, 40))}${name.length > 40 ? '…' : ''} ${problem}`,
      { details: { field: where, length: name.length } },
    )
  }
  return name
}

/**
 * Why `dest` is not a control address (`host:port`, `[v6]:port`, or empty for none), or
 * undefined when it is one.
 *
 * @example
 * ```ts
 * controlDestProblem('10.0.0.5:17890') // undefined
 * controlDestProblem('10.0.0.5/x') // 'must look like host:port …'
 * ```
 */
export function controlDestProblem(dest: string): string | undefined {
  if (dest === '') return undefined
  if (dest.length > WORKER_DEST_MAX_LENGTH)
    return `is ${dest.length} characters long; at most ${WORKER_DEST_MAX_LENGTH} are allowed`
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(dest)
  const port = Number(m?.[3])
  const host = m?.[1] ?? m?.[2] ?? ''
  const hostOk = m?.[1] !== undefined ? isIP(host) === 6 : isIP(host) === 4 || DNS_NAME.test(host)
  if (m === null || !hostOk || !(port >= 1 && port <= 65535))
    return 'must look like host:port (an IPv4 address, [IPv6 address] or DNS name, and a port 1-65535)'
  return undefined
}
