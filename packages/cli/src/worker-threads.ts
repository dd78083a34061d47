/**
 * Printing and argument checks shared by the two ways to reach a worker's sealing threads:
 * `venus-worker worker …` (the worker's own control API) and `venus-sector-manager util worker …`
 * (through the manager, which knows every worker that pings it).
 */
import { VenusError } from '@venus-cluster/core'
import type { SealingThreadInfo } from '@venus-cluster/sealer'

/** One line per sealing thread. */
export function threadLine(t: SealingThreadInfo): string {
  return (
    `#${t.index}: ${t.location}; sector: ${t.sector_id ?? '-'}; state: ${t.state}; paused: ${t.paused}` +
    `${t.paused_elapsed ? ` (${t.paused_elapsed})` : ''}; last error: ${t.last_error ?? '-'}`
  )
}

/** `--index` as a thread index. */
export function threadIndexArg(v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw new VenusError('CLI_USAGE', `--index must be a thread index, not ${v}`)
  return n
}

/** What a pause request answered. */
export function pauseLine(index: number, ok: boolean): string {
  return ok ? `thread ${index}: pause requested` : `thread ${index}: a pause is pending already`
}

/** What a resume request answered. */
export function resumeLine(index: number, ok: boolean): string {
  return ok ? `thread ${index}: resumed` : `thread ${index}: not waiting for resume`
}
