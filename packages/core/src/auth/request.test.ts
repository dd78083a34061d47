import { describe, expect, it } from 'vitest'
import { gateRequest, TOKEN_COOKIE, tokenFromRequest } from './request.js'
import { createTokenAuthority } from './tokens.js'
import { parseTrustedNetworks, withTrustedNetworks } from './trusted-networks.js'

const req = (headers: Record<string, string>, url = '/', remoteAddress = '192.0.2.1') => ({
  headers,
  url,
  socket: { remoteAddress },
})

describe('HTTP request tokens and the 401/403 gate', () => {
  it('reads the token from the Authorization header, the cookie, then ?token=', () => {
    expect(tokenFromRequest(req({ authorization: 'Bearer abc' }))).toBe('abc')
    expect(tokenFromRequest(req({ cookie: `x=1; ${TOKEN_COOKIE}=def` }))).toBe('def')
    expect(tokenFromRequest(req({}, '/ui?token=ghi'))).toBe('ghi')
    expect(tokenFromRequest(req({}))).toBeUndefined()
  })

  it('answers 401 without a usable token, 403 without the permission, and lets the rest through', async () => {
    const authority = createTokenAuthority()
    const auth = withTrustedNetworks(authority, parseTrustedNetworks(['10.0.0.0/8']))
    const missing = await gateRequest(auth, req({}), 'read', 'open /ui?token=…')
    expect(missing).toEqual({
      ok: false,
      status: 401,
      message: 'unauthorized: send a token (open /ui?token=…)',
      headers: { 'www-authenticate': 'Bearer' },
    })
    const forged = await createTokenAuthority().issue('admin')
    expect(await gateRequest(auth, req({ authorization: `Bearer ${forged}` }), 'read')).toMatchObject({
      status: 401,
      message: 'unauthorized: the token is not valid',
    })
    const reader = await authority.issue('read')
    expect(await gateRequest(auth, req({ authorization: `Bearer ${reader}` }), 'admin')).toEqual({
      ok: false,
      status: 403,
      message: "forbidden: the token lacks 'admin'",
      headers: {},
    })
    expect(await gateRequest(auth, req({ authorization: `Bearer ${reader}` }), 'read')).toEqual({ ok: true })
    expect(await gateRequest(auth, req({}, '/', '10.1.2.3'), 'write')).toEqual({ ok: true })
  })
})
