import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, mockProofs, proverId, sectorName } from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, serveDevnet } from '@venus-cluster/devnet'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { buildSectorManagerProgram } = await import('./index.js')
  const { runCli } = await import('../../run.js')
  let out = ''
  let err = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s)
    return true
  })
  try {
    const code = await runCli(buildSectorManagerProgram(), ['node', 'venus-sector-manager', ...args], {
      out: (s) => {
        out += s
      },
      err: (s) => {
        err += s
      },
    })
    return { code, out, err }
  } finally {
    spy.mockRestore()
  }
}

const proofs = mockProofs()
const devnet = createDevnet({ seed: 'cli-proving', proofs, params: devnetParamsShortPeriod(6) })
let served: Awaited<ReturnType<typeof serveDevnet>>
let home: string
let store: string
let minerId: number

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'vsm-proving-home-'))
  store = mkdtempSync(join(tmpdir(), 'vsm-proving-ps-'))
  for (const d of ['sealed', 'cache', 'staged']) mkdirSync(join(store, d))
  const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
  minerId = who.minerId
  const sectors = []
  for (const n of [1, 2]) {
    const name = sectorName({ miner: minerId, number: n })
    const stagedPath = join(store, 'staged', name)
    const sealedPath = join(store, 'sealed', name)
    const cacheDir = join(store, 'cache', name)
    const { piece } = await proofs.addPiece({
      proofType: 5,
      source: new Uint8Array(0),
      unpaddedSize: 2032,
      stagedPath,
      existingPieceSizes: [],
    })
    const p1 = await proofs.sealPreCommitPhase1({
      proofType: 5,
      proverId: proverId(minerId),
      sectorNumber: n,
      ticket: new Uint8Array(32),
      pieces: [piece],
      cacheDir,
      stagedPath,
      sealedPath,
    })
    const { commR } = await proofs.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
    sectors.push({ sectorNumber: n, sealedCid: commitmentToCid(commR, 'commR').toString() })
  }
  devnet.injectSectors(who.miner, sectors)
  await devnet.mine(1)
  served = await serveDevnet(devnet, { noAuth: true })
  const api = `http://${served.host}:${served.port}/rpc/v1`
  writeFileSync(
    join(home, 'sector-manager.cfg'),
    `[SectorManager]\n[[SectorManager.Miners]]\nID = ${minerId}\n[Chain]\nApi = "${api}"\nToken = ""\n[Messager]\nApi = "${api.replace('v1', 'v0')}"\nToken = ""\n[PersistedStore]\n[[PersistedStore.Stores]]\nName = "ps1"\nPath = "${store}"\n`,
  )
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
    const sector = one.Partitions[0].Live[0] as number
    unlinkSync(join(store, 'sealed', sectorName({ miner: minerId, number: sector })))
    const bad = await run('check', idx, '--only-bad')
    expect(bad.out).toContain('bad: sealed file')
  })

  it('simulates a WindowPoSt of a deadline without sending it and rejects a bad index', async () => {
    const dls = JSON.parse((await run('deadlines', '--json')).out) as { Index: number; Sectors: number }[]
    const idx = dls.filter((d) => d.Sectors > 0).map((d) => d.Index)
    const pending = devnet.pending().length
    for (const i of idx) {
      const r = JSON.parse((await run('simulate-wdpost', '--deadline', String(i), '--json')).out)
      expect(r.deadline).toBe(i)
    }
    expect(devnet.pending().length).toBe(pending)
    const bad = await run('deadline', '48')
    expect(bad.code).not.toBe(0)
    expect(bad.err).toContain('deadline index must be an integer in [0, 48)')
  })
})
