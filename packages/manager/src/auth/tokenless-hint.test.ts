import { createTokenAuthority, requestPermissions } from '@venus-cluster/core/auth'
import { describe, expect, it } from 'vitest'
import { tokenlessHint, withTokenlessHint } from './tokenless-hint.js'

describe('tokenless hint', () => {
  it('suggests the caller’s /24 or /64', () => {
    expect(tokenlessHint('10.1.2.3')).toContain('--trusted-networks 10.1.2.0/24')
    expect(tokenlessHint('fd00:1:2:3:4:5:6:7')).toContain('TrustedNetworks = ["fd00:1:2:3::/64"]')
    expect(tokenlessHint('fd00::5')).toContain('--trusted-networks fd00:0:0:0::/64')
  })

  it('is logged for private addresses only, once, and changes no decision', async () => {
    const logged: string[] = []
    const auth = withTokenlessHint(createTokenAuthority(), (msg, f) =>
      logged.push(`${f.remoteAddress} ${msg}`),
    )
    await expect(requestPermissions(auth, undefined, '203.0.113.9')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
    expect(logged).toEqual([])
    await expect(requestPermissions(auth, undefined, '::ffff:192.168.7.20')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
    await expect(requestPermissions(auth, undefined, '10.0.0.1')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(
      /^::ffff:192\.168\.7\.20 a request without a token from 192\.168\.7\.20 was refused/,
    )
  })
})
