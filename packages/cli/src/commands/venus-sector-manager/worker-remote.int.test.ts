import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createRpcClient,
  httpTransport,
  mockProofs,
  parseWorkerConfig,
  prepareFileStore,
  prepareSealingStore,
  type WorkerConfig,
} from '@venus-cluster/core'
import {
  createFakeChain,
  defaultMinerConfig,
  type ManagerNode,
  startManagerNode,
} from '@venus-cluster/manager'
import { createSealingWorker, type SealingWorker, workerControlClient } from '@venus-cluster/sealer'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../__fixtures__/built-cli.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

/** One `Venus.*` call to the daemon at `url` with `token`, through core's RPC client. */
const callWith = (url: string, token: string) => {
  const client = createRpcClient(httpTransport(url, { token }))
  return (method: string, params: unknown[]) => client.call(method, params)
}

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('condition not reached in 10 s')
}

const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A manager daemon with auth on (the default) in a fresh home. */
async function manager(opts: { sectors?: boolean } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'vsm-worker-remote-'))
  cleanups.push(() => rmSync(home, { recursive: true, force: true }))
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  const miner = defaultMinerConfig(1000, 't01001')
  // Without sectors to hand out the threads idle in Empty: enough to pause and resume them.
  miner.sector.enabled = opts.sectors ?? false
  const d: ManagerNode = await startManagerNode({
    home,
    listen: '127.0.0.1:0',
    config: { miners: [miner], persistStores: [] },
    chain,
    messager: chain,
    tickMs: 3_600_000,
  })
  cleanups.push(() => d.stop())
  const auth = d.auth
  if (auth === undefined) throw new Error('auth should be on by default')
  const listen = `127.0.0.1:${d.port}`
  const cli = (...args: string[]) => vsmCli(['--home', home, 'util', 'worker', '--listen', listen, ...args])
  const adminToken = readFileSync(join(home, 'token'), 'utf8').trim()
  return { d, home, auth, cli, adminToken, call: (token: string) => callWith(d.url, token) }
}

/** A real worker of our own with its control API on loopback, pinging the manager. */
async function ourWorker(d: ManagerNode, name: string, token: string, pingIntervalMs = 100) {
  const dir = mkdtempSync(join(tmpdir(), 'worker-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const stores = [join(dir, 's1'), join(dir, 's2')]
  for (const s of stores) await prepareSealingStore(s)
  await prepareFileStore(join(dir, 'persist'))
  const config: WorkerConfig = parseWorkerConfig(
    `[worker]
name = "${name}"
rpc_server.host = "127.0.0.1"
rpc_server.port = ${await freePort()}
[sector_manager]
rpc_client.addr = "/ip4/127.0.0.1/tcp/${d.port}"
[sealing]
seal_interval = "100ms"
recover_interval = "100ms"
${stores.map((s) => `[[sealing_thread]]\nlocation = "${s}"\n`).join('\n')}
[[attached]]
name = "ps1"
location = "${join(dir, 'persist')}"
`,
    join(dir, 'venus-worker.toml'),
  )
  const worker: SealingWorker = createSealingWorker({
    config: { ...config, pingIntervalMs },
    proofs: mockProofs(),
    managerToken: token,
    home: join(dir, 'home'),
  })
  await worker.start()
  cleanups.push(() => worker.stop())
  return { worker, stores }
}

/** A peer posing as a worker's control API: records every request and answers WorkerList with []. */
async function fakeWorker() {
  const seen: { authorization: string | undefined; method: string }[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      const msg = JSON.parse(body || '{}') as { id?: number; method?: string }
      seen.push({ authorization: req.headers.authorization, method: String(msg.method) })
      const result = msg.method === 'VenusWorker.WorkerList' ? [] : true
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(r))
  })
  return { seen, dest: `127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const summary = { Threads: 1, Empty: 1, Paused: 0, Errors: 0 }

describe('venus-sector-manager util worker', () => {
  it('lists the workers that ping the manager and pauses and resumes their threads with short-lived control tokens', async () => {
    const m = await manager()
    const { stores } = await ourWorker(m.d, 'rig-7', await m.auth.issue('sign'))
    await until(async () => (await m.cli('list')).out.includes('rig-7'))
    const list = await m.cli('list')
    expect(list.out).toMatch(
      /^rig-7\t127\.0\.0\.1:\d+\tthreads 2, empty 2, paused 0, errors 0\tsectors 0\tlast seen \d+s ago$/m,
    )

    const info = await m.cli('info', 'rig-7')
    expect(info.code, info.err).toBe(0)
    expect(info.out).toContain(`#0: ${stores[0]}; sector: -; state: Empty; paused: false`)
    expect(info.out).toContain('#1: ')

    expect((await m.cli('pause', 'rig-7', '-i', '1')).out).toContain('rig-7 thread 1: pause requested')
    await until(async () => (await m.cli('info', 'rig-7', '--json')).out.includes('"paused":true'))
    expect((await m.cli('resume', 'rig-7', '-i', '1')).out).toContain('rig-7 thread 1: resumed')

    // The control address works as well as the name.
    const dest = /^rig-7\t(\S+)\t/m.exec(list.out)?.[1] ?? ''
    expect((await m.cli('info', dest)).out).toContain('#1: ')

    const unknown = await m.cli('info', 'rig-8')
    expect(unknown.code).toBe(1)
    expect(unknown.err).toContain('no worker named "rig-8" has pinged the manager')
    expect((await m.cli('pause', 'rig-7', '-i', 'x')).err).toContain('--index must be a thread index')
  }, 30_000)

  it('never sends the manager’s tokens to the address a peer reported: only a 90 s token for that worker’s control API', async () => {
    const m = await manager()
    const fake = await fakeWorker()
    // An address that no pinging worker reports gets no credential at all.
    expect((await m.cli('info', fake.dest)).code).toBe(0)
    expect(fake.seen.splice(0)).toEqual([{ authorization: undefined, method: 'VenusWorker.WorkerList' }])
    // Anyone with a worker's sign token registers a "worker" at an address of its choosing.
    await m.call(await m.auth.issue('sign'))('Venus.WorkerPing', [
      { Name: 'evil', Dest: fake.dest, Summary: summary },
    ])
    expect((await m.cli('info', 'evil')).code).toBe(0)
    expect((await m.cli('pause', 'evil', '-i', '0')).code).toBe(0)
    expect(fake.seen.map((s) => s.method)).toEqual(['VenusWorker.WorkerList', 'VenusWorker.WorkerPause'])
    for (const [i, s] of fake.seen.entries()) {
      const token = s.authorization?.replace(/^Bearer /, '') ?? ''
      expect(token).not.toBe(m.adminToken)
      expect(decodeProtectedHeader(token).alg).toBe('EdDSA')
      const claims = decodeJwt(token)
      expect(claims).toMatchObject({ aud: 'evil', scope: 'venus-worker-control', dst: fake.dest })
      expect(claims.Allow).toEqual(i === 0 ? ['read'] : ['read', 'write'])
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(120)
      // Worthless at the manager: its API refuses it outright.
      await expect(m.call(token)('Venus.ListSectors', ['online'])).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      })
    }
  }, 30_000)

  it('pins a worker name to its control address until the operator removes it', async () => {
    const m = await manager()
    const sign = await m.auth.issue('sign')
    const { worker } = await ourWorker(m.d, 'rig-7', sign)
    await until(async () => (await m.cli('list')).out.includes('rig-7'))
    const fake = await fakeWorker()
    await expect(
      m.call(sign)('Venus.WorkerPing', [{ Name: 'rig-7', Dest: fake.dest, Summary: summary }]),
    ).rejects.toThrow(
      /worker name "rig-7" is registered with control address "127\.0\.0\.1:\d+"; this ping reports "127\.0\.0\.1:\d+"\. If the worker moved, release the name on the manager's host: venus-sector-manager util worker remove rig-7/,
    )
    expect((await m.cli('info', 'rig-7')).out).toContain('#1: ')
    expect(fake.seen).toEqual([])
    // Stopped first: a running worker pings again (and registers the name anew) at its interval.
    await worker.stop()
    expect((await m.cli('remove', 'rig-7')).out).toContain('rig-7 removed')
    expect((await m.cli('remove', 'rig-7')).out).toContain('no worker named "rig-7" is known')
    // Released: the next ping from anywhere registers the name again.
    await m.call(sign)('Venus.WorkerPing', [{ Name: 'rig-7', Dest: fake.dest, Summary: summary }])
    expect((await m.cli('list')).out).toContain(`rig-7\t${fake.dest}\t`)
  }, 30_000)

  it('a token obtained by squatting a name is refused by the real worker of that name', async () => {
    const m = await manager()
    // The real rig-9 does not ping (yet); a peer registers the name first.
    const { worker } = await ourWorker(m.d, 'rig-9', await m.auth.issue('sign'), 0)
    const fake = await fakeWorker()
    await m.call(await m.auth.issue('sign'))('Venus.WorkerPing', [
      { Name: 'rig-9', Dest: fake.dest, Summary: summary },
    ])
    await m.cli('pause', 'rig-9', '-i', '0')
    const stolen = fake.seen[0]?.authorization?.replace(/^Bearer /, '')
    expect(stolen).toBeDefined()
    const replay = workerControlClient(worker.controlUrl as string, { token: stolen })
    try {
      await expect(replay.pause(0)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    } finally {
      await replay.close()
    }
    expect(worker.threads[0]?.info().paused).toBe(false)
  }, 30_000)

  it('lists workers known only from their sector reports (original workers never ping), with no control address', async () => {
    const m = await manager({ sectors: true })
    const call = m.call(await m.auth.issue('sign'))
    const alloc = (await call('Venus.AllocateSector', [
      { AllowedMiners: null, AllowedProofTypes: null },
    ])) as {
      ID: { Miner: number; Number: number }
    }
    await call('Venus.ReportState', [
      alloc.ID,
      {
        Worker: { Instance: 'orig-rig', Location: '/data/1' },
        StateChange: { Prev: 'Empty', Next: 'Allocated', Event: 'SetAllocated' },
        Failure: null,
      },
    ])
    const list = await m.cli('list')
    expect(list.out).toMatch(
      /^orig-rig\t-\tno control address \(does not ping; known from its sector reports\)\tsectors 1\tlast seen \d+s ago$/m,
    )
    const info = await m.cli('info', 'orig-rig')
    expect(info.code).toBe(1)
    expect(info.err).toContain('known only from its sector reports')
  }, 30_000)
})
