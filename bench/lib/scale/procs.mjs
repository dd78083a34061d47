// Child processes of the scale benchmarks: started with IPC, asked and answered one message at a
// time, their peak memory read from /proc, stopped on the way out.
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'

/**
 * Forks `file` with `env`; resolves once it sends its first message (returned as `hello`).
 * `ask(msg)` sends a message and resolves the next answer.
 */
export function startChild(file, env, { execArgv = ['--expose-gc'], timeoutMs = 600_000 } = {}) {
  const child = fork(file, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let waiting
  child.on('message', (m) => {
    const w = waiting
    waiting = undefined
    w?.resolve(m)
  })
  child.on('exit', (code, signal) => {
    const w = waiting
    waiting = undefined
    w?.reject(new Error(`${file} exited (${signal ?? code})`))
  })
  const next = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file}: no answer in ${timeoutMs} ms`)), timeoutMs)
      waiting = {
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      }
    })
  const hello = next()
  return hello.then((first) => ({
    child,
    hello: first,
    async ask(msg) {
      const answer = next()
      child.send(msg)
      const a = await answer
      if (a && a.ok === false) throw new Error(a.error)
      return a
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise((r) => child.once('exit', r))
      child.send({ cmd: 'stop' })
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await gone
      clearTimeout(t)
    },
  }))
}

/** VmRSS / VmHWM of a process, bytes. */
export function memOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (f) => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** Percentile `p` of sorted numbers. */
export function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

export const MiB = 1024 * 1024
export const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : String(v))
