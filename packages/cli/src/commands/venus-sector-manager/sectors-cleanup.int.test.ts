import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, createChainClient, createMessagerClient } from '@venus-cluster/core'
import { devnetTransport } from '@venus-cluster/devnet'
import {
  createManagerChain,
  createManagerMessager,
  defaultMinerConfig,
  type ManagerNode,
  startManagerNode,
} from '@venus-cluster/manager'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServedMiner, servedMiner } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

let env: ServedMiner
let daemon: ManagerNode
let persist = ''

const files = (n: number) => [
  join(persist, 'sealed', `s-t0${env.minerId}-${n}`),
  join(persist, 'cache', `s-t0${env.minerId}-${n}`),
]

beforeAll(async () => {
  env = await servedMiner('cli-cleanup')
  persist = mkdtempSync(join(tmpdir(), 'vsm-cleanup-ps-'))
  daemon = await startManagerNode({
    home: env.home,
    listen: '127.0.0.1:0',
    config: {
      miners: [defaultMinerConfig(env.minerId, env.owner)],
      persistStores: [{ name: 'ps1', path: persist }],
    },
    chain: createManagerChain(createChainClient(devnetTransport(env.devnet))),
    messager: createManagerMessager(createMessagerClient(devnetTransport(env.devnet))),
    tickMs: 3_600_000,
    auth: 'off',
  })
  // Three offline records with files: 1 aborted after its number was used on chain (gone),
  // 2 live on chain, 3 never on chain.
  const store = daemon.manager.store
  for (const n of [1, 2, 3]) {
    await store.allocateSector(env.minerId, { initNumber: 0 }, 5)
    const [sealed, cache] = files(n) as [string, string]
    mkdirSync(cache, { recursive: true })
    mkdirSync(join(persist, 'sealed'), { recursive: true })
    writeFileSync(sealed, 'sealed')
    writeFileSync(join(cache, 'p_aux'), 'aux')
    await store.setLocation({ miner: env.minerId, number: n }, 'normal', { sealed: 'ps1', cache: 'ps1' })
    await store.finalizeSector({ miner: env.minerId, number: n }, (s) => ({
      ...s,
      finalized: n === 2,
      abortReason: n === 2 ? '' : 'aborted in the test',
    }))
  }
  env.devnet.injectSectors(env.miner, [
    { sectorNumber: 2, sealedCid: commitmentToCid(new Uint8Array(32).fill(2), 'commR').toString() },
  ])
  await env.devnet.mine(1)
})
afterAll(async () => {
  await daemon?.stop()
  await env?.close()
  if (persist) rmSync(persist, { recursive: true, force: true })
})

const sectors = (...args: string[]) =>
  vsmCli(['--home', env.home, 'util', 'sealer', '--listen', `127.0.0.1:${daemon.port}`, 'sectors', ...args])

describe('venus-sector-manager util sealer sectors state | remove | expired', () => {
  it("shows one sector's record and says when there is none", async () => {
    const r = await sectors('state', env.miner, '1')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toContain(`m-${env.minerId}-n-1 (offline)`)
    expect(r.out).toContain('Aborted: aborted in the test')
    expect(JSON.parse((await sectors('--json', 'state', String(env.minerId), '2')).out)).toMatchObject({
      ID: { Number: 2 },
      Finalized: true,
    })
    expect((await sectors('state', String(env.minerId), '9')).err).toContain(
      `no record of m-${env.minerId}-n-9`,
    )
  })

  it('lists the offline sectors gone from chain and removes their files only when confirmed', async () => {
    // The number of sector 1 becomes allocated on chain (as a precommit that expired would).
    const compact = await vsmCli([
      '--home',
      env.home,
      'util',
      'sealer',
      'actor',
      'compact-allocated',
      '--mask-upto-n',
      '2',
      '--really-do-it',
      '--poll',
      '50',
    ])
    expect(compact.code, compact.err).toBe(0)
    await env.devnet.mine(12)

    const listed = await sectors('--json', 'expired')
    expect(listed.code, listed.err).toBe(0)
    expect(JSON.parse(listed.out).Sectors).toEqual([{ Number: 1, Removed: false }])

    const ask = await sectors('expired', '--remove-expired')
    expect(ask.out).toContain('1 sector(s) would lose their sealed files and caches')
    const command = /--confirm-remove-count=(\d+) --expired-epoch=(\d+)/.exec(ask.out)
    expect(command?.[1]).toBe('1')
    expect(files(1).every(existsSync)).toBe(true)
    expect((await sectors('expired', '--remove-expired', '--confirm-remove-count', '1')).err).toContain(
      '--confirm-remove-count needs the --expired-epoch',
    )
    expect(
      (
        await sectors(
          'expired',
          '--remove-expired',
          '--confirm-remove-count',
          '3',
          '--expired-epoch',
          command![2]!,
        )
      ).err,
    ).toContain('does not match the 1 sector(s) that can be removed now')

    const done = await sectors(
      'expired',
      '--remove-expired',
      '--confirm-remove-count',
      '1',
      '--expired-epoch',
      command![2]!,
    )
    expect(done.code, done.err).toBe(0)
    expect(done.out).toContain('removing 1: ok')
    expect(files(1).some(existsSync)).toBe(false)
    expect(files(2).every(existsSync) && files(3).every(existsSync)).toBe(true)

    expect(JSON.parse((await sectors('--json', 'expired')).out).Sectors).toEqual([])
    expect(JSON.parse((await sectors('--json', 'expired', '--show-removed')).out).Sectors).toEqual([
      { Number: 1, Removed: true },
    ])
    expect((await sectors('state', String(env.minerId), '1')).out).toContain('Removed: true')
  }, 60_000)

  it('removes one sector by hand only with --really-do-it, and never one live on chain', async () => {
    expect((await sectors('remove', String(env.minerId), '3')).err).toContain('pass --really-do-it')
    const live = await sectors('remove', String(env.minerId), '2', '--really-do-it')
    expect(live.code).toBe(1)
    expect(live.err).toMatch(/is live on chain until epoch \d+/)
    expect(files(2).every(existsSync)).toBe(true)
    const ok = await sectors('remove', String(env.minerId), '3', '--really-do-it')
    expect(ok.code, ok.err).toBe(0)
    expect(files(3).some(existsSync)).toBe(false)
  })
})
