import { mkdtempSync, rmSync, statSync } from 'node:fs'
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
  it('daemon init creates the token secret (0600) and the local admin token', async () => {
    expect((await cli(['daemon', 'init'])).code).toBe(0)
    expect(statSync(join(home, 'token.secret')).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'token')).mode & 0o777).toBe(0o600)
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
