import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, sectorName } from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, serveDevnet } from '@venus-cluster/devnet'
import { sealTestSectors } from '@venus-cluster/devnet/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedManagerCfg } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const cli = vsmCli

const proofs = mockProofs()
const devnet = createDevnet({ seed: 'cli-proving', proofs, params: devnetParamsShortPeriod(6) })
let served: Awaited<ReturnType<typeof serveDevnet>>
let home: string
let store: string
let minerId: number

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'vsm-proving-home-'))
  store = mkdtempSync(join(tmpdir(), 'vsm-proving-ps-'))
  const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
  minerId = who.minerId
  const sectors = await sealTestSectors(proofs, store, minerId, [1, 2])
  devnet.injectSectors(who.miner, sectors)
  await devnet.mine(1)
  served = await serveDevnet(devnet, { noAuth: true })
  const api = `http://${served.host}:${served.port}/rpc/v1`
  writeFileSync(join(home, 'sector-manager.cfg'), seedManagerCfg({ minerId, api, store }))
})
afterAll(async () => {
  await served?.close()
  await devnet.stop()
  rmSync(home, { recursive: true, force: true })
  rmSync(store, { recursive: true, force: true })
})

const run = (...args: string[]) => cli(['--home', home, 'util', 'sealer', 'proving', ...args])

describe('venus-sector-manager util sealer proving', () => {
  it('prints the proving period and current deadline, as text and --json', async () => {
    const t = await run('info')
    expect(t.err).toBe('')
    expect(t.out).toContain(`Miner: t0${minerId}`)
    expect(t.out).toContain('Faulty sectors: 0')
    const j = await run('info', '--json')
    expect(JSON.parse(j.out).Deadline.WPoStChallengeWindow).toBe(6)
  })

  it('lists deadlines, one deadline, faults, and checks sector files', async () => {
    const dls = JSON.parse((await run('deadlines', '--json')).out) as { Index: number; Sectors: number }[]
    expect(dls).toHaveLength(48)
    const withSectors = dls.filter((d) => d.Sectors > 0)
    expect(withSectors.reduce((n, d) => n + d.Sectors, 0)).toBe(2)
    const idx = String(withSectors[0]!.Index)
    const one = JSON.parse((await run('deadline', idx, '--json')).out)
    expect(one.Partitions[0].Live.length).toBeGreaterThan(0)
    expect(JSON.parse((await run('faults', '--json')).out)).toEqual([])
    const good = JSON.parse((await run('check', idx, '--json')).out) as { Good: boolean }[]
    expect(good.every((r) => r.Good)).toBe(true)
    const withStore = await run('check', idx, '--storage-id', '--slow')
    expect(withStore.out).toMatch(new RegExp(`s-t0${minerId}-\\d+\tps1\tgood`))
    const sector = one.Partitions[0].Live[0] as number
    unlinkSync(join(store, 'sealed', sectorName({ miner: minerId, number: sector })))
    const bad = await run('check', idx, '--only-bad', '--storage-id')
    expect(bad.out).toMatch(/\t-\tbad: sealed file/)
  })

  it('prints on-chain sector info with its deadline and partition, and says which are not on chain', async () => {
    const t = await run('sector-info', '1', '99')
    expect(t.code).toBe(0)
    expect(t.out).toMatch(/sector 1:\n {2}Sealed CID: bag/)
    expect(t.out).toMatch(/ {2}Deadline: \d+ {2}Partition: 0/)
    expect(t.out).toContain('sector 99: not on chain')
    const j = JSON.parse((await run('sector-info', '2', '--json')).out)
    expect(j[0]).toMatchObject({ Sector: 2, Info: { SectorNumber: 2 }, Location: { Partition: 0 } })
    expect((await run('sector-info', 'x')).err).toContain('sector number must be a non-negative integer')
  })

  it('simulates a WindowPoSt of a deadline without sending it and rejects a bad index', async () => {
    const dls = JSON.parse((await run('deadlines', '--json')).out) as { Index: number; Sectors: number }[]
    const idx = dls.filter((d) => d.Sectors > 0).map((d) => d.Index)
    const pending = devnet.pending().length
    for (const i of idx) {
      const r = JSON.parse((await run('simulate-wdpost', '--deadline', String(i), '--json')).out)
      expect(r.deadline).toBe(i)
    }
    // The original's flags: --ddl-idx, --partition-idx, --include-faulty.
    const orig = JSON.parse(
      (
        await run(
          'simulate-wdpost',
          '--ddl-idx',
          String(idx[0]),
          '--partition-idx',
          '0',
          '--include-faulty',
          '--json',
        )
      ).out,
    )
    expect(orig.deadline).toBe(idx[0])
    expect(orig.batches[0].partitions.map((p: { index: number }) => p.index)).toEqual([0])
    const noSuch = await run('simulate-wdpost', '--ddl-idx', String(idx[0]), '--partition-idx', '7')
    expect(noSuch.err).toContain('there is no partition 7')
    expect((await run('simulate-wdpost', '--deadline', '1', '--ddl-idx', '2')).err).toMatch(
      /cannot be used with/,
    )
    expect(devnet.pending().length).toBe(pending)
    const bad = await run('deadline', '48')
    expect(bad.code).not.toBe(0)
    expect(bad.err).toContain('deadline index must be an integer in [0, 48)')
  })
})
