// Rebuild and unseal task flows end to end — the real manager on the devnet, a real worker
// process with mock proofs — with the worker killed by SIGKILL inside each step of each plan.
// After every restart the thread must continue the same task from the state of its record, and
// the task must end done: the rebuilt replica byte-identical to the lost one, the unsealed copy
// equal to the deal's payload.
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { mockProofs, parseWorkerConfig } from '@venus-cluster/core'
import { checkSectorFiles } from '@venus-cluster/manager'
import { afterAll, describe, expect, it } from 'vitest'
import { bundleFixture } from './__fixtures__/bundle.js'
import { sealDataSector } from './__fixtures__/data-sector.js'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { type ManagerEnv, startManagerEnv } from './__fixtures__/manager-env.js'
import { SectorRecordStore } from './record.js'
import { createSealingWorker } from './worker.js'

const child = fileURLToPath(new URL('./__fixtures__/repair-child.ts', import.meta.url))
let env: WorkerEnv | undefined
let mgr: ManagerEnv | undefined
let proc: ChildProcess | undefined
afterAll(async () => {
  proc?.kill('SIGKILL')
  await mgr?.stop()
  env?.cleanup()
})

interface Line {
  index: number
  plan: string
  sector: string | null
  prev: string
  next: string
  failure: unknown
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The worker config with one thread per store, running the given plans. */
function configText(plans: readonly string[]): string {
  const e = env as WorkerEnv
  let text = e.configText.replace(
    '/ip4/127.0.0.1/tcp/1789',
    (mgr as ManagerEnv).url.replace('http://', 'ws://'),
  )
  e.stores.forEach((s, i) => {
    text = text.replace(`location = "${s}"\n`, `location = "${s}"\nplan = "${plans[i]}"\n`)
  })
  return text
}

/** Starts the worker process (mock stages of 150 ms each), passing it each step line. */
function startWorker(bundled: string, config: string, onLine: (l: Line) => void): ChildProcess {
  const p = spawn(process.execPath, [bundled, config, '150'], { stdio: ['ignore', 'pipe', 'inherit'] })
  createInterface({ input: p.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    if (text.startsWith('{')) onLine(JSON.parse(text) as Line)
  })
  return p
}

async function kill(p: ChildProcess): Promise<void> {
  const exited = new Promise((r) => p.once('exit', r))
  p.kill('SIGKILL')
  await exited
}

/**
 * Kills the worker once thread `thread` reports entering each of `targets` (in order, skipping
 * those its record has passed), then checks the next process resumed the thread from its record.
 * Returns the states the record held at each kill.
 */
async function killAtEachStep(
  bundled: string,
  config: string,
  thread: number,
  targets: readonly string[],
  order: readonly string[],
): Promise<{ killedAt: string[]; resumed: number; mismatches: string[] }> {
  const store = new SectorRecordStore((env as WorkerEnv).stores[thread] as string)
  const killedAt: string[] = []
  const mismatches: string[] = []
  let resumed = 0
  for (const target of targets) {
    const before = await store.load()
    const from = before?.state_name ?? 'Empty'
    if (order.indexOf(from) >= order.indexOf(target)) continue
    let first: Line | undefined
    let hit = false
    const p = startWorker(bundled, config, (l) => {
      if (l.index !== thread) return
      first ??= l
      if (l.next === target) hit = true
    })
    proc = p
    const end = Date.now() + 20_000
    while (!hit && Date.now() < end && p.exitCode === null) await sleep(2)
    await kill(p)
    if (!hit) throw new Error(`thread ${thread} never reached ${target}`)
    // The first step of this process on the thread must have continued the recorded state.
    if (before !== undefined && first !== undefined) {
      if (first.prev === from) resumed++
      else mismatches.push(`${from} -> ${first.prev}`)
    }
    killedAt.push((await store.load())?.state_name ?? 'Empty')
  }
  return { killedAt, resumed, mismatches }
}

/** Runs the worker until `done()` holds and thread `thread` has no task left (its record is gone). */
async function runUntil(
  bundled: string,
  config: string,
  thread: number,
  done: () => Promise<boolean>,
): Promise<Line[]> {
  const store = new SectorRecordStore((env as WorkerEnv).stores[thread] as string)
  const lines: Line[] = []
  const p = startWorker(bundled, config, (l) => lines.push(l))
  proc = p
  const end = Date.now() + 30_000
  while (!(await done()) || (await store.load()) !== undefined) {
    if (Date.now() > end) {
      await kill(p)
      throw new Error(
        `not done; steps: ${lines.map((l) => `${l.plan}:${l.next}:${JSON.stringify(l.failure)}`).join(' ')}`,
      )
    }
    await sleep(20)
  }
  await kill(p)
  return lines
}

const REBUILD_ORDER = [
  'Empty',
  'Allocated',
  'PieceAdded',
  'TreeDBuilt',
  'PC1Done',
  'PC2Done',
  'Persisted',
  'Finished',
]
const UNSEAL_ORDER = ['Empty', 'Allocated', 'Persisted', 'Finished']

describe('rebuild and unseal workers killed with SIGKILL at each step', () => {
  it('rebuild: a lost sealed file comes back byte-identical, a lost cache beside the surviving replica; unseal: the piece equals its payload', async () => {
    env = await workerEnv({ threads: 2 })
    mgr = await startManagerEnv({ persist: env.persist, maxSectors: 1, seed: 'repair-kill9' })
    const m = mgr
    const miner = m.minerId
    const id = { miner, number: 1 }
    const name = `s-t0${miner}-1`
    const sealedPath = join(env.persist, 'sealed', name)

    // 1. A CC sector sealed to the end by a sealer thread, in process.
    const sealer = createSealingWorker({
      config: parseWorkerConfig(configText(['sealer', 'unseal']), 'seal.toml'),
      proofs: mockProofs(),
      controlApi: false,
    })
    await sealer.start()
    const sealedEnd = Date.now() + 30_000
    while (!(await m.manager.store.listSectors(false)).some((s) => s.finalized && s.id.number === 1)) {
      if (Date.now() > sealedEnd) throw new Error('the CC sector was not sealed')
      await sleep(20)
    }
    await sealer.stop()
    expect(await m.manager.chain.sectorInfo(miner, 1)).not.toBeNull()
    const original = sha(sealedPath)

    // 2. Its sealed file is lost; a rebuild is queued (the whole sector: the replica is gone).
    rmSync(sealedPath)
    expect(await checkSectorFiles(env.persist, id, 2048)).toBe('sealed file missing')
    const { task } = await m.manager.repair.requestRebuild(id)
    expect(task.detail).toEqual({ cacheOnly: false, sealedInstance: null })

    // 3. A rebuild thread, killed inside each of its steps, then run to the end.
    const bundled = await bundleFixture(child, env.dir, 'repair-child')
    const config = join(env.dir, 'repair.toml')
    writeFileSync(config, configText(['rebuild', 'unseal']))
    const rebuild = await killAtEachStep(bundled, config, 0, REBUILD_ORDER.slice(1, -1), REBUILD_ORDER)
    console.log(
      'rebuild: killed with the record at',
      rebuild.killedAt.join(' '),
      `(${rebuild.resumed} resumed)`,
    )
    expect(rebuild.mismatches).toEqual([])
    expect(new Set(rebuild.killedAt).size).toBeGreaterThanOrEqual(4)
    expect(rebuild.resumed).toBe(rebuild.killedAt.length - 1)
    await runUntil(
      bundled,
      config,
      0,
      async () => (await m.manager.repair.get('rebuild', id))?.state === 'done',
    )
    expect(sha(sealedPath)).toBe(original)
    expect(await checkSectorFiles(env.persist, id, 2048)).toBeNull()
    expect(await m.manager.store.findLocation(id, 'normal')).toEqual({ sealed: 'ps1', cache: 'ps1' })

    // 4. The cache is lost, the replica survives: a cache-only rebuild leaves the replica alone.
    rmSync(join(env.persist, 'cache', name), { recursive: true })
    const replicaWritten = statSync(sealedPath).mtimeMs
    const cacheOnly = await m.manager.repair.requestRebuild(id)
    expect(cacheOnly.task.detail).toEqual({ cacheOnly: true, sealedInstance: 'ps1' })
    await runUntil(
      bundled,
      config,
      0,
      async () => (await m.manager.repair.get('rebuild', id))?.state === 'done',
    )
    expect(statSync(sealedPath).mtimeMs).toBe(replicaWritten)
    expect(await checkSectorFiles(env.persist, id, 2048)).toBeNull()
    expect(existsSync(join(env.persist, 'cache', name, 't_aux'))).toBe(true)

    // 5. A data sector; its second piece is unsealed by a thread killed inside each step.
    const data = await sealDataSector({
      proofs: mockProofs(),
      store: m.manager.store,
      persist: env.persist,
      scratch: join(env.dir, 'scratch'),
      miner,
      number: 500,
    })
    const piece = data.cids[1] as string
    await m.manager.repair.requestUnseal(data.id, piece)
    const unseal = await killAtEachStep(bundled, config, 1, UNSEAL_ORDER.slice(1, -1), UNSEAL_ORDER)
    console.log('unseal: killed with the record at', unseal.killedAt.join(' '), `(${unseal.resumed} resumed)`)
    expect(unseal.mismatches).toEqual([])
    expect(unseal.killedAt.length).toBeGreaterThanOrEqual(1)
    await runUntil(
      bundled,
      config,
      1,
      async () => (await m.manager.repair.get('unseal', data.id, piece))?.state === 'done',
    )
    const copy = join(env.persist, 'piece', piece)
    expect(Buffer.from(readFileSync(copy)).equals(data.payloads[1] as Buffer)).toBe(true)
    expect(await m.manager.repair.pieceCopyPath(piece)).toBe(copy)
    expect(await m.manager.store.findPieceCopies(piece)).toEqual([
      { piece, id: data.id, instance: 'ps1', size: 900 },
    ])
    // No torn temporary copy is left behind by the kills.
    expect(readdirSync(join(env.persist, 'piece'))).toEqual([piece])
  }, 180_000)
})
