/**
 * A WindowPoSt audit of a devnet miner, counted on the chain itself: for every deadline window
 * that closed in a range of epochs, which partitions had sectors to prove, which were proven, and
 * how many `SubmitWindowedPoSt` messages went in for each partition (landed or not). What tests of
 * several posters assert: no deadline missed, no partition submitted twice.
 */
import { decodeSubmitWindowedPoSt } from '@venus-cluster/core'
import type { DevnetTipset } from '../chain-store.js'
import type { Devnet } from '../devnet.js'
import { liveSectors } from '../state.js'

/** One deadline window of the audited miner. */
export interface AuditedDeadline {
  deadline: number
  open: number
  close: number
  /** Partitions with sectors to prove when the window opened. */
  required: number[]
  /** Partitions proven by a message that executed successfully. */
  proven: number[]
  /** `SubmitWindowedPoSt` messages included for the window (any exit code). */
  submissions: number
  /** The same partition in more than one included message. */
  doubleSubmitted: number[]
  /** Required partitions left unproven. */
  missed: number[]
  /** Messages of the window, with where they landed. */
  messages: { height: number; partitions: number[]; exitCode: number; from: string }[]
}

/** The audit of {@link windowPoStAudit}. */
export interface WindowPoStAudit {
  deadlines: AuditedDeadline[]
  /** Windows with a required partition unproven. */
  missed: AuditedDeadline[]
  /** Windows with a partition submitted more than once. */
  doubled: AuditedDeadline[]
}

/**
 * Audits `miner`'s WindowPoSt for the windows that opened at or after `from` and closed at or
 * before `to` (default: the head). Needs the world states of those epochs (`keepStates` large
 * enough for the range).
 *
 * @example
 * ```ts
 * const audit = windowPoStAudit(devnet, 't01000', { from: 100 })
 * expect(audit.missed).toEqual([])
 * expect(audit.doubled).toEqual([])
 * ```
 */
export function windowPoStAudit(
  devnet: Devnet,
  miner: string,
  range: { from?: number; to?: number } = {},
): WindowPoStAudit {
  const p = devnet.params
  const id = devnet.resolve(miner)
  if (id === undefined) throw new Error(`no miner ${miner} on the devnet`)
  const head = devnet.head()
  const to = Math.min(range.to ?? head.height, head.height)
  const from = Math.max(range.from ?? 1, 1)
  const W = p.wpostChallengeWindow
  const P = p.wpostProvingPeriod
  const m0 = devnet.worldAt(head).miners.get(id)
  if (m0 === undefined) throw new Error(`${miner} is not a miner`)
  const offset = ((m0.provingPeriodStart % P) + P) % P
  const openOf = (epoch: number, index: number) => {
    const o = index * W + offset
    return epoch - ((((epoch - o) % P) + P) % P)
  }
  const byWindow = new Map<number, AuditedDeadline>()
  const windowAt = (open: number, index: number): AuditedDeadline => {
    let w = byWindow.get(open)
    if (w === undefined) {
      w = {
        deadline: index,
        open,
        close: open + W,
        required: [],
        proven: [],
        submissions: 0,
        doubleSubmitted: [],
        missed: [],
        messages: [],
      }
      byWindow.set(open, w)
    }
    return w
  }
  // Every window that opened in range, with what it had to prove (the state before it opened).
  for (let open = openOf(from, 0); open + W <= to; open += W) {
    if (open < from) continue
    const index =
      ((((open - offset) / W) % p.wpostPeriodDeadlines) + p.wpostPeriodDeadlines) % p.wpostPeriodDeadlines
    const before = devnet.worldAt(devnet.tipsetAtHeight(Math.max(0, open - 1))).miners.get(id)
    const w = windowAt(open, index)
    before?.deadlines[index]?.partitions.forEach((part, i) => {
      const live = liveSectors(part)
      const toProve = [...live].filter((s) => !part.faulty.has(s) || part.recovering.has(s))
      if (toProve.length > 0) w.required.push(i)
    })
  }
  // Every SubmitWindowedPoSt included in range.
  const seen = new Set<string>()
  for (let h = to; h >= from; h--) {
    const ts: DevnetTipset = devnet.tipsetAtHeight(h)
    if (seen.has(ts.cid)) continue
    seen.add(ts.cid)
    ts.messages.forEach((sm, i) => {
      const msg = sm.message
      if (msg.Method !== 5 || devnet.resolve(msg.To) !== id) return
      let params: ReturnType<typeof decodeSubmitWindowedPoSt>
      try {
        params = decodeSubmitWindowedPoSt(new Uint8Array(Buffer.from(msg.Params ?? '', 'base64')))
      } catch {
        return
      }
      const open = openOf(ts.height, params.deadline)
      const w = byWindow.get(open)
      if (w === undefined) return
      const exitCode = ts.receipts[i]?.exitCode ?? -1
      w.submissions++
      w.messages.push({
        height: ts.height,
        partitions: params.partitions.map((x) => x.index),
        exitCode,
        from: msg.From,
      })
    })
  }
  const deadlines = [...byWindow.values()].sort((a, b) => a.open - b.open)
  for (const w of deadlines) {
    const count = new Map<number, number>()
    const proven = new Set<number>()
    for (const m of w.messages) {
      for (const x of m.partitions) count.set(x, (count.get(x) ?? 0) + 1)
      if (m.exitCode === 0) for (const x of m.partitions) proven.add(x)
    }
    w.proven = [...proven].sort((a, b) => a - b)
    w.doubleSubmitted = [...count].filter(([, n]) => n > 1).map(([x]) => x)
    w.missed = w.required.filter((x) => !proven.has(x))
    w.messages.sort((a, b) => a.height - b.height)
  }
  return {
    deadlines,
    missed: deadlines.filter((w) => w.missed.length > 0),
    doubled: deadlines.filter((w) => w.doubleSubmitted.length > 0),
  }
}
