import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { tokenFromRequest } from './request.js'
import { loadOrCreateTokenSecret } from './secret.js'
import { createTokenAuthority, parsePermission, permissionsUpTo, requireToken } from './tokens.js'

const dir = mkdtempSync(join(tmpdir(), 'venus-auth-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('token authority', () => {
  it('issues tokens that carry the level and every weaker one', async () => {
    const auth = createTokenAuthority()
    expect(await auth.verify(await auth.issue('read'))).toEqual(['read'])
    expect(await auth.verify(await auth.issue('sign'))).toEqual(['read', 'write', 'sign'])
    expect(await auth.verify(await auth.issue('admin'))).toEqual(['read', 'write', 'sign', 'admin'])
  })

  it('writes the Lotus payload shape {"Allow": [...]}', async () => {
    const auth = createTokenAuthority()
    const token = await auth.issue('write')
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
    expect(payload).toEqual({ Allow: ['read', 'write'] })
  })

  it('refuses tokens signed with another secret, alg none, and garbage', async () => {
    const auth = createTokenAuthority()
    const other = createTokenAuthority()
    const forged = await other.issue('admin')
    await expect(auth.verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const body = Buffer.from(JSON.stringify({ Allow: ['admin'] })).toString('base64url')
    await expect(auth.verify(`${header}.${body}.`)).rejects.toBeInstanceOf(VenusError)
    await expect(auth.verify('not-a-jwt')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('ignores unknown permission names inside a valid token', async () => {
    const auth = createTokenAuthority()
    const t = await new SignJWT({ Allow: ['read', 'root'] })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(auth.secret)
    expect(await auth.verify(t)).toEqual(['read'])
  })

  it('requireToken refuses a missing token', async () => {
    const check = requireToken(createTokenAuthority())
    await expect(check(undefined)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('parses permission names and names the bad one', () => {
    expect(parsePermission('sign')).toBe('sign')
    expect(() => parsePermission('root')).toThrow(/one of read, write, sign, admin, got "root"/)
    expect(permissionsUpTo('write')).toEqual(['read', 'write'])
  })
})

describe('token secret file', () => {
  it('creates a 0600 secret once and reads the same one back', async () => {
    const path = join(dir, 'home', 'token.secret')
    const a = await loadOrCreateTokenSecret(path)
    const b = await loadOrCreateTokenSecret(path)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    expect(a.length).toBe(32)
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('rejects a secret file that is not hex', async () => {
    const path = join(dir, 'bad.secret')
    writeFileSync(path, 'hello')
    await expect(loadOrCreateTokenSecret(path)).rejects.toThrow(/hex secret/)
  })
})

describe('tokenFromRequest', () => {
  const req = (headers: Record<string, string>, url = '/') => ({ headers, url })
  it('reads the bearer header, then the cookie, then ?token=', () => {
    expect(tokenFromRequest(req({ authorization: 'Bearer abc' }, '/?token=q'))).toBe('abc')
    expect(tokenFromRequest(req({ cookie: 'x=1; venus_token=c%2Ed' }, '/?token=q'))).toBe('c.d')
    expect(tokenFromRequest(req({}, '/ui?token=q'))).toBe('q')
    expect(tokenFromRequest(req({}, '/ui'))).toBeUndefined()
  })
})
