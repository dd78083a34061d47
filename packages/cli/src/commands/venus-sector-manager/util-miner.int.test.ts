import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient, httpTransport, mockProofs } from '@venus-cluster/core'
import { createDevnet, type Devnet, type ServedDevnet, serveDevnet } from '@venus-cluster/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const FIL = 10n ** 18n
let home = ''
let devnet: Devnet
let served: ServedDevnet

const cli = vsmCli

beforeAll(async () => {
  // A devnet that mines on its own, served over HTTP with JWT auth, as a user runs it.
  devnet = createDevnet({ seed: 'cli-miner-create', proofs: mockProofs(), blockTimeMs: 40 })
  await devnet.start()
  served = await serveDevnet(devnet)
  home = mkdtempSync(join(tmpdir(), 'vsm-cli-miner-'))
  writeFileSync(
    join(home, 'sector-manager.cfg'),
    [
      '[Common.API]',
      `Chain = "${served.multiaddr}"`,
      `Messager = "${served.multiaddr}"`,
      `Token = "${served.adminToken}"`,
      '',
    ].join('\n'),
  )
})
afterAll(async () => {
  await served?.close()
  await devnet?.stop()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('venus-sector-manager util miner create against a served devnet', () => {
  it('creates a miner through the messager, waits for it and prints its id', async () => {
    const owner = devnet.newAccount('bls')
    const worker = devnet.newAccount('bls')
    await devnet.faucet(owner, 100n * FIL)
    await devnet.faucet(worker, FIL)
    const args = ['--home', home, 'util', 'miner', 'create', '--from', owner, '--worker', worker]
    const r = await cli([...args, '--sector-size', '2KiB', '--exid', 'one', '--poll', '50'])
    expect(r.code).toBe(0)
    const id = /miner created: (t0\d+)/.exec(r.out)?.[1]
    expect(id).toBeDefined()

    const chain = createChainClient(httpTransport(served.httpUrl, { token: served.adminToken }))
    const info = await chain.stateMinerInfo(String(id))
    expect(info.SectorSize).toBe(2048)
    const idOf = async (a: string) => chain.stateLookupID(a)
    expect(info.Owner).toBe(await idOf(owner))
    expect(info.Worker).toBe(await idOf(worker))

    // The same --exid is the same message uid: the messager does not send twice.
    const again = await cli([...args, '--sector-size', '2KiB', '--exid', 'one', '--poll', '50'])
    expect(again.code).toBe(0)
    expect(again.out).toContain(`miner created: ${id}`)
    expect(again.err).toContain('already pushed')
  }, 60_000)

  it('sets the peer id and multiaddrs of the new miner (--peer, --multiaddr)', async () => {
    const owner = devnet.newAccount('bls')
    await devnet.faucet(owner, 100n * FIL)
    const peer = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
    const r = await cli([
      '--home',
      home,
      'util',
      'miner',
      'create',
      '--from',
      owner,
      '--sector-size',
      '2KiB',
      '--peer',
      peer,
      '--multiaddr',
      '/ip4/10.1.2.3/tcp/24001',
      '--multiaddr',
      '/dns4/sp.example/tcp/24002',
      '--poll',
      '50',
    ])
    expect(r.code, r.err).toBe(0)
    const id = /miner created: (t0\d+)/.exec(r.out)?.[1]
    const chain = createChainClient(httpTransport(served.httpUrl, { token: served.adminToken }))
    const info = (await chain.stateMinerInfo(String(id))) as { PeerId: string; Multiaddrs: string[] }
    expect(info.PeerId).toBe(peer)
    expect(info.Multiaddrs.map((b) => [...Buffer.from(b, 'base64')])).toEqual([
      [4, 10, 1, 2, 3, 6, 93, 193],
      [54, 10, ...Buffer.from('sp.example'), 6, 93, 194],
    ])
    const bad = await cli([
      '--home',
      home,
      'util',
      'miner',
      'create',
      '--from',
      owner,
      '--sector-size',
      '2KiB',
      '--peer',
      'nope',
    ])
    expect(bad.err).toContain('--peer: "nope" is not a libp2p peer id')
    const badAddr = await cli([
      '--home',
      home,
      'util',
      'miner',
      'create',
      '--from',
      owner,
      '--sector-size',
      '2KiB',
      '--multiaddr',
      '10.0.0.1:24001',
    ])
    expect(badAddr.err).toContain('--multiaddr: "10.0.0.1:24001" is not a multiaddr')
  }, 60_000)

  it('rejects an unknown sector size before sending anything', async () => {
    const owner = devnet.newAccount('bls')
    const r = await cli(['--home', home, 'util', 'miner', 'create', '--from', owner, '--sector-size', '3KiB'])
    expect(r.code).not.toBe(0)
    expect(`${r.out}${r.err}`).toMatch(/--sector-size must be one of/)
  })

  it('prints StateMinerInfo of the created miner with util miner info', async () => {
    const owner = devnet.newAccount('bls')
    await devnet.faucet(owner, 100n * FIL)
    const created = await cli([
      '--home',
      home,
      'util',
      'miner',
      'create',
      '--from',
      owner,
      '--sector-size',
      '8MiB',
      '--poll',
      '50',
    ])
    expect(created.code).toBe(0)
    const id = /miner created: t0(\d+)/.exec(created.out)?.[1] ?? ''
    const r = await cli(['--home', home, 'util', 'miner', 'info', id])
    expect(r.code).toBe(0)
    expect(r.out).toContain('Sector size: 8388608')
  }, 60_000)
})
