import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { type ManagerEnv, startManagerEnv } from './__fixtures__/manager-env.js'

const bin = fileURLToPath(new URL('../../cli/dist/bin/venus-worker.js', import.meta.url))
const run = promisify(execFile)
let env: WorkerEnv | undefined
let mgr: ManagerEnv | undefined
let daemon: ChildProcess | undefined
afterAll(async () => {
  daemon?.kill('SIGKILL')
  await mgr?.stop()
  env?.cleanup()
})

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
    })
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.skipIf(!existsSync(bin))('venus-worker daemon (built CLI)', () => {
  it('seals sectors with an external pc2 child and the pool, answers worker list/pause/resume, exits cleanly', async () => {
    const port = await freePort()
    env = await workerEnv({
      threads: 2,
      port,
      extra: '[processors.limit]\npc2 = 1\n\n[[processors.pc2]]\nconcurrent = 1\n',
    })
    mgr = await startManagerEnv({ persist: env.persist, maxSectors: 3, seed: 'sealer-daemon' })
    const cfg = join(env.dir, 'worker.toml')
    writeFileSync(cfg, env.configText.replace('/ip4/127.0.0.1/tcp/1789', mgr.url.replace('http://', 'ws://')))
    let stderr = ''
    daemon = spawn(process.execPath, [bin, 'daemon', '-c', cfg], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, RUST_LOG: 'info' },
    })
    daemon.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString()
    })
    const m = mgr
    const end = Date.now() + 60_000
    while ((await m.manager.store.listSectors(false)).filter((s) => s.finalized).length < 3) {
      if (Date.now() > end || daemon.exitCode !== null)
        throw new Error(`daemon did not seal 3 sectors:\n${stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    for (const name of readdirSync(join(env.persist, 'sealed'))) {
      expect(statSync(join(env.persist, 'sealed', name)).size).toBe(2048)
    }
    // Log lines are pino JSON on stderr.
    expect(stderr).toMatch(/"msg":"venus-worker daemon running"/)

    const list = JSON.parse(
      (await run(process.execPath, [bin, 'worker', '-c', cfg, 'list', '--json'])).stdout,
    )
    expect(list.map((t: { index: number }) => t.index)).toEqual([0, 1])
    const paused = await run(process.execPath, [bin, 'worker', '-c', cfg, 'pause', '-i', '0'])
    expect(paused.stdout).toMatch(/thread 0: pause requested/)
    for (let i = 0; i < 200; i++) {
      const l = JSON.parse((await run(process.execPath, [bin, 'worker', '-c', cfg, 'list', '--json'])).stdout)
      if (l[0].paused) break
      await new Promise((r) => setTimeout(r, 25))
    }
    const resumed = await run(process.execPath, [bin, 'worker', '-c', cfg, 'resume', '-i', '0'])
    expect(resumed.stdout).toMatch(/thread 0: resumed/)
    const bad = await run(process.execPath, [bin, 'worker', '-c', cfg, 'resume', '-i', '7']).catch((e) => e)
    expect(String(bad.stderr)).toMatch(/no sealing thread with index 7/)

    // The external pc2 child is a process of its own and goes away with the daemon.
    const { stdout: ps } = await run('ps', ['-o', 'pid=,args=', '--ppid', String(daemon.pid)])
    const childPid = Number(
      ps
        .split('\n')
        .find((l) => l.includes('processor pc2'))
        ?.trim()
        .split(/\s+/)[0],
    )
    expect(childPid).toBeGreaterThan(0)
    const exited = new Promise<number | null>((r) => daemon?.once('exit', (code) => r(code)))
    daemon.kill('SIGTERM')
    expect(await exited).toBe(0)
    for (let i = 0; i < 100 && alive(childPid); i++) await new Promise((r) => setTimeout(r, 20))
    expect(alive(childPid)).toBe(false)
  }, 120_000)
})
