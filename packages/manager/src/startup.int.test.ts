// The manager daemon's start-up and health: a chain node that does not answer is waited for a
// bounded time and then the start fails having freed its port and database; failures waiting
// cannot fix fail at once; miners and senders are checked against the chain and errors name the
// config file, line and key; once started, an outage shows in /readyz, the gauges and the
// dashboard, and passes on its own.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ManagerConfigInit, parseManagerConfig, VenusError } from '@venus-cluster/core'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { ManagerChain, ManagerMinerInfo } from './chain.js'
import { defaultMinerConfig } from './config.js'
import { createFakeChain, type FakeChain } from './fake-chain.js'
import { startManagerNode } from './node.js'
import { findPgBin, startTestPg, type TestPgServer } from './store/__fixtures__/pg-server.js'

const cleanup: (() => Promise<unknown> | unknown)[] = []
let pgServer: TestPgServer | undefined
afterAll(() => pgServer?.stop())
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function home(): string {
  const h = mkdtempSync(join(tmpdir(), 'vsm-start-'))
  cleanup.push(() => rmSync(h, { recursive: true, force: true }))
  return h
}

/** A loopback port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

/** Whether the port can be bound now (nothing else holds it). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** Files under `dir` this process holds open (Linux /proc). */
function openFilesUnder(dir: string): string[] {
  const out: string[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      if (target.startsWith(dir)) out.push(target)
    } catch {
      // closed meanwhile
    }
  }
  return out
}

const config = (sender = 't01001'): ManagerConfigInit => ({
  miners: [defaultMinerConfig(1000, sender)],
  persistStores: [],
})

/** A fake chain that also reports the miner's addresses and knows some accounts, like Lotus. */
function lotusLikeChain(accounts: Record<string, { id: string; balance: bigint }>): FakeChain & ManagerChain {
  const fake = createFakeChain({ miners: { 1000: 2048 } })
  const minerInfo = fake.minerInfo.bind(fake)
  return Object.assign(fake, {
    async minerInfo(miner: number): Promise<ManagerMinerInfo> {
      return { ...(await minerInfo(miner)), owner: 't01002', worker: 't01001', controlAddresses: ['t01003'] }
    },
    async lookupId(address: string) {
      return accounts[address]?.id ?? null
    },
    async balance(address: string) {
      return accounts[address]?.balance ?? 0n
    },
  })
}

const seedCfg = (controls: string) =>
  [
    '[SectorManager]',
    '[[SectorManager.Miners]]',
    'ID = 1000',
    '[Chain]',
    'Api = "/ip4/127.0.0.1/tcp/1234"',
    '[Commitment]',
    '[Commitment.Miners.1000]',
    '[Commitment.Miners.1000.Controls]',
    controls,
    '',
  ].join('\n')

describe('manager daemon start-up', () => {
  it('waits a bounded time for a chain node that does not answer, then fails and frees port and database', async () => {
    const h = home()
    const port = await freePort()
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    chain.failing = true
    const err = await startManagerNode({
      home: h,
      listen: `127.0.0.1:${port}`,
      config: config(),
      chain,
      messager: chain,
      auth: 'off',
      startTimeoutMs: 600,
    }).then(
      () => undefined,
      (e: unknown) => e as VenusError,
    )
    expect(err?.code).toBe('TIMEOUT')
    expect(err?.message).toMatch(
      /the chain node did not answer for \d+ s at start \(fake chain: node unavailable\)/,
    )
    // It retried until the limit rather than failing on the first refusal.
    expect(err?.details.attempts).toBeGreaterThan(1)
    expect(await bindable(port)).toBe(true)
    expect(openFilesUnder(h)).toEqual([])
  })

  it.skipIf(findPgBin() === undefined)(
    'closes its PostgreSQL connections when the start fails',
    async () => {
      pgServer ??= await startTestPg()
      const url = pgServer.createDatabase('vsm_failed_start')
      const chain = createFakeChain({ miners: { 1000: 2048 } })
      chain.failing = true
      await expect(
        startManagerNode({
          home: home(),
          db: url,
          listen: '127.0.0.1:0',
          config: config(),
          chain,
          messager: chain,
          auth: 'off',
          startTimeoutMs: 300,
        }),
      ).rejects.toMatchObject({ code: 'TIMEOUT' })
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      try {
        const r = await c.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
        expect(r.rows[0].n).toBe(0)
      } finally {
        await c.end()
      }
    },
    60_000,
  )

  it('starts once the chain node answers within the wait', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    chain.failing = true
    setTimeout(() => {
      chain.failing = false
    }, 300)
    const d = await startManagerNode({
      home: home(),
      listen: '127.0.0.1:0',
      config: config(),
      chain,
      messager: chain,
      auth: 'off',
      startTimeoutMs: 10_000,
    })
    cleanup.push(() => d.stop())
    expect(d.health.current().ready).toBe(true)
  })

  it('fails at once when the chain node refuses the token, and frees the port', async () => {
    const port = await freePort()
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    chain.head = async () => {
      throw new VenusError('UNAUTHENTICATED', 'http://node/rpc/v1 refused the token (HTTP 401)')
    }
    await expect(
      startManagerNode({
        home: home(),
        listen: `127.0.0.1:${port}`,
        config: config(),
        chain,
        messager: chain,
        auth: 'off',
        startTimeoutMs: 30_000,
      }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    expect(await bindable(port)).toBe(true)
  })

  it('fails at once when the messager refuses the token, and starts when it only does not answer', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const start = (messager: FakeChain) =>
      startManagerNode({
        home: home(),
        listen: '127.0.0.1:0',
        config: config(),
        chain,
        messager,
        auth: 'off',
      })
    const refusing = createFakeChain({ miners: {} })
    refusing.hasMessageByUid = async () => {
      throw new VenusError('UNAUTHENTICATED', 'http://messager/rpc/v0 refused the token (HTTP 401)')
    }
    await expect(start(refusing)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the messager refused the start probe: http://messager/rpc/v0 refused the token (HTTP 401)',
    })
    const down = createFakeChain({ miners: {} })
    down.failing = true
    const d = await start(down)
    cleanup.push(() => d.stop())
    expect(d.health.current()).toMatchObject({ ready: false, problems: ['messager unreachable'] })
  })

  it('refuses a sealing miner without a precommit sender, naming the file, line and key', async () => {
    const file = parseManagerConfig(seedCfg('ProveCommit = "t01001"'), '/etc/vsm/sector-manager.cfg')
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const err = await startManagerNode({
      home: home(),
      listen: '127.0.0.1:0',
      config: file,
      chain,
      messager: chain,
      auth: 'off',
    }).then(
      () => undefined,
      (e: unknown) => e as VenusError,
    )
    expect(err?.code).toBe('CONFIG_MISSING_KEY')
    expect(err?.message).toMatch(
      /^\/etc\/vsm\/sector-manager\.cfg:8: Commitment\.Miners\.1000\.Controls\.PreCommit: t01000 seals new sectors but has no precommit sender/,
    )
    expect(err?.details).toMatchObject({ line: 8, key: 'Commitment.Miners.1000.Controls.PreCommit' })
  })

  it('refuses a sender that is not the miner’s worker, owner or control address', async () => {
    const file = parseManagerConfig(
      seedCfg(
        'PreCommit = "t01001"\nProveCommit = "t3vvmn62lofvhjd2ugzca6sof2j2ubwok6cj4xxbfzz4yuxfkgobpihhd2thlanmsh3w2ptld2gqkn2jvlss4a"',
      ),
      'sector-manager.cfg',
    )
    const chain = lotusLikeChain({
      t01001: { id: 't01001', balance: 10n },
      t3vvmn62lofvhjd2ugzca6sof2j2ubwok6cj4xxbfzz4yuxfkgobpihhd2thlanmsh3w2ptld2gqkn2jvlss4a: {
        id: 't01999',
        balance: 10n,
      },
    })
    await expect(
      startManagerNode({
        home: home(),
        listen: '127.0.0.1:0',
        config: file,
        chain,
        messager: chain,
        auth: 'off',
      }),
    ).rejects.toThrow(
      /^sector-manager\.cfg:10: Commitment\.Miners\.1000\.Controls\.ProveCommit: t3vvmn.* may not send provecommit messages for t01000: only its worker, owner or a control address may \(worker t01001, owner t01002, control t01003\)/,
    )
  })

  it('refuses a sender unknown to the chain, a mainnet address on a test network, and an unknown miner', async () => {
    const chain = lotusLikeChain({ t01001: { id: 't01001', balance: 10n } })
    const start = (c: ManagerConfigInit) =>
      startManagerNode({
        home: home(),
        listen: '127.0.0.1:0',
        config: c,
        chain,
        messager: chain,
        auth: 'off',
      })
    await expect(start(config('t01777'))).rejects.toThrow(/no actor has the address t01777 on 2k/)
    await expect(start(config('f01001'))).rejects.toThrow(
      /f01001 is a mainnet address, but the chain node serves 2k \(addresses start with t\)/,
    )
    const unknown = { miners: [defaultMinerConfig(4242, 't01001')], persistStores: [] }
    await expect(start(unknown)).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' })
  })

  it('warns about a sender without funds and starts', async () => {
    const chain = lotusLikeChain({ t01001: { id: 't01001', balance: 0n } })
    const warnings: string[] = []
    const d = await startManagerNode({
      home: home(),
      listen: '127.0.0.1:0',
      config: config(),
      chain,
      messager: chain,
      auth: 'off',
      logger: { debug() {}, info() {}, warn: (_o, m) => warnings.push(m ?? ''), error() {} },
    })
    cleanup.push(() => d.stop())
    expect(warnings).toContain('sender has no funds: its messages fail until it is funded')
  })
})

describe('manager daemon health', () => {
  it('shows a chain outage in /readyz, the gauges and the dashboard, and recovers on its own', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const logs: string[] = []
    const d = await startManagerNode({
      home: home(),
      listen: '127.0.0.1:0',
      config: config(),
      chain,
      messager: chain,
      tickMs: 3_600_000,
      healthIntervalMs: 3_600_000,
      logger: {
        debug() {},
        info: (_o, m) => logs.push(m ?? ''),
        warn: (_o, m) => logs.push(m ?? ''),
        error: (_o, m) => logs.push(m ?? ''),
      },
    })
    cleanup.push(() => d.stop())
    const base = `http://127.0.0.1:${d.port}`
    const admin = (await d.auth?.issue('admin')) as string
    const get = async (path: string, token?: string) => {
      const res = await fetch(
        `${base}${path}`,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      )
      return { status: res.status, text: await res.text() }
    }

    // Auth is on, yet the health paths answer without a token; the dashboard still needs one.
    expect(await get('/healthz')).toEqual({ status: 200, text: '{"status":"ok"}\n' })
    const ready = await get('/readyz')
    expect(ready.status).toBe(200)
    expect(JSON.parse(ready.text)).toMatchObject({
      ready: true,
      chain: { reachable: true, height: 1000, stale: false },
      messager: { reachable: true },
      store: { ok: true },
    })
    expect((await get('/ui/api/overview')).status).toBe(401)

    chain.failing = true
    await d.health.check()
    const down = await get('/readyz')
    expect(down.status).toBe(503)
    const body = JSON.parse(down.text)
    expect(body).toMatchObject({
      ready: false,
      problems: ['chain node unreachable', 'messager unreachable'],
      chain: { reachable: false, error: 'RPC_TRANSPORT', height: 1000 },
    })
    // Served without a token: codes only, no messages, URLs or tokens.
    expect(down.text).not.toContain('unavailable')
    expect(down.text).not.toContain(admin)
    const metrics = (await get('/metrics', admin)).text
    expect(metrics).toMatch(/^venus_chain_up 0$/m)
    expect(metrics).toMatch(/^venus_manager_ready 0$/m)
    expect(metrics).toMatch(/^venus_chain_head_height 1000$/m)
    const overview = JSON.parse((await get('/ui/api/overview', admin)).text)
    expect(overview.health).toMatchObject({
      ready: false,
      problems: ['chain node unreachable', 'messager unreachable'],
    })
    expect(logs.filter((m) => m.startsWith('chain node unreachable'))).toHaveLength(1)

    // The manager rides it out: its timer keeps running and nothing needs a restart.
    await d.manager.tick()
    chain.failing = false
    chain.advance(3)
    await d.health.check()
    expect((await get('/readyz')).status).toBe(200)
    expect((await get('/metrics', admin)).text).toMatch(/^venus_chain_head_height 1003$/m)
    expect(logs).toContain('chain node reachable again')
  })

  it('reports a head that stops advancing as not ready', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    let t = 1_000_000
    const { createHealthMonitor } = await import('./health.js')
    const { openSqliteStore } = await import('./store/sqlite.js')
    const store = await openSqliteStore({ path: ':memory:' })
    cleanup.push(() => store.close())
    const health = createHealthMonitor({ chain, messager: chain, store, staleHeadSeconds: 60, now: () => t })
    expect((await health.check()).ready).toBe(true)
    t += 61_000
    const h = await health.check()
    expect(h).toMatchObject({ ready: false, chain: { reachable: true, stale: true, headAgeSeconds: 61 } })
    expect(h.problems).toEqual(['chain head has not advanced for 61 s'])
    chain.advance(1)
    expect((await health.check()).ready).toBe(true)
  })
})
