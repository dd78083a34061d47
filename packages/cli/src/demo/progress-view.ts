/**
 * Live progress of the demo: in a terminal, one bar per sector redrawn in place with how long its
 * current stage has run; otherwise one plain line per stage a sector finishes, and for a stage
 * that runs long (a C2 of minutes) a line every `heartbeatMs` saying it is still running and for
 * how long (logs and CI stay readable, and nothing looks hung).
 */
import { formatElapsed } from '../progress.js'
import { DEMO_STAGES, type DemoSectorProgress, type StageTracker } from './stages.js'

/** A progress view; `close()` draws the final state and stops redrawing. */
export interface DemoProgressView {
  note(line: string): void
  close(): void
}

const BAR = 20

function bar(p: DemoSectorProgress): string {
  const done = Math.round((p.stageIndex / DEMO_STAGES.length) * BAR)
  return `${'#'.repeat(done)}${'-'.repeat(BAR - done)}`
}

function label(p: DemoSectorProgress, now: number): string {
  const stage =
    p.failed !== undefined
      ? `FAILED ${p.failed}`
      : p.finishedAt !== undefined
        ? 'on chain'
        : (DEMO_STAGES[p.stageIndex]?.name ?? p.state)
  const secs = (((p.finishedAt ?? now) - p.startedAt) / 1000).toFixed(1)
  const running =
    p.failed === undefined && p.finishedAt === undefined
      ? ` (${formatElapsed(now - p.stageStartedAt)} in stage)`
      : ''
  return `  ${p.sector.padEnd(14)} w${p.worker + 1} [${bar(p)}] ${stage.padEnd(12)} ${secs.padStart(5)}s${running}`
}

/**
 * Attaches a view to `tracker`, writing to `out` (a TTY gets bars, anything else plain lines).
 *
 * @example
 * ```ts
 * const view = progressView(tracker, process.stderr)
 * view.note('devnet started')
 * view.close()
 * ```
 */
export function progressView(
  tracker: StageTracker,
  out: NodeJS.WritableStream & { isTTY?: boolean },
  opts: { start?: number; heartbeatMs?: number } = {},
): DemoProgressView {
  const start = opts.start ?? Date.now()
  const stamp = () => `[${((Date.now() - start) / 1000).toFixed(1).padStart(5)}s]`
  if (out.isTTY !== true) {
    tracker.onChange((p) => {
      if (p.failed !== undefined) out.write(`${stamp()} ${p.sector} failed: ${p.failed}\n`)
      else if (DEMO_STAGES.some((s) => s.endsIn === p.state))
        out.write(`${stamp()} ${p.sector} ${p.state} (worker ${p.worker + 1})\n`)
    })
    const every = opts.heartbeatMs ?? 30_000
    const heartbeat = setInterval(() => {
      const now = Date.now()
      for (const p of tracker.sectors.values()) {
        if (p.failed !== undefined || p.finishedAt !== undefined || now - p.stageStartedAt < every) continue
        const stage = DEMO_STAGES[p.stageIndex]?.name ?? p.state
        out.write(
          `${stamp()} ${p.sector} still in ${stage} after ${formatElapsed(now - p.stageStartedAt)} (worker ${p.worker + 1})\n`,
        )
      }
    }, every)
    heartbeat.unref()
    return { note: (line) => out.write(`${stamp()} ${line}\n`), close: () => clearInterval(heartbeat) }
  }
  let drawn = 0
  const draw = () => {
    const now = Date.now()
    const lines = [...tracker.sectors.values()].map((p) => label(p, now))
    // Move up over the previous block, then rewrite it line by line (clearing each line).
    let s = drawn > 0 ? `\x1b[${drawn}A` : ''
    for (const l of lines) s += `\r\x1b[2K${l}\n`
    out.write(s)
    drawn = lines.length
  }
  const timer = setInterval(draw, 100)
  timer.unref()
  return {
    note(line) {
      // Notes go above the bars: clear the block, print, redraw below.
      if (drawn > 0) out.write(`\x1b[${drawn}A\x1b[0J`)
      drawn = 0
      out.write(`${stamp()} ${line}\n`)
      draw()
    },
    close() {
      clearInterval(timer)
      draw()
    },
  }
}
