import { defaultManagerConfigText, parseManagerConfig } from '@venus-cluster/core'
import type { ManagerDaemon } from '@venus-cluster/manager'
import { describe, expect, it } from 'vitest'
import { loadPosterProofs, startPoster } from './poster-wiring.js'

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
      daemon: {} as ManagerDaemon,
      proofs: await loadPosterProofs('mock'),
      log: (l) => lines.push(l),
    })
    expect(poster).toBeUndefined()
    expect(lines.join('\n')).toMatch(/no miner has PoSt enabled/)
  })
})
