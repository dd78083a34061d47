import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createTokenAuthority } from '@venus-cluster/core/auth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpsDaemon, reportParams, startOpsDaemon } from '../__fixtures__/ops-daemon.js'

let o: OpsDaemon
let tokens: Record<'read' | 'write' | 'sign' | 'admin', string>
let forged: string

beforeAll(async () => {
  o = await startOpsDaemon()
  const auth = o.d.auth
  if (!auth) throw new Error('auth should be on by default')
  tokens = {
    read: await auth.issue('read'),
    write: await auth.issue('write'),
    sign: await auth.issue('sign'),
    admin: await auth.issue('admin'),
  }
  forged = await createTokenAuthority().issue('admin')
})
afterAll(() => o.stop())

describe('manager API auth', () => {
  it('creates the secret (0600) and an admin token file in the home on first run', async () => {
    const secret = join(o.home, 'token.secret')
    expect(statSync(secret).mode & 0o777).toBe(0o600)
    const token = readFileSync(join(o.home, 'token'), 'utf8').trim()
    expect(await o.d.auth?.verify(token)).toEqual(['read', 'write', 'sign', 'admin'])
  })

  it('refuses calls without a token and with a forged token (HTTP 401)', async () => {
    expect((await o.call('ListSectors', ['online'])).status).toBe(401)
    expect((await o.call('ListSectors', ['online'], forged)).status).toBe(401)
    expect((await o.call('ListSectors', ['online'], 'garbage')).status).toBe(401)
  })

  it('refuses a token lacking the method permission', async () => {
    const alloc = await o.call(
      'AllocateSector',
      [{ AllowedMiners: null, AllowedProofTypes: null }],
      tokens.read,
    )
    expect(alloc.status).toBe(200)
    expect(alloc.body.error.message).toMatch(
      /missing permission to invoke 'Venus.AllocateSector' \(need 'write'\)/,
    )
    const restore = await o.call('RestoreSector', [{ Miner: 1000, Number: 1 }, false], tokens.sign)
    expect(restore.body.error.message).toMatch(/need 'admin'/)
  })

  it('grants each level its methods: read lists, write reports, admin restores', async () => {
    expect((await o.call('ListSectors', ['online'], tokens.read)).body.result).toEqual([])
    const alloc = await o.call(
      'AllocateSector',
      [{ AllowedMiners: null, AllowedProofTypes: null }],
      tokens.write,
    )
    expect(alloc.body.result.ID).toEqual({ Miner: 1000, Number: 1 })
    expect(
      (await o.call('ReportState', reportParams(1, 'Empty', 'Allocated'), tokens.write)).body,
    ).toMatchObject({
      result: null,
    })
    const pre = await o.call(
      'SubmitPreCommit',
      [
        { ID: { Miner: 1000, Number: 1 }, ProofType: 5 },
        { CommR: [], CommD: [], Ticket: {}, Deals: [] },
        false,
      ],
      tokens.write,
    )
    expect(pre.body.error.message).toMatch(/need 'sign'/)
  })

  it('verifies and mints tokens over Venus.AuthVerify / Venus.AuthNew', async () => {
    expect((await o.call('AuthVerify', [tokens.sign], tokens.read)).body.result).toEqual([
      'read',
      'write',
      'sign',
    ])
    expect((await o.call('AuthVerify', [forged], tokens.read)).body.error).toBeDefined()
    expect((await o.call('AuthNew', [['read']], tokens.sign)).body.error.message).toMatch(/need 'admin'/)
    const minted = (await o.call('AuthNew', [['read', 'write']], tokens.admin)).body.result as string
    expect(await o.d.auth?.verify(minted)).toEqual(['read', 'write'])
  })

  it('guards the dashboard and /metrics the same way', async () => {
    for (const path of ['/ui', '/ui/api/overview', '/metrics']) {
      expect((await fetch(o.base + path)).status).toBe(401)
      expect((await fetch(o.base + path, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(
        401,
      )
      expect((await fetch(`${o.base}${path}?token=${forged}`, { redirect: 'manual' })).status).toBe(401)
      expect((await fetch(o.base + path, { headers: { cookie: `venus_token=${forged}` } })).status).toBe(401)
      const noRead = await createTokenAuthority(o.d.auth?.secret).issue([])
      expect((await fetch(o.base + path, { headers: { authorization: `Bearer ${noRead}` } })).status).toBe(
        403,
      )
      expect(
        (await fetch(o.base + path, { headers: { authorization: `Bearer ${tokens.read}` } })).status,
      ).toBe(200)
      expect((await fetch(o.base + path, { headers: { cookie: `venus_token=${tokens.read}` } })).status).toBe(
        200,
      )
    }
  })

  it('turns ?token= into an HttpOnly cookie and a clean /ui address', async () => {
    const res = await fetch(`${o.base}/ui?token=${tokens.read}`, { redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/ui')
    expect(res.headers.get('set-cookie')).toMatch(/^venus_token=.+; Path=\/; HttpOnly; SameSite=Strict$/)
  })

  it('answers 404 on unknown paths', async () => {
    expect((await fetch(`${o.base}/nope`)).status).toBe(404)
  })
})

describe('manager API auth with trusted networks (workers that send no token)', () => {
  it('lets tokenless callers from a trusted network read, write and sign, never admin', async () => {
    const t = await startOpsDaemon({ trustedNetworks: ['127.0.0.0/8'] })
    try {
      const alloc = await t.call('AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }])
      expect(alloc.status).toBe(200)
      expect(alloc.body.result.ID).toEqual({ Miner: 1000, Number: 1 })
      expect((await t.call('ReportState', reportParams(1, 'Empty', 'Allocated'))).body).toMatchObject({
        result: null,
      })
      const restore = await t.call('RestoreSector', [{ Miner: 1000, Number: 1 }, false])
      expect(restore.body.error.message).toMatch(/need 'admin'/)
      // A token is still checked: a forged one is refused even from the trusted network.
      expect((await t.call('ListSectors', ['online'], forged)).status).toBe(401)
      const admin = await t.d.auth?.issue('admin')
      expect(
        (await t.call('RestoreSector', [{ Miner: 1000, Number: 99 }, false], admin)).body.error.message,
      ).not.toMatch(/permission/)
      expect((await fetch(`${t.base}/metrics`)).status).toBe(200)
      expect(
        (await fetch(`${t.base}/piecestore/baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq`))
          .status,
      ).toBe(404)
    } finally {
      await t.stop()
    }
  })

  it('refuses tokenless callers from outside the trusted networks', async () => {
    const t = await startOpsDaemon({ trustedNetworks: ['10.0.0.0/8', 'fd00::/8'] })
    try {
      expect((await t.call('ListSectors', ['online'])).status).toBe(401)
      expect((await fetch(`${t.base}/metrics`)).status).toBe(401)
      expect(
        (await fetch(`${t.base}/piecestore/baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq`))
          .status,
      ).toBe(401)
    } finally {
      await t.stop()
    }
  })

  it('will not start with a malformed network, naming it', async () => {
    await expect(startOpsDaemon({ trustedNetworks: ['10.0.0.0/33'] })).rejects.toThrow(
      /trusted network "10.0.0.0\/33" is not an IPv4 or IPv6 address or CIDR block/,
    )
  })
})

describe('workers that send no token against a default manager', () => {
  it('logs the first refused tokenless request from a private address once, naming the flag and the config key', async () => {
    const warnings: string[] = []
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''),
    }
    const t = await startOpsDaemon({ logger })
    try {
      const before = warnings.length
      for (let i = 0; i < 3; i++)
        expect(
          (await t.call('AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }])).status,
        ).toBe(401)
      expect((await fetch(`${t.base}/metrics`)).status).toBe(401)
      const hints = warnings.slice(before).filter((w) => w.includes('without a token'))
      expect(hints).toHaveLength(1)
      expect(hints[0]).toContain('from 127.0.0.1 was refused (401)')
      expect(hints[0]).toContain('--trusted-networks 127.0.0.0/24')
      expect(hints[0]).toContain(
        'TrustedNetworks = ["127.0.0.0/24"] under [Common.API] in sector-manager.cfg (seed layout: under [SectorManager])',
      )
      // A caller with a token is not what the hint is about.
      expect((await t.call('ListSectors', ['online'], forged)).status).toBe(401)
      expect(warnings.slice(before).filter((w) => w.includes('without a token'))).toHaveLength(1)
    } finally {
      await t.stop()
    }
  })

  it('also names the way out when the trusted networks miss the worker', async () => {
    const warnings: string[] = []
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''),
    }
    const t = await startOpsDaemon({ trustedNetworks: ['10.0.0.0/8'], logger })
    try {
      await t.call('ListSectors', ['online'])
      await t.call('ListSectors', ['online'])
      expect(warnings.filter((w) => w.includes('without a token from 127.0.0.1'))).toHaveLength(1)
    } finally {
      await t.stop()
    }
  })
})
