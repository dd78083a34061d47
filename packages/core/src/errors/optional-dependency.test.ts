import { describe, expect, it } from 'vitest'
import { isVenusError, type VenusError } from './base.js'
import { importOptional } from './optional-dependency.js'

describe('importOptional', () => {
  it('returns the module when the package is installed', async () => {
    const mod = await importOptional('smol-toml', () => import('smol-toml'), { feature: 'TOML' })
    expect(typeof mod.parse).toBe('function')
  })

  it('names the package to install when it is missing', async () => {
    const name = 'venus-cluster-no-such-package'
    const err = await importOptional(name, () => import(name), {
      feature: 'the test store',
    }).catch((e: unknown) => e)
    expect(isVenusError(err, 'DEPENDENCY_MISSING')).toBe(true)
    expect((err as VenusError).message).toBe(
      `the test store needs the package ${name}, which is not installed: npm install ${name}`,
    )
    expect((err as VenusError).details).toEqual({ package: name })
  })

  it('uses the given code and hint', async () => {
    const name = 'venus-cluster-no-such-package'
    const err = await importOptional(name, () => import(name), {
      feature: 'native proofs',
      code: 'PROOFS_NATIVE_UNAVAILABLE',
      hint: 'or use --proofs mock',
    }).catch((e: unknown) => e)
    expect(isVenusError(err, 'PROOFS_NATIVE_UNAVAILABLE')).toBe(true)
    expect((err as VenusError).message).toMatch(
      /npm install venus-cluster-no-such-package; or use --proofs mock$/,
    )
  })

  it('rethrows other failures of an installed package unchanged', async () => {
    const broken = Object.assign(new Error("Cannot find package 'left-pad' imported from /x/pg/index.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    const err = await importOptional('pg', () => Promise.reject(broken), { feature: 'PostgreSQL' }).catch(
      (e: unknown) => e,
    )
    expect(err).toBe(broken)
  })
})
