/**
 * Printing and argument checks shared by the two ways to reach a worker's sealing threads:
 * `venus-worker worker …` (the worker's own control API) and `venus-sector-manager util worker …`
 * (through the manager, which knows every worker that pings it).
 */
import { VenusError } from '@venus-cluster/core'
import { type SealingThreadInfo, threadInfoFromWire } from '@venus-cluster/sealer'

/** One line per sealing thread, from an entry of the worker's `WorkerList` answer. */
export function threadLine(entry: unknown): string {
  const t: SealingThreadInfo = threadInfoFromWire(entry)
  const sector = t.sectorId === null ? '-' : `m-${t.sectorId.miner}-s-${t.sectorId.number}`
  const elapsed = t.pausedForMs === null ? '' : ` (${(t.pausedForMs / 1000).toFixed(1)}s)`
  return (
    `#${t.index}: ${t.location}; sector: ${sector}; state: ${t.state}; paused: ${t.paused}` +
    `${elapsed}; last error: ${t.lastError ?? '-'}`
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
