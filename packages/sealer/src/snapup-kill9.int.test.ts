import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { decodeProveReplicaUpdates3 } from '@venus-cluster/core'
import { devnetTransport } from '@venus-cluster/devnet'
import { afterAll, describe, expect, it } from 'vitest'
import { bundleFixture } from './__fixtures__/bundle.js'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { startSnapManagerEnv } from './__fixtures__/snap-manager-env.js'
import { SectorRecordStore } from './record.js'

const child = fileURLToPath(new URL('./__fixtures__/worker-child-snap.ts', import.meta.url))
const SECTORS = 6
const KILLS = 12

let env: WorkerEnv | undefined
let proc: ChildProcess | undefined
let stopAll: (() => Promise<void>) | undefined
afterAll(async () => {
  proc?.kill('SIGKILL')
  await stopAll?.()
  env?.cleanup()
})

describe('snap-up worker killed with SIGKILL at random moments', () => {
  it(`resumes every snap-up at its step after ${KILLS} kills; every sector is updated once on chain`, async () => {
    env = await workerEnv({ threads: 2, sealing: 'enable_deals = true\nmax_deals = 1' })
    const pieces = join(env.dir, 'pieces')
    const mgr = await startSnapManagerEnv({
      seed: 'snapup-kill9',
      sectors: SECTORS,
      persist: env.persist,
      pieces,
      batch: { threshold: 2, maxWaitMs: 200 },
    })
    stopAll = () => mgr.stop()
    const bundled = await bundleFixture(child, env.dir, 'worker-child-snap')
    const configPath = join(env.dir, 'worker.toml')
    let text = env.configText.replace('/ip4/127.0.0.1/tcp/1789', mgr.url.replace('http://', 'ws://'))
    for (const s of env.stores)
      text = text.replace(`location = "${s}"\n`, `location = "${s}"\nplan = "snapup"\n`)
    writeFileSync(configPath, text)
    const start = (onLine: (line: string) => void) => {
      const p = spawn(process.execPath, [bundled, configPath, pieces], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      createInterface({ input: p.stdout as NodeJS.ReadableStream }).on('line', onLine)
      return p
    }

    const owned = new Set<string>()
    const failures: string[] = []
    const killedAt: string[] = []
    const mismatches: string[] = []
    let lastStep = ''
    let resumed = 0
    let generation = 0
    let resumeFrom = new Map<number, { sector: string; state: string }>()
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
    const onLine = (line: string, gen: number) => {
      if (!line.startsWith('{')) return
      const e = JSON.parse(line) as {
        index: number
        sector: string | null
        prev: string
        next: string
        failure: unknown
      }
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
      const p = start((l) => {
        steps++
        onLine(l, gen)
      })
      proc = p
      // Up to 15 s for the restarted worker's first steps: on a loaded machine (a CI run's
      // parallel test files) its start alone took over 3 s, so kills landed before any step
      // and nothing could be resumed.
      const end = Date.now() + 15_000
      while (steps < 2 && Date.now() < end && p.exitCode === null) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 80)))
      const exited = new Promise((r) => p.once('exit', r))
      p.kill('SIGKILL')
      await exited
      killedAt.push(lastStep)
    }
    await snapshot()
    const last = ++generation
    proc = start((l) => onLine(l, last))
    const stateOf = async (key: string) => {
      const [, miner, , number] = key.split('-')
      return (await mgr.manager.snapup.state({ miner: Number(miner), number: Number(number) }))?.state
    }
    const end = Date.now() + 90_000
    for (;;) {
      const states = await Promise.all([...owned].map(stateOf))
      if (owned.size > 0 && states.every((s) => s === 'done')) break
      if (Date.now() > end)
        throw new Error(
          `not done: ${[...owned].map((o, i) => `${o}=${states[i]}`)}; failures ${failures.join('\n')}`,
        )
      await new Promise((r) => setTimeout(r, 50))
    }
    proc.kill('SIGKILL')
    console.log(
      `killed ${KILLS} times at`,
      killedAt.join(' '),
      `; ${resumed} restarts resumed at the recorded state`,
    )
    expect(killedAt).toHaveLength(KILLS)
    expect(mismatches).toEqual([])
    expect(resumed).toBeGreaterThanOrEqual(KILLS / 2)
    // Each owned sector was updated exactly once, by the manager's batched messages.
    const rpc = (await import('@venus-cluster/core')).createRpcClient(devnetTransport(mgr.devnet))
    const updated: number[] = []
    for (const msg of (await mgr.manager.store.listMessages()).filter((x) => x.kind === 'upgrade')) {
      const m = await rpc.call<{ Params: string; Receipt: { ExitCode: number } | null }>(
        'Message.GetMessageByUid',
        [msg.uid],
      )
      expect(m.Receipt?.ExitCode).toBe(0)
      updated.push(
        ...decodeProveReplicaUpdates3(Buffer.from(m.Params, 'base64')).sectorUpdates.map(
          (u) => u.sectorNumber,
        ),
      )
    }
    expect(updated.sort((a, b) => a - b)).toEqual(
      [...owned].map((o) => Number(o.split('-')[3])).sort((a, b) => a - b),
    )
    // The new replicas are whole; the CC sealed files of the snapped sectors are gone after finality.
    for (const name of readdirSync(join(env.persist, 'update'))) {
      expect(statSync(join(env.persist, 'update', name)).size).toBe(2048)
      expect(readdirSync(join(env.persist, 'update-cache', name)).sort()).toEqual([
        'p_aux',
        'sc-02-data-tree-r-last.dat',
        't_aux',
      ])
    }
    expect(readdirSync(join(env.persist, 'update'))).toHaveLength(owned.size)
    expect(readdirSync(join(env.persist, 'sealed'))).toHaveLength(SECTORS - owned.size)
  }, 360_000)
})
