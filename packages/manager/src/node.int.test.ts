import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Startable } from '@venus-cluster/core'
import { startFakeMarket } from '@venus-cluster/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultMinerConfig } from './config.js'
import { createFakeChain } from './fake-chain.js'
import { createManagerNode, type ManagerNodeOptions } from './node.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function options(extra: Partial<ManagerNodeOptions> = {}): ManagerNodeOptions {
  const home = mkdtempSync(join(tmpdir(), 'vsm-node-'))
  cleanups.push(() => rmSync(home, { recursive: true, force: true }))
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  return {
    home,
    listen: '127.0.0.1:0',
    auth: 'off',
    config: { miners: [defaultMinerConfig(1000, 't01001')] },
    chain,
    messager: chain,
    tickMs: 3_600_000,
    healthIntervalMs: 3_600_000,
    ...extra,
  }
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })

describe('createManagerNode', () => {
  it('has its config before start, and its running parts only once started', async () => {
    const node = createManagerNode(options())
    expect(node.config.miners[0]?.commitment.pre.batch.threshold).toBe(16)
    expect(node.running).toBe(false)
    expect(() => node.manager).toThrow(expect.objectContaining({ code: 'NOT_STARTED' }))
    await node.start()
    cleanups.push(() => node.stop())
    expect(node.running).toBe(true)
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/rpc\/v0$/)
    expect((await fetch(node.url.replace('/rpc/v0', '/healthz'))).status).toBe(200)
    const port = node.port
    await Promise.all([node.stop(), node.stop()]) // twice at once is fine
    await node.stop()
    expect(node.running).toBe(false)
    expect(await portFree(port)).toBe(true)
  })

  it('listens for the market unseal requests with [Common.Unseal] ListenMarketEvents, and closes the stream on stop', async () => {
    const market = await startFakeMarket()
    cleanups.push(() => market.close())
    const node = createManagerNode(
      options({
        config: {
          miners: [defaultMinerConfig(1000, 't01001')],
          market: { api: market.url },
          unseal: { listenMarketEvents: true },
        },
      }),
    )
    await node.start()
    cleanups.push(() => node.stop())
    await market.waitForStream('t01000')
    await node.stop()
    const end = Date.now() + 5000
    while (market.openStreams('t01000') > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(market.openStreams('t01000')).toBe(0)
    expect(market.listens).toEqual(['t01000'])
  })

  it('starts plugged-in services once it serves, and stops them before the manager', async () => {
    const log: string[] = []
    const node = createManagerNode(
      options({
        services: [
          (n): Startable => ({
            async start() {
              // The node serves and its parts are there when a service starts.
              log.push(`start ${(await fetch(n.url.replace('/rpc/v0', '/healthz'))).status}`)
              n.metrics.recordPost({ miner: 1000, deadline: 1, partitions: 1, durationMs: 5, ok: true })
            },
            async stop() {
              log.push(`stop ${(await fetch(n.url.replace('/rpc/v0', '/healthz'))).status}`)
            },
          }),
        ],
      }),
    )
    await node.start()
    expect(node.services).toHaveLength(1)
    expect(node.metrics.postResults()).toHaveLength(1)
    await node.stop()
    expect(log).toEqual(['start 200', 'stop 200'])
  })

  it('closes everything it opened when a service cannot start, and rethrows its error', async () => {
    const opts = options({
      services: [
        () => ({
          start: async () => {
            throw new Error('poster cannot start')
          },
          stop: async () => {},
        }),
      ],
    })
    const node = createManagerNode({ ...opts, listen: '127.0.0.1:0' })
    await expect(node.start()).rejects.toThrow('poster cannot start')
    expect(node.running).toBe(false)
    // The database is closed: another node opens it.
    const again = createManagerNode({ ...opts, services: [] })
    await again.start()
    cleanups.push(() => again.stop())
    expect(again.running).toBe(true)
  })

  it('serves no /metrics when metrics are off, the dashboard still', async () => {
    const node = createManagerNode(options({ metrics: false }))
    await node.start()
    cleanups.push(() => node.stop())
    const base = node.url.replace('/rpc/v0', '')
    expect((await fetch(`${base}/metrics`)).status).toBe(404)
    expect((await fetch(`${base}/ui/api/overview`)).status).toBe(200)
  })
})
