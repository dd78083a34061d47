// `venus-sector-manager daemon run --poster` as an operator starts it: the built CLI in its own
// process, its config in the home, chain and messager on a devnet served over JSON-RPC, and the
// miner's sector files in a persist store. The daemon must prove the deadlines that hold the
// sectors, on chain, with nothing marked faulty.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient, mockProofs, runsToNumbers } from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, devnetTransport, serveDevnet } from '@venus-cluster/devnet'
import { sealTestSectors } from '@venus-cluster/devnet/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { builtBin, ensureBuiltCli, ROOT } from '../../__fixtures__/built-cli.js'
import { seedManagerCfg } from '../../__fixtures__/served-miner.js'

const BIN = builtBin('venus-sector-manager')
const WINDOW = 10
/** `[PoSt.Default] MsgConfidence`: low, as on a fast devnet (the default is 10). */
const CONFIDENCE = 2

const proofs = mockProofs()
const devnet = createDevnet({ seed: 'cli-daemon-poster', proofs, params: devnetParamsShortPeriod(WINDOW) })
const chain = createChainClient(devnetTransport(devnet))
let served: Awaited<ReturnType<typeof serveDevnet>>
let home: string
let store: string
let miner: string
let daemon: ChildProcess | undefined
let log = ''

beforeAll(async () => {
  await ensureBuiltCli()
  home = mkdtempSync(join(tmpdir(), 'vsm-poster-home-'))
  store = mkdtempSync(join(tmpdir(), 'vsm-poster-ps-'))
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
        'ChallengeConfidence = 1',
        'SubmitConfidence = 1',
        `MsgConfidence = ${CONFIDENCE}`,
        `[PoSt.Actors.${who.minerId}]`,
        `Sender = "${who.owner}"`,
      ],
    }),
  )
})

afterAll(async () => {
  if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL')
  await served?.close()
  await devnet.stop()
  rmSync(home, { recursive: true, force: true })
  rmSync(store, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Deadlines of the miner holding sectors (from the chain). */
async function deadlinesWithSectors(): Promise<number[]> {
  const out: number[] = []
  for (let dl = 0; dl < 48; dl++) {
    const parts = await chain.stateMinerPartitions(miner, dl)
    if (parts.some((p) => runsToNumbers(p.AllSectors).length > 0)) out.push(dl)
  }
  return out
}

describe('venus-sector-manager daemon run --poster', () => {
  it('proves the deadlines holding the sectors on chain, and marks nothing faulty', async () => {
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
    for (let i = 0; i < 200 && !/WindowPoSt scheduling for/.test(log); i++) await sleep(50)
    expect(log).toMatch(/WindowPoSt scheduling for t0\d+; messages through the messager/)

    const targets = await deadlinesWithSectors()
    expect(targets.length).toBeGreaterThan(0)
    const proven = new Set<number>()
    // Epochs go fast between windows and slowly inside them, where the daemon has to act.
    const di0 = await chain.stateMinerProvingDeadline(miner)
    const end = di0.PeriodStart + 2 * di0.WPoStProvingPeriod
    while (devnet.head().height < end && proven.size < targets.length) {
      const di = await chain.stateMinerProvingDeadline(miner)
      const busy = targets.includes(di.Index) || targets.includes((di.Index + 1) % 48)
      await devnet.mine(1)
      await sleep(busy ? 120 : 5)
      // Deadlines without sectors are reported proven too (nothing to prove): count the targets.
      for (const m of log.matchAll(/post: deadline-proven \{[^\n]*"deadline":(\d+)/g)) {
        if (targets.includes(Number(m[1]))) proven.add(Number(m[1]))
      }
    }
    expect([...proven].sort((a, b) => a - b)).toEqual(targets)
    expect(log).not.toMatch(/deadline-missed/)
    expect(runsToNumbers(await chain.stateMinerFaults(miner))).toEqual([])
    // The proofs went through the messager (ids are its UIDs) and are on chain: SubmitWindowedPoSt
    // to the miner, executed with exit code 0.
    const ids = [...log.matchAll(/post: submitted \{[^\n]*"cid":"([^"]+)"/g)].map((m) => m[1] as string)
    const signed = ids.map((id) => devnet.messagerEntries.get(id)?.stored?.cid)
    expect(signed.every((c) => c !== undefined)).toBe(true)
    const onChain = signed.map((c) => devnet.searchMessage(c as string)).filter((x) => x !== undefined)
    expect(onChain.length).toBeGreaterThanOrEqual(targets.length)
    // A deadline counts as proven only once its proof is buried by MsgConfidence epochs.
    const events = (type: string) =>
      [...log.matchAll(new RegExp(`post: ${type} (\\{[^\\n]*\\})`, 'g'))].map(
        (m) => JSON.parse(m[1] as string) as { open: number; height: number; deadline: number },
      )
    const landed = events('landed')
    const provenTargets = events('deadline-proven').filter((e) => targets.includes(e.deadline))
    expect(provenTargets.length).toBeGreaterThan(0)
    for (const p of provenTargets) {
      const l = landed.filter((x) => x.open === p.open).at(-1)
      expect(l, `landed event of deadline ${p.deadline}`).toBeDefined()
      expect(p.height - (l?.height ?? 0)).toBeGreaterThanOrEqual(CONFIDENCE)
    }
    for (const x of onChain) {
      expect(x.message.message.To).toBe(miner)
      expect(x.message.message.Method).toBe(5)
      expect(x.receipt.exitCode).toBe(0)
    }

    // An operator's Ctrl-C / systemd stop: the daemon stops the poster and exits cleanly.
    const exited = new Promise<number | null>((resolve) => daemon?.once('exit', (c) => resolve(c)))
    daemon.kill('SIGTERM')
    const code = await Promise.race([exited, sleep(15_000).then(() => 'still running')])
    expect(code, log.slice(-2000)).toBe(0)
  }, 90_000)
})
