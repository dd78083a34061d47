import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { bundleFixture } from './__fixtures__/bundle.js'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { type ManagerEnv, startManagerEnv } from './__fixtures__/manager-env.js'
import { SectorRecordStore } from './record.js'

const child = fileURLToPath(new URL('./__fixtures__/worker-child.ts', import.meta.url))
let env: WorkerEnv | undefined
let mgr: ManagerEnv | undefined
let proc: ChildProcess | undefined
afterAll(async () => {
  proc?.kill('SIGKILL')
  await mgr?.stop()
  env?.cleanup()
})

let bundled = ''

function startWorker(config: string, onLine: (line: string) => void): ChildProcess {
  const p = spawn(process.execPath, [bundled, config], { stdio: ['ignore', 'pipe', 'inherit'] })
  createInterface({ input: p.stdout as NodeJS.ReadableStream }).on('line', onLine)
  return p
}

const SECTORS = 10
const KILLS = 20

describe('worker killed with SIGKILL at random moments', () => {
  it(`resumes every sector at its step after ${KILLS} kills and finishes all with complete files`, async () => {
    env = await workerEnv({ threads: 2, extra: '[processors.limit]\npc1 = 1\nc2 = 1\n' })
    mgr = await startManagerEnv({ persist: env.persist, maxSectors: SECTORS, seed: 'sealer-kill9' })
    // Bundled once, so each of the many restarts starts in a fraction of a second.
    bundled = await bundleFixture(child, env.dir, 'worker-child')
    const configPath = join(env.dir, 'worker.toml')
    writeFileSync(
      configPath,
      env.configText.replace('/ip4/127.0.0.1/tcp/1789', mgr.url.replace('http://', 'ws://')),
    )
    const owned = new Set<string>()
    const killedAt: string[] = []
    let lastStep = ''
    const failures: string[] = []
    // What each store's record said when the worker was (re)started, and what the new process
    // did first on that thread: it must continue the same sector from the same state.
    let resumeFrom = new Map<number, { sector: string; state: string }>()
    let resumed = 0
    const mismatches: string[] = []
    const snapshot = async () => {
      resumeFrom = new Map()
      for (const [i, store] of (env?.stores ?? []).entries()) {
        const rec = await new SectorRecordStore(store).load()
        const id = rec?.base?.allocated.ID
        if (
          rec === undefined ||
          id === undefined ||
          rec.state_name === 'Finished' ||
          rec.state_name === 'Aborted'
        )
          continue
        resumeFrom.set(i, { sector: `m-${id.Miner}-s-${id.Number}`, state: rec.state_name })
      }
    }
    let generation = 0
    const onLine = (line: string, gen = generation) => {
      if (!line.startsWith('{')) return
      const e = JSON.parse(line) as {
        index: number
        sector: string | null
        prev: string
        next: string
        failure: unknown
      }
      // Lines of a killed process may still arrive; only the live one is checked.
      const want = gen === generation ? resumeFrom.get(e.index) : undefined
      if (want !== undefined) {
        resumeFrom.delete(e.index)
        if (want.sector === e.sector && want.state === e.prev) resumed++
        else mismatches.push(`${JSON.stringify(want)} -> ${e.sector}:${e.prev}`)
      }
      if (e.sector !== null) owned.add(e.sector)
      if (e.failure !== null) failures.push(`${e.sector}:${e.next}:${JSON.stringify(e.failure)}`)
      lastStep = `${e.sector}:${e.next}`
    }
    for (let k = 0; k < KILLS; k++) {
      await snapshot()
      const gen = ++generation
      let steps = 0
      const p = startWorker(configPath, (l) => {
        steps++
        onLine(l, gen)
      })
      proc = p
      // Kill once the worker is busy sealing, after a random extra delay.
      const end = Date.now() + 3_000
      while (steps < 2 && Date.now() < end && p.exitCode === null) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 120)))
      const exited = new Promise((r) => p.once('exit', r))
      p.kill('SIGKILL')
      await exited
      killedAt.push(lastStep)
    }
    // Final run: every sector the worker owns must finish.
    await snapshot()
    const last = ++generation
    proc = startWorker(configPath, (l) => onLine(l, last))
    const m = mgr
    const end = Date.now() + 60_000
    const finalizedAtManager = async () =>
      new Set(
        (await m.manager.store.listSectors(false))
          .filter((s) => s.finalized)
          .map((s) => `m-${s.id.miner}-s-${s.id.number}`),
      )
    for (;;) {
      const done = await finalizedAtManager()
      // A kill between the Finished record and its step line hides the line; the manager knows.
      if ([...owned].every((s) => done.has(s))) break
      if (Date.now() > end) {
        throw new Error(
          `not finished: owned ${[...owned]} finalized ${[...done]}; failures ${failures.join('\n')}`,
        )
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    proc.kill('SIGKILL')
    console.log(`killed ${KILLS} times at`, killedAt.join(' '), 'failures:', failures.join('\n'))
    expect(killedAt.length).toBe(KILLS)
    expect(mismatches).toEqual([])
    console.log(`${resumed} restarts continued a sector at the exact state of its record`)
    expect(resumed).toBeGreaterThanOrEqual(KILLS / 2)
    // Every sector the worker ever reported on is finalized at the manager.
    const offline = await mgr.manager.store.listSectors(false)
    const finalized = new Set(
      offline.filter((s) => s.finalized).map((s) => `m-${s.id.miner}-s-${s.id.number}`),
    )
    for (const s of owned) expect(finalized.has(s), s).toBe(true)
    const sealed = readdirSync(join(env.persist, 'sealed'))
    expect(sealed.length).toBe(owned.size)
    for (const name of sealed) {
      expect(statSync(join(env.persist, 'sealed', name)).size).toBe(2048)
      expect(readdirSync(join(env.persist, 'cache', name)).sort()).toEqual([
        'p_aux',
        'sc-02-data-tree-r-last.dat',
        't_aux',
      ])
    }
  }, 180_000)
})
