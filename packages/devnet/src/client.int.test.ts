import { createRpcClient, customTransport, parseApiInfo, wsTransport } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { createDevnet } from './devnet.js'
import { serveDevnet } from './serve.js'
import { devnetTransport } from './transport.js'

type HeadChange = { Type: string; Val: { Height: number } }

describe('core RPC client against the devnet', () => {
  it('calls and subscribes over WebSocket using the printed API info string', async () => {
    const devnet = createDevnet({ seed: 'client-ws', proofs: fakeVerifier() })
    const served = await serveDevnet(devnet)
    const info = parseApiInfo(served.chainApiInfo)
    expect(info.token).toBe(served.adminToken)
    const client = createRpcClient(wsTransport(info.wsUrl, { token: info.token! }))
    try {
      const { miner } = await devnet.createTestMiner()
      const mi = await client.call<{ SectorSize: number }>('Filecoin.StateMinerInfo', [miner, []])
      expect(mi.SectorSize).toBe(2048)
      const controller = new AbortController()
      const seen: string[] = []
      const reader = (async () => {
        for await (const batch of client.subscribe<HeadChange[]>('Filecoin.ChainNotify', [], {
          signal: controller.signal,
        })) {
          seen.push(batch.map((c) => `${c.Type}@${c.Val.Height}`).join(','))
          if (seen.length === 1) void devnet.mine(1)
          if (seen.length === 2) void devnet.reorg(1)
          if (seen.length === 3) controller.abort()
        }
      })().catch((e: unknown) => {
        if ((e as { code?: string }).code !== 'ABORTED') throw e
      })
      await reader
      const h = devnet.head().height
      expect(seen).toEqual([`current@${h - 1}`, `apply@${h}`, `revert@${h},apply@${h}`])
      await expect(client.call('Filecoin.StateMinerInfo', ['t09999', []])).rejects.toMatchObject({
        code: 'ACTOR_NOT_FOUND',
      })
    } finally {
      await client.close()
      await served.close()
    }
  })

  it('works in process through customTransport(devnetTransport(devnet)), ChainNotify included', async () => {
    const devnet = createDevnet({ seed: 'client-inproc', proofs: fakeVerifier() })
    const client = createRpcClient(customTransport(devnetTransport(devnet)))
    expect(await client.call('Filecoin.StateNetworkName', [])).toBe('localnet-devnet')
    const it = client.subscribe<HeadChange[]>('Filecoin.ChainNotify', [])[Symbol.asyncIterator]()
    expect((await it.next()).value?.[0]?.Type).toBe('current')
    await devnet.mine(1)
    expect((await it.next()).value?.[0]).toMatchObject({ Type: 'apply', Val: { Height: 1 } })
    await it.return?.()
    await client.close()
  })
})
