import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { managerTokenAuthority } from '@venus-cluster/manager'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../run.js'
import { buildSectorManagerProgram } from './index.js'

const home = mkdtempSync(join(tmpdir(), 'vsm-auth-cli-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s)
    return true
  })
  try {
    const code = await runCli(
      buildSectorManagerProgram(),
      ['node', 'venus-sector-manager', '--home', home, ...args],
      {
        out: (s) => {
          out += s
        },
        err: (s) => {
          err += s
        },
      },
    )
    return { code, out, err }
  } finally {
    spy.mockRestore()
  }
}

describe('venus-sector-manager auth create-token', () => {
  it('daemon init creates the token secret, the local admin token and the worker control key (0600)', async () => {
    expect((await cli(['daemon', 'init'])).code).toBe(0)
    expect(statSync(join(home, 'token.secret')).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'token')).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'worker-control.key')).mode & 0o777).toBe(0o600)
  })

  it('daemon init writes TrustedNetworks commented, with how workers that send no token get in', async () => {
    const cfg = readFileSync(join(home, 'sector-manager.cfg'), 'utf8')
    const section = cfg.slice(cfg.indexOf('[SectorManager]'), cfg.indexOf('[Commitment]'))
    expect(section).toContain('# TrustedNetworks = ["10.1.0.0/16"]')
    expect(section).toMatch(/original Rust venus-worker sends none/)
    expect(section).toMatch(/--trusted-networks/)
  })

  it('prints a token of the asked permission, signed with the home secret (0600)', async () => {
    const r = await cli(['auth', 'create-token', '--perm', 'sign'])
    expect(r.code).toBe(0)
    const token = r.out.trim()
    expect(statSync(join(home, 'token.secret')).mode & 0o777).toBe(0o600)
    const auth = await managerTokenAuthority(home)
    expect(await auth.verify(token)).toEqual(['read', 'write', 'sign'])
  })

  it('refuses an unknown permission and a missing --perm', async () => {
    const bad = await cli(['auth', 'create-token', '--perm', 'root'])
    expect(bad.code).not.toBe(0)
    expect((await cli(['auth', 'create-token'])).code).not.toBe(0)
  })
})

describe('venus-sector-manager auth create-token --worker', () => {
  it('prints a control token for one worker, or a read-only one for every worker, signed with the home control key', async () => {
    const { createControlTokenVerifier } = await import('@venus-cluster/core/auth')
    const { managerControlKey } = await import('@venus-cluster/manager')
    const r = await cli(['auth', 'create-token', '--perm', 'write', '--worker', 'rig-7', '--ttl', '1h'])
    expect(r.code, r.err).toBe(0)
    expect(statSync(join(home, 'worker-control.key')).mode & 0o777).toBe(0o600)
    const verifier = createControlTokenVerifier((await managerControlKey(home)).publicKey)
    const claims = await verifier.verify(r.out.trim(), { worker: 'rig-7' })
    expect(claims.allow).toEqual(['read', 'write'])
    expect(claims.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(3590)
    await expect(verifier.verify(r.out.trim(), { worker: 'rig-8' })).rejects.toThrow(/another worker/)
    const all = await cli(['auth', 'create-token', '--perm', 'read', '--worker', '*', '--ttl', '720h'])
    expect((await verifier.verify(all.out.trim(), { worker: 'any' })).allow).toEqual(['read'])
    // The manager's API does not take them.
    await expect((await managerTokenAuthority(home)).verify(r.out.trim())).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
  })

  it('refuses what a control token cannot be, naming the flag', async () => {
    expect(
      (await cli(['auth', 'create-token', '--perm', 'sign', '--worker', 'w', '--ttl', '1h'])).err,
    ).toMatch(/--perm with --worker must be read or write/)
    expect((await cli(['auth', 'create-token', '--perm', 'read', '--worker', 'w'])).err).toMatch(
      /--worker needs --ttl/,
    )
    expect(
      (await cli(['auth', 'create-token', '--perm', 'write', '--worker', '*', '--ttl', '1h'])).err,
    ).toMatch(/--worker: .*read-only/)
    expect((await cli(['auth', 'create-token', '--perm', 'read', '--ttl', '1h'])).err).toMatch(
      /--ttl applies to --worker/,
    )
  })
})
