/**
 * The operator's repair and storage commands against a running cluster: a devnet, the manager
 * daemon and a worker with mock proofs that sealed two sectors. Each command is checked for its
 * plan (nothing changes without --really-do-it), its refusals (what the records and the chain
 * say), and its effect.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'
import { type DemoCluster, startDemoCluster } from '../../demo/cluster.js'

let home = ''
let mh = ''
let c: DemoCluster
let listen = ''

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'vsm-operator-cli-'))
  c = await startDemoCluster({
    home,
    proofs: mockProofs(),
    sectorSize: 2048,
    sectors: 2,
    workers: 1,
    blockTimeMs: 60,
    challengeDelay: 5,
  })
  for (let i = 0; i < 1500 && (await c.manager.store.listSectors(false)).length < 2; i++)
    await new Promise((r) => setTimeout(r, 40))
  expect((await c.manager.store.listSectors(false)).map((s) => s.finalized)).toEqual([true, true])
  mh = join(home, 'sector-manager')
  // The commands reach chain and messager through the home's config, the daemon at --listen.
  writeFileSync(
    join(mh, 'sector-manager.cfg'),
    [
      '[Common.API]',
      `Chain = "${c.served.httpUrl}"`,
      `Messager = "${c.served.messagerUrl.replace(/^ws/, 'http')}"`,
      `Token = "${c.served.adminToken}"`,
      '[[Common.PersistStores]]',
      'Name = "ps1"',
      `Path = "${join(home, 'persist')}"`,
      '[[Miners]]',
      `Actor = ${c.miner.id}`,
      '[Miners.Commitment.Pre]',
      `Sender = "${c.miner.owner}"`,
      '[Miners.Commitment.Prove]',
      `Sender = "${c.miner.owner}"`,
      '',
    ].join('\n'),
  )
  listen = `127.0.0.1:${c.manager.port}`
}, 120_000)
afterAll(async () => {
  await c?.stop()
  if (home) rmSync(home, { recursive: true, force: true })
})

const vsm = (...args: string[]) => vsmCli(['--home', mh, ...args])
const sectors = (...args: string[]) => vsm('util', 'sealer', '--listen', listen, 'sectors', ...args)
const storage = (...args: string[]) => vsm('util', 'storage', ...args)

describe('operator commands on a running cluster (devnet, manager, worker, mock proofs)', () => {
  it('sectors finalize | resend-pre | resend-prove | find-deal check the records and the chain first', async () => {
    const m = String(c.miner.id)
    const done = await sectors('finalize', m, '1', '--really-do-it')
    expect(done.code).toBe(1)
    expect(done.err).toContain(`m-${m}-n-1 is finalized already`)
    // A record that went back online while proven on chain (as after a worker lost it).
    expect((await sectors('restore', '--force', m, '1')).code).toBe(0)
    const plan = await sectors('finalize', m, '1')
    expect(plan.code, plan.err).toBe(0)
    expect(plan.out).toMatch(/On chain: proven at epoch \d+, expires \d+/)
    expect(plan.out).toContain('Would: move the record offline as finalized (no message is sent)')
    expect(plan.out).toContain('nothing done; pass --really-do-it')
    expect((await c.manager.store.getSector({ miner: c.miner.id, number: 1 }))?.online).toBe(true)
    const applied = await sectors('--json', 'finalize', m, '1', '--really-do-it')
    expect(applied.code, applied.err).toBe(0)
    expect(JSON.parse(applied.out)).toMatchObject({ Applied: true, Action: 'finalize' })
    expect((await c.manager.store.getSector({ miner: c.miner.id, number: 1 }))?.online).toBe(false)

    for (const cmd of ['resend-pre', 'resend-prove']) {
      const r = await sectors(cmd, m, '2', '--really-do-it')
      expect(r.code, cmd).toBe(1)
      expect(r.err).toContain(`m-${m}-n-2 is not being sealed any more`)
      expect(r.err).toMatch(/proven on chain/)
    }
    expect((await sectors('resend-pre', m, '9')).err).toContain('the manager has no record of')
    const deal = await sectors('find-deal', '3')
    expect(deal.code).toBe(1)
    expect(deal.err).toContain('no sector of this manager carries deal 3')
    expect((await sectors('find-deal', '0')).err).toContain('0 is a filler piece')
  }, 60_000)

  it('storage list | attach | detach | release-reserved keep the stores in the database and check before they delete', async () => {
    const list = await storage('list', '--listen', listen)
    expect(list.code, list.err).toBe(0)
    expect(list.out).toContain(`ps1:\n\tPath: ${join(home, 'persist')} (sector-manager.cfg)`)
    expect(list.out).toMatch(/Total: .*Free: .*Used: /)

    const ps2 = join(home, 'ps2')
    mkdirSync(join(ps2, 'sealed'), { recursive: true })
    // A sector of this miner the chain does not have (never committed).
    writeFileSync(join(ps2, 'sealed', `s-t0${c.miner.id}-77`), '')
    const attached = await storage(
      'attach',
      ps2,
      '--name',
      'ps2',
      '--weight',
      '2',
      '--deny-miner',
      String(c.miner.id),
    )
    expect(attached.code, attached.err).toBe(0)
    expect(attached.out).toContain('indexed 1 sealed files')
    expect(attached.out).toContain('recorded ps2 in the manager database')
    expect((await storage('attach', ps2, '--name', 'ps3')).err).toContain('is attached already, as "ps2"')
    // The daemon reads the attached stores on its next tick.
    let json: { Name: string; Source: string; Weight: number; DenyMiners: number[] }[] = []
    for (let i = 0; i < 100 && !json.some((s) => s.Name === 'ps2'); i++) {
      json = JSON.parse((await storage('--json', 'list', '--listen', listen)).out)
      await new Promise((r) => setTimeout(r, 30))
    }
    expect(json.find((s) => s.Name === 'ps2')).toMatchObject({
      Source: 'database',
      Weight: 2,
      DenyMiners: [c.miner.id],
    })

    const cfgStore = await storage('detach', 'ps1', '--listen', listen, '--really-do-it')
    expect(cfgStore.code).toBe(1)
    expect(cfgStore.err).toContain('declared in sector-manager.cfg')
    const dry = await storage('detach', 'ps2', '--listen', listen)
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('Sectors indexed there: 1')
    expect(dry.out).toContain('nothing done; pass --really-do-it')
    expect((await storage('detach', 'ps2', '--listen', listen, '--really-do-it')).out).toContain(
      'detached ps2',
    )
    expect(c.manager.manager.stores.get('ps2')).toBeUndefined()

    const m = String(c.miner.id)
    expect((await storage('release-reserved', m, '9', '--listen', listen)).err).toContain(
      'no store space is reserved',
    )
    await c.manager.manager.stores.reserve({ miner: c.miner.id, number: 9 }, 2048, [])
    const show = await storage('release-reserved', m, '9', '--listen', listen)
    expect(show.out).toContain(`m-${m}-n-9: 2 KiB reserved in ps1`)
    expect(show.out).toContain('nothing done')
    expect((await storage('release-reserved', m, '9', '--listen', listen, '--really-do-it')).out).toContain(
      'released',
    )
    expect(await c.manager.store.listReservations()).toEqual([])
  }, 60_000)

  it('message search | wait show a manager message by uid', async () => {
    const uid = (await c.manager.store.listMessages())[0]?.uid as string
    const found = await vsm('util', 'message', 'search', uid)
    expect(found.code, found.err).toBe(0)
    expect(found.out).toContain('State: OnChainMsg')
    expect(found.out).toContain('ExitCode: 0')
    expect(found.out).toMatch(/GasUsed: [1-9]\d*/)
    const waited = await vsm('util', 'message', 'wait', uid, '--confidence', '1', '--poll', '50')
    expect(waited.code, waited.err).toBe(0)
    expect(waited.out).toContain(`ID: ${uid}`)
    const none = await vsm('util', 'message', 'search', 'no-such-message')
    expect(none.code).toBe(1)
    expect((await vsm('util', 'message', 'wait', 'a b')).err).toContain('is not a message uid')
  }, 60_000)
})
