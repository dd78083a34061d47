import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRpcServer } from '@venus-cluster/core/rpc'
import {
  createFakeChain,
  defaultMinerConfig,
  openSqliteStore,
  startManagerNode,
} from '@venus-cluster/manager'
import { afterAll, describe, expect, it } from 'vitest'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const cli = vsmCli

describe('venus-sector-manager manager commands', () => {
  it('names the missing endpoint key: no chain API for chain reads, no messager API for daemon run', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-cli-noapi-'))
    dirs.push(home)
    writeFileSync(join(home, 'sector-manager.cfg'), '[Common.API]\n')
    const head = await cli(['--home', home, 'util', 'chain', 'head'])
    expect(head.code).toBe(1)
    expect(head.err).toContain('sector-manager.cfg names no chain API: set [Common.API] Chain')
    writeFileSync(
      join(home, 'sector-manager.cfg'),
      '[Common.API]\nChain = "/ip4/127.0.0.1/tcp/1"\n[[Miners]]\nActor = 1000\n[Miners.Commitment.Pre]\nSender = "t01000"\n[Miners.Commitment.Prove]\nSender = "t01000"\n',
    )
    const run = await cli(['--home', home, 'daemon', 'run', '--proofs', 'mock'])
    expect(run.code).toBe(1)
    expect(run.err).toContain('names no messager API: set [Common.API] Messager')
  })

  it('util market release-deals gives deals back to venus-market, one UpdateDealStatus each', async () => {
    const calls: unknown[][] = []
    const market = createRpcServer({
      methods: {
        'VENUS_MARKET.UpdateDealStatus': (params) => {
          calls.push(params)
          return {}
        },
      },
      path: '/rpc/v0',
    })
    const { url } = await market.listen({ host: '127.0.0.1', port: 0 })
    const home = mkdtempSync(join(tmpdir(), 'vsm-cli-market-'))
    dirs.push(home)
    writeFileSync(join(home, 'sector-manager.cfg'), `[Common.API]\nMarket = "${url}"\n`)
    try {
      const r = await cli([
        '--home',
        home,
        'util',
        'market',
        'release-deals',
        '--miner',
        't01000',
        '--deal',
        '5,6',
        '--deal',
        '9',
      ])
      expect(r.code).toBe(0)
      expect(r.out).toContain('released deal(s) 5, 6, 9 of t01000')
      expect(calls).toEqual([
        ['t01000', 5, 'Undefine'],
        ['t01000', 6, 'Undefine'],
        ['t01000', 9, 'Undefine'],
      ])
      const zero = await cli([
        '--home',
        home,
        'util',
        'market',
        'release-deals',
        '--miner',
        '1000',
        '--deal',
        '0',
      ])
      expect(zero.err).toContain('--deal 0 is a filler piece')
    } finally {
      await market.close()
    }
    const noMarket = mkdtempSync(join(tmpdir(), 'vsm-cli-market-'))
    dirs.push(noMarket)
    writeFileSync(join(noMarket, 'sector-manager.cfg'), '[Common.API]\n')
    const r = await cli([
      '--home',
      noMarket,
      'util',
      'market',
      'release-deals',
      '--miner',
      '1000',
      '--deal',
      '3',
    ])
    expect(r.err).toContain('names no market')
  })

  it('daemon run refuses a malformed --trusted-networks entry, naming the flag and the entry', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-cli-trusted-'))
    dirs.push(home)
    const r = await cli(['--home', home, 'daemon', 'run', '--trusted-networks', '10.1.0.0/16, 10.2.0.0/40'])
    expect(r.code).not.toBe(0)
    expect(r.err).toContain(
      '--trusted-networks: trusted network "10.2.0.0/40" is not an IPv4 or IPv6 address',
    )
    expect(r.err).not.toMatch(/\n\s+at /)
  })

  it('util storage attach indexes sealed files and prints the PersistStores block', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-cli-home-'))
    const ps = mkdtempSync(join(tmpdir(), 'vsm-cli-ps-'))
    dirs.push(home, ps)
    mkdirSync(join(ps, 'sealed'))
    for (const n of [1, 2]) writeFileSync(join(ps, 'sealed', `s-t01000-${n}`), '')
    writeFileSync(join(ps, 'sealed', 'junk'), '')
    const r = await cli(['--home', home, 'util', 'storage', 'attach', '--name', 'ps1', ps])
    expect(r.code).toBe(0)
    expect(r.out).toContain('indexed 2 sealed files')
    expect(r.out).toContain('[[Common.PersistStores]]')
    expect(r.out).toContain('Name = "ps1"')
    const store = await openSqliteStore({ path: join(home, 'manager.db') })
    expect(await store.findLocation({ miner: 1000, number: 2 }, 'normal')).toEqual({
      sealed: 'ps1',
      cache: 'ps1',
    })
    await store.close()
  })

  it('util sealer sectors worker-states / abort / list / restore talk to the daemon', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-cli-d-'))
    dirs.push(home)
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const d = await startManagerNode({
      home,
      listen: '127.0.0.1:0',
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      chain,
      messager: chain,
      tickMs: 3_600_000,
      auth: 'off',
    })
    try {
      await d.manager.allocateSector({ allowedMiners: null, allowedProofTypes: null })
      const listen = `127.0.0.1:${d.port}`
      const ws = await cli(['--json', 'util', 'sealer', '--listen', listen, 'sectors', 'worker-states'])
      expect(ws.code).toBe(0)
      expect(JSON.parse(ws.out)).toHaveLength(1)
      expect(
        (await cli(['util', 'sealer', '--listen', listen, 'sectors', 'abort', '1000', '1'])).out,
      ).toContain('aborted m-1000-n-1')
      const list = await cli(['util', 'sealer', '--listen', listen, 'sectors', 'list'])
      expect(list.out).toContain('m-1000-n-1')
      expect(list.out).toContain('aborted from the CLI')
      expect(
        (await cli(['util', 'sealer', '--listen', listen, 'sectors', 'restore', 't01000', '1'])).code,
      ).toBe(0)
      expect((await d.manager.store.getSector({ miner: 1000, number: 1 }))?.online).toBe(true)
      const bad = await cli(['util', 'sealer', '--listen', listen, 'sectors', 'abort', '1000', 'x'])
      expect(bad.code).toBe(1)
      expect(bad.err).toContain('number must be a non-negative integer')

      // Termination: confirmation required; a sector still sealing is refused with the reason.
      const term = ['util', 'sealer', '--listen', listen, 'sectors', 'terminate', '1000', '1']
      const unconfirmed = await cli(term)
      expect(unconfirmed.code).toBe(1)
      expect(unconfirmed.err).toContain('pass --really-do-it')
      const refused = await cli([...term, '--really-do-it'])
      expect(refused.code).toBe(1)
      expect(refused.err).toContain('termination refused: sector is still sealing')
      const tstate = await cli([
        'util',
        'sealer',
        '--listen',
        listen,
        'sectors',
        'terminate-state',
        '1000',
        '1',
      ])
      expect(tstate.out).toContain('m-1000-n-1: no termination requested')

      // The sector index, through the daemon.
      await d.manager.store.setLocation({ miner: 1000, number: 1 }, 'normal', { sealed: 'ps1', cache: 'ps2' })
      const found = await cli(['util', 'storage', 'find', '--listen', listen, 't01000', '1'])
      expect(found.out).toContain('m-1000-n-1: sealed file in ps1, cache in ps2')
      const missing = await cli(['--json', 'util', 'storage', 'find', '--listen', listen, '1000', '2'])
      expect(missing.code).toBe(1)
      expect(JSON.parse(missing.err)).toMatchObject({ code: 'NOT_FOUND' })
      expect(
        (await cli(['util', 'storage', 'find', '--upgrade', '--listen', listen, '1000', '1'])).err,
      ).toContain('is not in the sector index')
    } finally {
      await d.stop()
    }
  })
})
