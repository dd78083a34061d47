import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, encodeTerminateSectors, MinerMethod } from '@venus-cluster/core'
import { devnetParamsShortPeriod } from '@venus-cluster/devnet'
import { createFakeChain, defaultMinerConfig, startManagerNode } from '@venus-cluster/manager'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServedMiner, servedMiner } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

let env: ServedMiner
const dirs: string[] = []
beforeAll(async () => {
  // A devnet mining on its own with a short proving period (48 deadlines of 6 epochs).
  env = await servedMiner('cli-proving-ops', devnetParamsShortPeriod(6))
  // Four 2-sector partitions per deadline's worth: every deadline gets two partitions.
  const n = 48 * 4
  env.devnet.injectSectors(
    env.miner,
    Array.from({ length: n }, (_, i) => ({
      sectorNumber: i + 1,
      sealedCid: commitmentToCid(new Uint8Array(32).fill((i % 100) + 1), 'commR').toString(),
    })),
  )
  // The miner actor pays fault fees from its own balance: DeclareFaultsRecovered needs it to
  // cover the debt they leave.
  await env.devnet.faucet(env.miner, 100n * 10n ** 18n)
})
afterAll(async () => {
  await env?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const proving = (...args: string[]) => vsmCli(['--home', env.home, 'util', 'sealer', 'proving', ...args])
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('venus-sector-manager util sealer proving (operations)', () => {
  it('declares the faulty sectors of a deadline recovered, only with --really-do-it', async () => {
    const m = () => env.devnet.worldAt().miners.get(env.minerId)!
    const dl = m().sectors.get(1)!.deadline
    // Nobody proves: once its window closes the deadline's sectors are faulty.
    while (m().deadlines[dl]!.partitions.every((p) => p.faulty.size === 0)) await sleep(50)
    const dry = await proving('recover-faults', '--deadline', String(dl))
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toMatch(/faulty sector\(s\) to declare recovered/)
    expect(dry.out).toContain('nothing sent; pass --really-do-it')
    const sent = await proving('recover-faults', '--deadline', String(dl), '--really-do-it', '--poll', '50')
    expect(sent.code, sent.err).toBe(0)
    expect(sent.out).toMatch(/DeclareFaultsRecovered \S+ landed/)
    // On chain every faulty sector of the deadline is now recovering, and nothing is left to declare.
    const partitions = m().deadlines[dl]!.partitions
    const faulty = partitions.flatMap((p) => [...p.faulty]).sort((a, b) => a - b)
    expect(faulty).toContain(1)
    expect(partitions.flatMap((p) => [...p.recovering]).sort((a, b) => a - b)).toEqual(faulty)
    const again = await proving('recover-faults', '--deadline', String(dl))
    expect(again.out).toContain('0 faulty sector(s) to declare recovered')
    expect(again.out).toContain('nothing to declare')
    const bad = await proving('recover-faults', '--deadline', '48')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('--deadline: a deadline index in [0, 48)')
  }, 60_000)

  it('compacts the partitions of a deadline away from its window, and refuses one that is open or next', async () => {
    const cur = (await vsmCli(['--home', env.home, '--json', 'util', 'sealer', 'proving', 'info'])).out
    const index = JSON.parse(cur).Deadline.Index as number
    const refused = await proving(
      'compact-partitions',
      '--deadline',
      String(index),
      '--partitions',
      '0,1',
      '--really-do-it',
    )
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/cannot be compacted during its challenge window/)
    // A deadline well away from the open one with two full partitions (the two deadlines that
    // were immutable when the sectors were put in hold none).
    const dls = env.devnet.worldAt().miners.get(env.minerId)!.deadlines
    const far = [...Array(28).keys()]
      .map((k) => (index + 12 + k) % 48)
      .find(
        (d) => dls[d]!.partitions.length === 2 && dls[d]!.partitions.every((p) => p.all.size === 2),
      ) as number
    expect(far).toBeDefined()
    const missing = await proving('compact-partitions', '--deadline', String(far), '--partitions', '0,9')
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/there is no partition 9/)
    // One sector of each of the deadline's two partitions terminated: two half-empty partitions.
    const parts = () => env.devnet.worldAt().miners.get(env.minerId)!.deadlines[far]!.partitions
    const [p0, p1] = [[...parts()[0]!.all], [...parts()[1]!.all]]
    const term = await env.devnet.pushMessage({
      To: env.miner,
      From: env.owner,
      Method: MinerMethod.TerminateSectors,
      Params: Buffer.from(
        encodeTerminateSectors({
          entries: [
            { deadline: far, partition: 0, sectors: [p0[0]!] },
            { deadline: far, partition: 1, sectors: [p1[0]!] },
          ],
        }),
      ).toString('base64'),
    })
    expect((await env.devnet.waitMessage(term.cid)).receipt.exitCode).toBe(0)
    const dry = await proving('compact-partitions', '--deadline', String(far), '--partitions', '0,1')
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('partitions 0,1: 4 sector(s), 2 live')
    expect(dry.out).toContain('nothing sent; pass --really-do-it')
    expect(parts()).toHaveLength(2)
    const done = await proving(
      'compact-partitions',
      '--deadline',
      String(far),
      '--partitions',
      '0,1',
      '--really-do-it',
      '--poll',
      '50',
    )
    expect(done.code, done.err).toBe(0)
    expect(done.out).toMatch(
      new RegExp(`CompactPartitions \\S+ landed; deadline ${far} now has 1 partition\\(s\\)`),
    )
    // On chain: the two live sectors packed into one partition, the terminated ones gone.
    expect(parts()).toHaveLength(1)
    expect([...parts()[0]!.all].sort((a, b) => a - b)).toEqual([p0[1]!, p1[1]!].sort((a, b) => a - b))
  }, 60_000)

  it('lists, resets and removes PoSt worker jobs through the daemon, showing sector and faulty counts', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-wdpost-cli-'))
    dirs.push(home)
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const node = await startManagerNode({
      home,
      listen: '127.0.0.1:0',
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      chain,
      messager: chain,
      tickMs: 3_600_000,
      auth: 'off',
    })
    try {
      const sector = (n: number) => ({
        sectorNumber: n,
        commR: new Uint8Array(32).fill(n),
        upgrade: false,
        sealedStore: 'ps1',
        cacheStore: 'ps1',
      })
      await node.store.post.putJob({
        id: 'job-a',
        miner: 1000,
        deadline: 5,
        open: 900,
        partitions: [0, 1],
        input: { minerId: 1000, postProofType: 10, seed: new Uint8Array(32), sectors: [1, 2, 3].map(sector) },
      })
      const [taken] = await node.store.post.allocateJobs(
        { allowedMiners: null, allowedProofTypes: null },
        1,
        'w1',
      )
      await node.store.post.finishJob(taken!.id, { proofs: [], faults: [2] }, '')
      const listen = `127.0.0.1:${node.port}`
      const wd = (...args: string[]) => vsmCli(['util', 'worker', '--listen', listen, 'wdpost', ...args])
      const list = await wd('list', '--all')
      expect(list.code, list.err).toBe(0)
      expect(list.out).toMatch(/job-a\s+t01000\s+5\s+0,1\s+3\s+1\s+w1\s+Faults\(1\)\s+1\/2/)
      const json = JSON.parse(
        (await vsmCli(['--json', 'util', 'worker', '--listen', listen, 'wdpost', 'list', '--all'])).out,
      )
      expect(json.Jobs[0]).toMatchObject({ Id: 'job-a', Sectors: 3, Faults: 1, Skipped: 1 })
      expect((await wd('reset', 'job-a')).out).toContain('job job-a reset')
      expect((await node.store.post.getJob('job-a'))?.state).toBe('ready2run')
      const unknown = await wd('reset', 'nope')
      expect(unknown.code).toBe(1)
      expect(unknown.err).toContain("job 'nope' does not exist")
      expect((await wd('remove-all')).out).toContain('pass --really-do-it')
      expect((await wd('remove', 'job-a')).out).toContain('job job-a removed')
      expect(await node.store.post.getJob('job-a')).toBeUndefined()
    } finally {
      await node.stop()
    }
  }, 60_000)
})
