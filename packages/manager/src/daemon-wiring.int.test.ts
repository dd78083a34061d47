import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, type ManagerConfigInit } from '@venus-cluster/core'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultMinerConfig } from './config.js'
import { createMemoryMarket } from './deals/index.js'
import { createFakeChain } from './fake-chain.js'
import { startManagerNode } from './node.js'

const home = mkdtempSync(join(tmpdir(), 'vsm-wiring-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('daemon wiring of [Common.DB], piece stores and the market', () => {
  it('opens the SQLite file the config names, serves /piecestore/ and hands out deals', async () => {
    const pieces = join(home, 'pieces')
    mkdirSync(pieces)
    const c = new Uint8Array(32).fill(7)
    c[31] = 0
    const pieceCid = commitmentToCid(c, 'commP').toString()
    writeFileSync(join(pieces, pieceCid), 'payload')
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const m = defaultMinerConfig(1000, 't01001')
    m.deal = { enabled: true }
    const config: ManagerConfigInit = {
      miners: [m],
      persistStores: [],
      pieceStores: [{ name: 'p', path: pieces }],
      market: { api: 'http://market.example:41235' },
      db: { driver: 'sqlite', dsn: 'state/vsm.db' },
    }
    const market = createMemoryMarket()
    market.publish(1000, { id: 3, pieceCid, pieceSize: 1024, payloadSize: 7 })
    const d = await startManagerNode({
      home,
      listen: '127.0.0.1:0',
      config,
      chain,
      messager: chain,
      market,
      tickMs: 3_600_000,
      auth: 'off',
    })
    try {
      expect(existsSync(join(home, 'state', 'vsm.db'))).toBe(true)
      expect(existsSync(join(home, 'manager.db'))).toBe(false)
      const base = d.url.replace('/rpc/v0', '')
      const got = await fetch(`${base}/piecestore/${pieceCid}`)
      expect(got.status).toBe(200)
      expect(await got.text()).toBe('payload')
      const other = new Uint8Array(32).fill(8)
      other[31] = 0
      const missing = commitmentToCid(other, 'commP').toString()
      const redirected = await fetch(`${base}/piecestore/${missing}`, { redirect: 'manual' })
      expect(redirected.status).toBe(302)
      expect(redirected.headers.get('location')).toBe(
        `http://market.example:41235/resource?resource-id=${missing}`,
      )
      const rpc = async (method: string, params: unknown[]) => {
        const res = await fetch(d.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        })
        return ((await res.json()) as { result: unknown }).result
      }
      const s = (await rpc('Venus.AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }])) as {
        ID: unknown
      }
      const deals = (await rpc('Venus.AcquireDeals', [s.ID, { MaxDeals: null }])) as { ID: number }[]
      expect(deals.map((x) => x.ID)).toEqual([3, 0])
    } finally {
      await d.stop()
    }
  })
})
