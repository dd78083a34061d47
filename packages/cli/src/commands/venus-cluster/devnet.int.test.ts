import { describe, expect, it } from 'vitest'
import { parseBlockTime, runDevnet } from './devnet.js'

describe('venus-cluster devnet run', () => {
  it('serves a mining devnet with a test miner and stops cleanly', async () => {
    const running = await runDevnet({
      listen: '127.0.0.1:0',
      blockTime: '20ms',
      proofs: 'mock',
      seed: 'cli',
      miners: 1,
    })
    try {
      expect(running.served.chainApiInfo).toMatch(/^ey.+:\/ip4\/127\.0\.0\.1\/tcp\/\d+\/http$/)
      expect(running.miners[0]!.miner).toMatch(/^t0\d+$/)
      const call = async (method: string, params: unknown[]) => {
        const res = await fetch(running.served.httpUrl, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${running.served.adminToken}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        })
        return ((await res.json()) as { result: unknown }).result
      }
      const h0 = ((await call('Filecoin.ChainHead', [])) as { Height: number }).Height
      await new Promise((r) => setTimeout(r, 150))
      const h1 = ((await call('Filecoin.ChainHead', [])) as { Height: number }).Height
      expect(h1).toBeGreaterThan(h0)
      const info = (await call('Filecoin.StateMinerInfo', [running.miners[0]!.miner, []])) as {
        SectorSize: number
      }
      expect(info.SectorSize).toBe(2048)
    } finally {
      await running.stop()
    }
  })

  it('parses block times and rejects bad ones with CLI_USAGE', () => {
    expect(parseBlockTime('500ms')).toBe(500)
    expect(parseBlockTime('2s')).toBe(2000)
    expect(parseBlockTime('250')).toBe(250)
    expect(() => parseBlockTime('fast')).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }))
  })
})
