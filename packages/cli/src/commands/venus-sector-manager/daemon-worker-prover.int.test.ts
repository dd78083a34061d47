// `daemon run --poster --worker-prover` with a `venus-worker daemon` whose thread runs
// `plan = "wdpost"`, as an operator starts them: both built CLIs in their own processes, chain and
// messager on a devnet served over JSON-RPC (mined by the test), the sector files in a persist
// store both attach. The manager publishes each deadline's proving as a job, the worker proves it,
// and the deadline is proven on chain; `util worker wdpost list` shows the jobs it finished.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createChainClient,
  customTransport,
  mockProofs,
  prepareFileStore,
  prepareSealingStore,
  runsToNumbers,
} from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, devnetTransport, serveDevnet } from '@venus-cluster/devnet'
import { sealTestSectors, windowPoStAudit } from '@venus-cluster/devnet/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuiltCli, freePort, type SpawnedCli, spawnBuilt } from '../../__fixtures__/built-cli.js'
import { seedManagerCfg } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const WINDOW = 20

const proofs = mockProofs()
const devnet = createDevnet({ seed: 'cli-worker-prover', proofs, params: devnetParamsShortPeriod(WINDOW) })
const chain = createChainClient(customTransport(devnetTransport(devnet)))
let served: Awaited<ReturnType<typeof serveDevnet>>
let dir: string
let store: string
let miner: string
let minerId: number
const procs: SpawnedCli[] = []

beforeAll(async () => {
  await ensureBuiltCli()
  dir = mkdtempSync(join(tmpdir(), 'vsm-worker-prover-'))
  store = join(dir, 'persist')
  await prepareFileStore(store)
  const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
  miner = who.miner
  minerId = who.minerId
  devnet.injectSectors(miner, await sealTestSectors(proofs, store, who.minerId, [1, 2, 3, 4]))
  await devnet.faucet(miner, 100n * 10n ** 18n)
  await devnet.mine(1)
  served = await serveDevnet(devnet, { noAuth: true })
  writeFileSync(
    join(dir, 'sector-manager.cfg'),
    seedManagerCfg({
      minerId: who.minerId,
      api: `http://${served.host}:${served.port}/rpc/v1`,
      store,
      sender: who.owner,
      extra: [
        '[PoSt]',
        '[PoSt.Default]',
        'ChallengeConfidence = 1',
        'SubmitConfidence = 1',
        'MsgConfidence = 2',
        `[PoSt.Actors.${who.minerId}]`,
        `Sender = "${who.owner}"`,
      ],
    }),
  )
})

afterAll(async () => {
  for (const p of procs)
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL')
      await p.exited
    }
  await served?.close()
  await devnet.stop()
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('venus-sector-manager daemon run --poster --worker-prover', () => {
  it('hands the proving of each deadline to a PoSt worker, which proves it on chain', async () => {
    const port = await freePort()
    const manager = spawnBuilt('venus-sector-manager', [
      '--home',
      dir,
      'daemon',
      'run',
      '--listen',
      `127.0.0.1:${port}`,
      '--poster',
      '--worker-prover',
      '--proofs',
      'mock',
      '--no-auth',
    ])
    procs.push(manager)
    for (let i = 0; i < 300 && !/WindowPoSt scheduling for/.test(manager.output()); i++) await sleep(50)
    expect(manager.output()).toMatch(/proofs by PoSt workers \(plan "wdpost", vanilla proofs on the worker\)/)

    const thread = join(dir, 'thread0')
    await prepareSealingStore(thread)
    const workerPort = await freePort()
    const cfg = join(dir, 'venus-worker.toml')
    writeFileSync(
      cfg,
      [
        '[worker]',
        'name = "postw1"',
        '[worker.rpc_server]',
        'host = "127.0.0.1"',
        `port = ${workerPort}`,
        '[sector_manager.rpc_client]',
        `addr = "/ip4/127.0.0.1/tcp/${port}"`,
        '[sealing]',
        'recover_interval = "100ms"',
        '[[sealing_thread]]',
        `location = "${thread}"`,
        'plan = "wdpost"',
        '[[attached]]',
        'name = "ps1"',
        `location = "${store}"`,
        '',
      ].join('\n'),
    )
    const worker = spawnBuilt('venus-worker', ['daemon', '-c', cfg, '--proofs', 'mock'])
    procs.push(worker)

    // Deadlines holding sectors; the first occurrence of each after the start is proven.
    const targets: number[] = []
    for (let dl = 0; dl < 48; dl++)
      if ((await chain.stateMinerPartitions(miner, dl)).some((p) => runsToNumbers(p.AllSectors).length > 0))
        targets.push(dl)
    expect(targets.length).toBeGreaterThan(0)
    const from = devnet.head().height + 1
    const di0 = await chain.stateMinerProvingDeadline(miner)
    const end = di0.PeriodStart + 2 * di0.WPoStProvingPeriod
    const proven = new Set<number>()
    // Fast between the windows with sectors, slowly inside them, where manager and worker act.
    while (devnet.head().height < end && proven.size < targets.length) {
      const di = await chain.stateMinerProvingDeadline(miner)
      const busy = targets.includes(di.Index) || targets.includes((di.Index + 1) % 48)
      if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`)
      await devnet.mine(1)
      await sleep(busy ? 150 : 5)
      if (!busy) continue
      for (const w of windowPoStAudit(devnet, miner, { from }).deadlines)
        if (w.required.length > 0 && w.missed.length === 0) proven.add(w.deadline)
    }
    const audit = windowPoStAudit(devnet, miner, { from })
    const withSectors = audit.deadlines.filter((w) => w.required.length > 0)
    expect(withSectors.map((w) => w.deadline).sort((a, b) => a - b)).toEqual(targets)
    const logs = () => `manager:\n${manager.output().slice(-4000)}\nworker:\n${worker.output().slice(-4000)}`
    expect(audit.missed, logs()).toEqual([])
    expect(audit.doubled).toEqual([])

    // The worker computed them: finished jobs of this miner, one per deadline, taken by postw1.
    const listen = `127.0.0.1:${port}`
    const list = await vsmCli(['--json', 'util', 'worker', '--listen', listen, 'wdpost', 'list', '--all'])
    expect(list.code, list.err).toBe(0)
    type Job = {
      DeadlineIdx: number
      Input: { MinerId: number }
      WorkerName: string
      State: string
      ErrorReason: string
      Sectors: number
      Faults: number
      DisplayState: string
    }
    const jobs = (JSON.parse(list.out) as { Jobs: Job[] }).Jobs.filter((j) => targets.includes(j.DeadlineIdx))
    expect(new Set(jobs.map((j) => j.DeadlineIdx))).toEqual(new Set(targets))
    for (const j of jobs)
      expect(j).toMatchObject({
        Input: { MinerId: minerId },
        WorkerName: 'postw1',
        State: 'finished',
        ErrorReason: '',
        Faults: 0,
        DisplayState: 'Succeed',
      })
    expect(jobs.reduce((n, j) => n + j.Sectors, 0)).toBeGreaterThanOrEqual(4)
    expect(worker.child.exitCode).toBeNull()
  }, 240_000)
})
