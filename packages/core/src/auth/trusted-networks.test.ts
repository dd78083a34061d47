import { describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { createTokenAuthority, requireToken } from './tokens.js'
import { parseTrustedNetworks, requestPermissions, withTrustedNetworks } from './trusted-networks.js'

describe('parseTrustedNetworks', () => {
  it('matches IPv4 blocks, bare hosts, IPv6 blocks and IPv4-mapped IPv6 peers', () => {
    const nets = parseTrustedNetworks(['10.1.0.0/16', ' 192.168.7.9 ', 'fd00::/8'])
    expect(nets.cidrs).toEqual(['10.1.0.0/16', '192.168.7.9/32', 'fd00::/8'])
    expect(nets.includes('10.1.255.3')).toBe(true)
    expect(nets.includes('::ffff:10.1.0.1')).toBe(true)
    expect(nets.includes('10.2.0.1')).toBe(false)
    expect(nets.includes('192.168.7.9')).toBe(true)
    expect(nets.includes('192.168.7.10')).toBe(false)
    expect(nets.includes('fd12:3456::1')).toBe(true)
    expect(nets.includes('fe80::1')).toBe(false)
    expect(nets.includes(undefined)).toBe(false)
    expect(nets.includes('not an address')).toBe(false)
  })

  it('answers the same for a peer asked about again, past the number of answers it keeps', () => {
    const nets = parseTrustedNetworks(['10.1.0.0/16'])
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        const a = `10.${1 + (i % 2)}.${(i >> 8) & 0xff}.${i & 0xff}`
        expect(nets.includes(a)).toBe(i % 2 === 0)
      }
      expect(nets.includes('::ffff:10.1.0.1')).toBe(true)
      expect(nets.includes('bogus')).toBe(false)
    }
  })

  it('matches nothing when empty', () => {
    expect(parseTrustedNetworks([]).includes('127.0.0.1')).toBe(false)
  })

  it.each([['10.0.0.0/33'], ['10.0.0/8'], ['localhost'], ['10.0.0.0/'], ['10.0.0.0/-1'], ['::1/129'], ['']])(
    'refuses %j with an error naming the entry',
    (entry) => {
      try {
        parseTrustedNetworks([entry])
        expect.unreachable()
      } catch (err) {
        expect(err).toBeInstanceOf(VenusError)
        expect((err as VenusError).code).toBe('INVALID_ARGUMENT')
        expect((err as VenusError).message).toContain(JSON.stringify(entry))
      }
    },
  )
})

describe('requests without a token', () => {
  const authority = createTokenAuthority()
  const auth = withTrustedNetworks(authority, parseTrustedNetworks(['10.1.0.0/16']))

  it('get read, write and sign from a trusted network and are refused elsewhere', async () => {
    expect(await requestPermissions(auth, undefined, '10.1.2.3')).toEqual(['read', 'write', 'sign'])
    await expect(requestPermissions(auth, undefined, '10.2.2.3')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'missing' },
    })
    await expect(requestPermissions(authority, undefined, '10.1.2.3')).rejects.toMatchObject({
      details: { reason: 'missing' },
    })
  })

  it('still have a sent token verified: a forged one is refused from a trusted network', async () => {
    const forged = await createTokenAuthority().issue('admin')
    await expect(requestPermissions(auth, forged, '10.1.2.3')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'invalid' },
    })
    const admin = await authority.issue('admin')
    expect(await requestPermissions(auth, admin, '10.2.2.3')).toEqual(['read', 'write', 'sign', 'admin'])
  })

  it('reach an RPC authorize hook through requireToken with the caller address', async () => {
    const check = requireToken(auth)
    expect(await check(undefined, { remoteAddress: '::ffff:10.1.0.9' })).toEqual(['read', 'write', 'sign'])
    await expect(check(undefined, { remoteAddress: '127.0.0.1' })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
    await expect(check(undefined)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('can be granted a narrower set', async () => {
    const readOnly = withTrustedNetworks(authority, parseTrustedNetworks(['10.1.0.0/16']), ['read'])
    expect(await requestPermissions(readOnly, '', '10.1.0.1')).toEqual(['read'])
  })
})
