// `util sealer proving run-wdpost` and `util sealer proving leases` against a running
// `daemon run --poster` (the built CLI in its own process, on a served devnet the test mines).
// With `ChallengeConfidence = 5` the daemon starts proving a deadline only 5 epochs after its
// challenge; a manual run right after the challenge starts it earlier, under a lease of its own,
// and the deadline is proven exactly once on chain.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient, customTransport, mockProofs, runsToNumbers } from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, devnetTransport, serveDevnet } from '@venus-cluster/devnet'
import { sealTestSectors, windowPoStAudit } from '@venus-cluster/devnet/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { builtBin, ensureBuiltCli, ROOT } from '../../__fixtures__/built-cli.js'
import { seedManagerCfg } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const BIN = builtBin('venus-sector-manager')
const WINDOW = 10
const CHALLENGE_CONFIDENCE = 5

const proofs = mockProofs()
const devnet = createDevnet({ seed: 'cli-run-wdpost', proofs, params: devnetParamsShortPeriod(WINDOW) })
const chain = createChainClient(customTransport(devnetTransport(devnet)))
let served: Awaited<ReturnType<typeof serveDevnet>>
let home: string
let store: string
let miner: string
let daemon: ChildProcess | undefined
let log = ''

beforeAll(async () => {
  await ensureBuiltCli()
  home = mkdtempSync(join(tmpdir(), 'vsm-run-wdpost-home-'))
  store = mkdtempSync(join(tmpdir(), 'vsm-run-wdpost-ps-'))
  const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
  miner = who.miner
  devnet.injectSectors(miner, await sealTestSectors(proofs, store, who.minerId, [1, 2, 3, 4]))
  await devnet.faucet(miner, 100n * 10n ** 18n)
  await devnet.mine(1)
  served = await serveDevnet(devnet, { noAuth: true })
  const api = `http://${served.host}:${served.port}/rpc/v1`
  writeFileSync(
    join(home, 'sector-manager.cfg'),
    seedManagerCfg({
      minerId: who.minerId,
      api,
      store,
      sender: who.owner,
      extra: [
        '[PoSt]',
        '[PoSt.Default]',
        `ChallengeConfidence = ${CHALLENGE_CONFIDENCE}`,
        'SubmitConfidence = 1',
        'MsgConfidence = 2',
        `[PoSt.Actors.${who.minerId}]`,
        `Sender = "${who.owner}"`,
      ],
    }),
  )
})

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((r) => daemon?.once('exit', r))
    daemon.kill('SIGKILL')
    await exited
  }
  await served?.close()
  await devnet.stop()
  rmSync(home, { recursive: true, force: true })
  rmSync(store, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface LeaseRow {
  Miner: number
  Deadline: number
  Open: number
  Holder: string
  Token: number
  Released: boolean
}

describe('venus-sector-manager util sealer proving run-wdpost | leases', () => {
  it('starts proving a deadline on request ahead of the daemon, under a lease the listing shows, and it is proven once', async () => {
    daemon = spawn(
      process.execPath,
      [
        BIN,
        '--home',
        home,
        'daemon',
        'run',
        '--listen',
        '127.0.0.1:0',
        '--poster',
        '--proofs',
        'mock',
        '--no-auth',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    daemon.stdout?.on('data', (d) => {
      log += String(d)
    })
    daemon.stderr?.on('data', (d) => {
      log += String(d)
    })
    for (let i = 0; i < 300 && !/WindowPoSt scheduling for/.test(log); i++) await sleep(50)
    const listen = /listening on http:\/\/([^/\s]+)\/rpc\/v0/.exec(log)?.[1]
    const holder = /post: deadline leases as (\S+) /.exec(log)?.[1]
    expect(listen, log).toBeDefined()
    expect(holder, log).toBeDefined()
    const proving = (...args: string[]) =>
      vsmCli(['--home', home, 'util', 'sealer', 'proving', ...args, '--listen', listen as string])

    // The next occurrence of a deadline with sectors, far enough ahead to reach its challenge.
    const targets: number[] = []
    for (let dl = 0; dl < 48; dl++)
      if ((await chain.stateMinerPartitions(miner, dl)).some((p) => runsToNumbers(p.AllSectors).length > 0))
        targets.push(dl)
    expect(targets.length).toBeGreaterThan(0)
    const di = await chain.stateMinerProvingDeadline(miner)
    let open = Number.POSITIVE_INFINITY
    let target = -1
    for (const dl of targets) {
      let o = di.PeriodStart + dl * WINDOW
      while (o - di.WPoStChallengeLookback <= di.CurrentEpoch + 2) o += di.WPoStProvingPeriod
      if (o < open) [open, target] = [o, dl]
    }
    const challenge = open - di.WPoStChallengeLookback

    // Neither the open deadline nor the next one: refused, naming the current deadline.
    const far = (target + 24) % 48
    const refused = await proving('run-wdpost', '--deadline', String(far))
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(
      new RegExp(`deadline ${far} of ${miner} cannot be proven now: the current deadline is \\d+`),
    )
    expect((await proving('run-wdpost', '--deadline', '48')).err).toContain(
      '--deadline: a deadline index in [0, 48)',
    )

    // One epoch after the challenge: the daemon waits for 5 epochs of confidence, nothing proves yet.
    await devnet.mine(challenge + 1 - devnet.head().height)
    await sleep(300)
    const before = JSON.parse((await proving('leases', '--json')).out) as LeaseRow[]
    expect(before.filter((l) => l.Open === open)).toEqual([])
    const run = await proving('run-wdpost', '--deadline', String(target))
    expect(run.code, run.err).toBe(0)
    expect(run.out).toMatch(
      new RegExp(`${miner} deadline ${target} \\(open ${open}\\): (proving|proven|submitting)`),
    )
    const rows = JSON.parse((await proving('leases', '--json')).out) as LeaseRow[]
    const lease = rows.find((l) => l.Open === open)
    expect(lease).toMatchObject({ Deadline: target, Holder: holder, Released: false })
    expect(lease?.Token).toBeGreaterThanOrEqual(1)
    const text = await proving('leases')
    expect(text.out).toMatch(
      new RegExp(`${miner}\\s+${target}\\s+${open}\\s+${lease?.Token}\\s+held\\s+0\\s+${holder}`),
    )
    // A second request for the same deadline joins the job under way: same lease, no new one.
    expect((await proving('run-wdpost', '--deadline', String(target))).code).toBe(0)
    const again = (JSON.parse((await proving('leases', '--json')).out) as LeaseRow[]).filter(
      (l) => l.Open === open,
    )
    expect(again.map((l) => l.Token)).toEqual([lease?.Token])

    // Through the window, slowly, so the daemon submits; then a few epochs past its close.
    while (devnet.head().height < open + WINDOW + 4) {
      await devnet.mine(1)
      await sleep(120)
    }
    const audit = windowPoStAudit(devnet, miner, { from: open, to: devnet.head().height })
    const window = audit.deadlines.find((w) => w.open === open)
    expect(window?.required.length).toBeGreaterThan(0)
    expect(window?.proven).toEqual(window?.required)
    expect(window?.doubleSubmitted).toEqual([])
    expect(window?.submissions).toBe(1)
    // Deadlines the test mined past in one jump may be reported missed (the daemon can see a head
    // inside their window just before the jump); the one asked for never is.
    expect(log).not.toMatch(new RegExp(`"deadline-missed"[^\\n]*"open":${open}[,}]`))
  }, 120_000)
})
