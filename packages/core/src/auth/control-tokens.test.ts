import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { controlDestProblem, workerNameProblem } from '../types/worker-identity.js'
import {
  controlTokenKid,
  createControlTokenSigner,
  createControlTokenVerifier,
  generateControlKey,
  parseWorkerControlKey,
  WORKER_CONTROL_SCOPE,
} from './control-tokens.js'
import { createTokenAuthority } from './tokens.js'

const signer = createControlTokenSigner(generateControlKey())
const verifier = createControlTokenVerifier(parseWorkerControlKey(signer.publicKey))
const at = { worker: 'rig-7', dest: '10.0.0.5:17890' }

describe('worker control tokens', () => {
  it('grant read or read+write at the named worker, bound to the address they were sent to', async () => {
    const read = await signer.issue({ worker: 'rig-7', perm: 'read', dest: at.dest })
    expect(await verifier.verify(read, at)).toMatchObject({ allow: ['read'], worker: 'rig-7', dest: at.dest })
    const write = await signer.issue({ worker: 'rig-7', perm: 'write' })
    expect((await verifier.verify(write, at)).allow).toEqual(['read', 'write'])
    expect(controlTokenKid(write)).toBe(signer.publicKey.Kid)
  })

  it('live 90 s by default', async () => {
    const t = await signer.issue({ worker: 'rig-7', perm: 'read' })
    const claims = await verifier.verify(t, at)
    expect(claims.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(89)
    expect(claims.expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(90)
  })

  it('are refused at another worker, at another address, and from another key', async () => {
    const t = await signer.issue({ worker: 'rig-7', perm: 'write', dest: at.dest })
    await expect(verifier.verify(t, { worker: 'rig-8', dest: at.dest })).rejects.toThrow(/another worker/)
    await expect(verifier.verify(t, { worker: 'rig-7', dest: '10.0.0.9:17890' })).rejects.toThrow(
      /sent to 10\.0\.0\.5:17890/,
    )
    const other = createControlTokenSigner(generateControlKey())
    await expect(verifier.verify(await other.issue({ worker: 'rig-7', perm: 'read' }), at)).rejects.toThrow(
      /not signed by the manager/,
    )
  })

  it('refuse expired tokens beyond the clock tolerance, saying so', async () => {
    const key = generateControlKey()
    const s = createControlTokenSigner(key)
    const v = createControlTokenVerifier(s.publicKey)
    const expired = await new SignJWT({ Allow: ['read'], scope: WORKER_CONTROL_SCOPE })
      .setProtectedHeader({ alg: 'EdDSA', kid: s.publicKey.Kid })
      .setAudience('rig-7')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 31)
      .sign(key)
    await expect(v.verify(expired, at)).rejects.toThrow(/expired .*clocks/)
  })

  it('refuse the manager’s own API tokens and signed tokens of another scope', async () => {
    const admin = await createTokenAuthority().issue('admin')
    await expect(verifier.verify(admin, at)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    const key = generateControlKey()
    const s = createControlTokenSigner(key)
    const v = createControlTokenVerifier(s.publicKey)
    const noScope = await new SignJWT({ Allow: ['read', 'write'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: s.publicKey.Kid })
      .setAudience('rig-7')
      .setExpirationTime('1m')
      .sign(key)
    await expect(v.verify(noScope, at)).rejects.toThrow(/not a worker control token/)
  })

  it('are never checked by the manager’s HS256 authority', async () => {
    const t = await signer.issue({ worker: 'rig-7', perm: 'write' })
    await expect(createTokenAuthority().verify(t)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('for every worker ("*") are read-only', async () => {
    await expect(signer.issue({ worker: '*', perm: 'write' })).rejects.toThrow(/read-only/)
    const t = await signer.issue({ worker: '*', perm: 'read', ttlSeconds: 3600 })
    expect((await verifier.verify(t, { worker: 'any-rig' })).allow).toEqual(['read'])
  })

  it('refuse bad requests and bad keys with clear errors', async () => {
    await expect(signer.issue({ worker: 'a b', perm: 'read' })).rejects.toThrow(/worker: worker name "a b"/)
    await expect(signer.issue({ worker: 'w', perm: 'admin' as 'read' })).rejects.toThrow(/"read" or "write"/)
    expect(() => parseWorkerControlKey({ Kid: 'x', Jwk: signer.publicKey.Jwk })).toThrow(/Kid does not match/)
    expect(() => parseWorkerControlKey({ Kid: 'x', Jwk: { kty: 'RSA' } })).toThrow(/Ed25519/)
    expect(() => parseWorkerControlKey('x')).toThrow(/expected an object/)
  })
})

describe('worker names and control addresses from the wire', () => {
  it('accept hostnames and short tokens, refuse the rest saying why', () => {
    for (const ok of ['rig-7', 'worker01.sealing.example', 'a', 'w_1@dc2:a'])
      expect(workerNameProblem(ok)).toBeUndefined()
    expect(workerNameProblem('')).toBe('is empty')
    expect(workerNameProblem('x'.repeat(129))).toMatch(/129 characters long; at most 128/)
    expect(workerNameProblem('-rig')).toMatch(/start with a letter or digit/)
    expect(workerNameProblem('rig 7')).toMatch(/only letters/)
    expect(workerNameProblem('rig\n7')).toMatch(/only letters/)
  })

  it('accept host:port and empty, refuse paths, bad ports and long hosts', () => {
    for (const ok of ['', '10.0.0.5:17890', '[fd00::5]:17890', 'rig-7.local:1'])
      expect(controlDestProblem(ok)).toBeUndefined()
    for (const bad of [
      '10.0.0.5',
      '10.0.0.5:0',
      '10.0.0.5:70000',
      'evil.com/x:80',
      '[zz]:1',
      'a b:1',
      `${'a'.repeat(260)}:1`,
    ])
      expect(controlDestProblem(bad), bad).toBeDefined()
  })
})
