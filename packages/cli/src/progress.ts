/**
 * Shows that a long wait is alive and for how long: on a terminal, one line rewritten in place
 * with a spinner and the elapsed time; elsewhere (a log file, a pipe, CI) a plain line every
 * `everyMs` (default 30 s), so a C2 that takes minutes or a message that takes an hour to land
 * never looks hung and never floods a log.
 */

/** Where progress goes: a stream, and whether it is a terminal. */
export interface ProgressSink {
  write(text: string): void
  isTTY?: boolean | undefined
}

/** Options of {@link liveProgress}. */
export interface LiveProgressOptions {
  /** Default: stderr (stdout stays for results). */
  sink?: ProgressSink | undefined
  /** Spinner frame interval on a terminal (default 120 ms). */
  frameMs?: number | undefined
  /** Plain-line interval elsewhere (default 30 000 ms). */
  everyMs?: number | undefined
  /** Milliseconds clock (tests). */
  now?: (() => number) | undefined
}

/** A running progress line. */
export interface LiveProgress {
  /** Changes what the line says (the elapsed time keeps counting). */
  update(label: string): void
  /** Stops it; `final` (if given) is printed as a last line with the elapsed time. */
  stop(final?: string): void
  /** Milliseconds since it started. */
  elapsedMs(): number
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * `1.2 s`, `42 s`, `3 min 05 s`, `1 h 02 min`.
 *
 * @example
 * ```ts
 * formatElapsed(185_000) // '3 min 05 s'
 * ```
 */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000
  if (s < 10) return `${s.toFixed(1)} s`
  if (s < 60) return `${Math.floor(s)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`
}

/**
 * Starts a progress line for `label`.
 *
 * @example
 * ```ts
 * const p = liveProgress('waiting for message bafy… to land')
 * await waitSomehow()
 * p.stop('landed')
 * ```
 */
export function liveProgress(label: string, opts: LiveProgressOptions = {}): LiveProgress {
  const sink = opts.sink ?? process.stderr
  const now = opts.now ?? Date.now
  const tty = sink.isTTY === true
  const start = now()
  let text = label
  let frame = 0
  let width = 0
  const elapsed = () => formatElapsed(now() - start)
  const draw = () => {
    const line = `${FRAMES[frame++ % FRAMES.length]} ${text} (${elapsed()})`
    // Clear what a longer previous line left behind.
    sink.write(`\r${line}${' '.repeat(Math.max(0, width - line.length))}`)
    width = line.length
  }
  const timer = setInterval(
    () => (tty ? draw() : sink.write(`${text}: still running after ${elapsed()}\n`)),
    tty ? (opts.frameMs ?? 120) : (opts.everyMs ?? 30_000),
  )
  timer.unref()
  if (tty) draw()
  return {
    update(label2) {
      text = label2
      if (tty) draw()
    },
    stop(final) {
      clearInterval(timer)
      if (tty) sink.write(`\r${' '.repeat(width)}\r`)
      if (final !== undefined) sink.write(`${final} (after ${elapsed()})\n`)
    },
    elapsedMs: () => now() - start,
  }
}
