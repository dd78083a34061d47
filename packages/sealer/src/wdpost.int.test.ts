// PoSt workers end to end: a WindowPoSt scheduler whose proofs are computed by two worker
// processes with `plan = "wdpost"` through the manager's job queue (`Venus.WdPoSt*`). The worker
// that takes the first job is killed with SIGKILL in the middle of it; its heartbeats stop, the
// job times out, is queued again, and the other worker proves it in time.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import {
  createChainClient,
  customTransport,
  mockProofs,
  prepareFileStore,
  prepareSealingStore,
} from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'
import { createDevnet, devnetParamsShortPeriod, devnetTransport } from '@venus-cluster/devnet'
import { sealTestSectors } from '@venus-cluster/devnet/testing'
import { createPostJobQueue, createWdPoStApi, openSqliteStore } from '@venus-cluster/manager'
import { dirLocator, onAnyWindowPoStEvent, WindowPoStScheduler } from '@venus-cluster/poster'
import { afterAll, describe, expect, it } from 'vitest'
import { blockTimer } from './__fixtures__/block-timer.js'
import { bundleFixture } from './__fixtures__/bundle.js'

const child = fileURLToPath(new URL('./__fixtures__/wdpost-worker-child.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'wdpost-int-'))
const procs: ChildProcess[] = []
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL')
  for (const c of cleanups.reverse()) await c().catch(() => {})
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('PoSt workers (plan "wdpost")', () => {
  it('prove a deadline through the job queue, and a job whose worker is killed mid-proof is retried on another', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'wdpost-int', proofs, params: devnetParamsShortPeriod(20) })
    const persist = join(dir, 'persist')
    await prepareFileStore(persist)
    const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
    devnet.injectSectors(who.miner, await sealTestSectors(proofs, persist, who.minerId, [1, 2, 3, 4]))
    await devnet.faucet(who.miner, 100n * 10n ** 18n)
    await devnet.mine(1)
    cleanups.push(() => devnet.stop())

    const store = await openSqliteStore({ path: ':memory:' })
    cleanups.push(() => store.close())
    const jobs = createPostJobQueue({
      store,
      persistStores: [{ name: 'ps1', path: persist }],
      maxTry: 3,
      heartbeatTimeoutMs: 1500,
      sweepMs: 250,
      pollMs: 100,
    })
    await jobs.start()
    cleanups.push(() => jobs.stop())
    const server = createRpcServer({ methods: createWdPoStApi(store, { maxTry: 3 }) })
    const { url } = await server.listen({ host: '127.0.0.1', port: 0 })
    cleanups.push(() => server.close())

    const chain = createChainClient(customTransport(devnetTransport(devnet)))
    const scheduler = new WindowPoStScheduler({
      miner: who.miner,
      chain,
      proofs,
      locate: dirLocator(persist),
      compute: (job, o) => jobs.compute(job, o),
      config: { challengeConfidence: 1, submitConfidence: 1, retryDelayMs: 100 },
    })
    const events: { type: string; open?: number }[] = []
    onAnyWindowPoStEvent(scheduler.events, (e) => {
      if (e.type !== 'head') events.push(e)
    })

    // Two PoSt workers, one wdpost thread each, the persist store attached under its name.
    const bundled = await bundleFixture(child, dir, 'wdpost-worker-child')
    const workers = await Promise.all(
      ['wdpost-a', 'wdpost-b'].map(async (name, i) => {
        const loc = join(dir, `thread-${name}`)
        await prepareSealingStore(loc)
        const cfg = join(dir, `${name}.toml`)
        writeFileSync(
          cfg,
          `[worker]\nname = "${name}"\n\n[worker.rpc_server]\nhost = "127.0.0.1"\nport = ${18990 + i}\n\n[sector_manager.rpc_client]\naddr = "${url}"\n\n[sealing]\nrecover_interval = "100ms"\nmax_retries = 3\n\n[[sealing_thread]]\nlocation = "${loc}"\nplan = "wdpost"\n\n[[attached]]\nname = "ps1"\nlocation = "${persist}"\n`,
        )
        const lines: { at: number; text: string }[] = []
        // Every proofs call of a job takes 300 ms: a job (4 vanilla proofs and a SNARK) runs ~2 s.
        const p = spawn(process.execPath, [bundled, cfg, '300'], { stdio: ['ignore', 'pipe', 'inherit'] })
        procs.push(p)
        createInterface({ input: p.stdout as NodeJS.ReadableStream }).on('line', (text) =>
          lines.push({ at: Date.now(), text }),
        )
        while (!lines.some((l) => l.text === 'started')) await sleep(20)
        return { name, proc: p, lines }
      }),
    )

    // Fast to just before the challenge of the first deadline with sectors, then in real time.
    const loc = (await chain.stateSectorPartition(who.miner, 1)) as { Deadline: number }
    const di = await chain.stateMinerProvingDeadline(who.miner)
    let first = di.PeriodStart + loc.Deadline * di.WPoStChallengeWindow
    while (first - di.WPoStChallengeLookback <= di.CurrentEpoch + 2) first += di.WPoStProvingPeriod
    await devnet.mine(first - di.WPoStChallengeLookback - 2 - devnet.head().height)
    await scheduler.start()
    cleanups.push(() => scheduler.stop())
    const blocks = blockTimer(() => devnet.mine(1).then(() => {}), 400)
    cleanups.push(() => blocks.stop())

    // The first worker to take a job is killed in the middle of it.
    let victim: (typeof workers)[number] | undefined
    for (let i = 0; i < 600 && victim === undefined; i++) {
      victim = workers.find((w) => w.lines.some((l) => l.text.includes('"prev":"Empty","next":"Allocated"')))
      await sleep(50)
    }
    expect(victim, 'a worker took a job').toBeDefined()
    const running = (await store.post.listJobs({ all: true })).find((j) => j.state === 'running')
    expect(running?.workerName).toBe(victim?.name)
    await sleep(600)
    victim?.proc.kill('SIGKILL')
    const other = workers.find((w) => w !== victim)

    // The job is taken again by the other worker and finishes; its deadline is proven.
    let job = await store.post.getJob(running?.id as string)
    for (let i = 0; i < 400 && !(job?.state === 'finished' && job.errorReason === ''); i++) {
      await sleep(100)
      job = await store.post.getJob(running?.id as string)
    }
    expect(job).toMatchObject({ state: 'finished', errorReason: '', workerName: other?.name })
    expect(job?.tryNum).toBe(2)
    expect(job?.output?.proofs.length).toBe(1)
    const open = job?.open
    for (let i = 0; i < 400 && !events.some((e) => e.type === 'deadline-proven' && e.open === open); i++)
      await sleep(100)
    expect(events.filter((e) => e.open === open).map((e) => e.type)).toContain('deadline-proven')
    expect(events.filter((e) => e.type === 'deadline-missed')).toEqual([])
  }, 180_000)
})
