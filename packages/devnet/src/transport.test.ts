import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { createDevnet } from './devnet.js'
import { devnetTransport } from './transport.js'

describe('in-process devnet transport', () => {
  it('answers requests with wire JSON and streams ChainNotify until aborted', async () => {
    const devnet = createDevnet({ seed: 'transport', proofs: fakeVerifier() })
    const t = devnetTransport(devnet)
    const head = (await t.request('Filecoin.ChainHead', [])) as {
      Height: number
      Blocks: { ParentBaseFee: unknown }[]
    }
    expect(head.Height).toBe(0)
    expect(typeof head.Blocks[0]!.ParentBaseFee).toBe('string')
    await expect(t.request('Filecoin.Nope', [])).rejects.toMatchObject({ code: 'RPC_METHOD_NOT_FOUND' })
    await expect(t.request('Filecoin.ChainNotify', [])).rejects.toMatchObject({ code: 'UNSUPPORTED' })
    const controller = new AbortController()
    const seen: string[][] = []
    const reader = (async () => {
      for await (const changes of t.subscribe('Filecoin.ChainNotify', [], { signal: controller.signal })) {
        seen.push((changes as { Type: string }[]).map((c) => c.Type))
        if (seen.length === 3) controller.abort()
      }
    })()
    await devnet.mine(1)
    await devnet.reorg(1)
    // As over a WebSocket, a subscription cut short by its signal ends with ABORTED.
    await expect(reader).rejects.toMatchObject({ code: 'ABORTED' })
    expect(seen).toEqual([['current'], ['apply'], ['revert', 'apply']])
    expect(await t.request('Filecoin.StateNetworkName', [])).toBe('localnet-devnet')
  })
})
