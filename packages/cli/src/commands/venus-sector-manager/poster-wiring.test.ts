import { defaultManagerConfigText, parseManagerConfig } from '@venus-cluster/core'
import type { ManagerNode } from '@venus-cluster/manager'
import { describe, expect, it } from 'vitest'
import { loadPosterProofs, startGatewayProofs, startPoster } from './poster-wiring.js'

describe('daemon run --poster wiring', () => {
  it('uses the mock backend only when asked for it', async () => {
    const proofs = await loadPosterProofs('mock')
    expect(typeof proofs.verifyWindowPoSt).toBe('function')
  })

  it('starts no scheduler and says why when no miner has PoSt enabled', async () => {
    const file = parseManagerConfig(defaultManagerConfigText(), 'sector-manager.cfg')
    const lines: string[] = []
    const poster = await startPoster({
      file,
      daemon: {} as ManagerNode,
      proofs: await loadPosterProofs('mock'),
      log: (l) => lines.push(l),
    })
    expect(poster).toBeUndefined()
    expect(lines.join('\n')).toMatch(/no miner has PoSt enabled/)
  })

  it('answers venus-gateway only for miners with WinningPoSt enabled and a gateway, and says why not', async () => {
    const base = [
      '[[Miners]]',
      'Actor = 1000',
      '[Miners.Commitment.Pre]',
      'Sender = "t01001"',
      '[Miners.Commitment.Prove]',
      'Sender = "t01001"',
      '[Miners.Proof]',
      'Enabled = true',
    ]
    const proofs = await loadPosterProofs('mock')
    const lines: string[] = []
    const none = await startGatewayProofs({
      file: parseManagerConfig(base.join('\n'), 'x.cfg'),
      proofs,
      log: (l) => lines.push(l),
    })
    expect(none).toBeUndefined()
    expect(lines.join('\n')).toMatch(/t01000 has WinningPoSt enabled but no venus-gateway API/)

    // A gateway that is down: the service starts, keeps trying, and stops cleanly.
    const withGateway = ['[Common.API]', 'Gateway = ["ws://127.0.0.1:9/rpc/v1"]', ...base].join('\n')
    lines.length = 0
    const svc = await startGatewayProofs({
      file: parseManagerConfig(withGateway, 'x.cfg'),
      proofs,
      log: (l) => lines.push(l),
    })
    expect(svc).toBeDefined()
    expect(lines.join('\n')).toMatch(/answering venus-gateway proof events for t01000/)
    // The WebSocket transport keeps retrying the connection; stop ends it without waiting.
    await new Promise((r) => setTimeout(r, 200))
    await svc?.stop()
  })
})
